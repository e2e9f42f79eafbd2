"""The web: answers on $PORT and logs each request."""
import http.server
import os


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"hello from {os.environ['DYNO']}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("web: " + fmt % args, flush=True)


server = http.server.HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler)
print(f"web: listening on {server.server_port}", flush=True)
server.serve_forever()
