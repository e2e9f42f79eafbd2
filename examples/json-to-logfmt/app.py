"""Stands in for an app with structured logs, some of which carry secrets."""
import json
import os
import signal
import sys
import time


def log(level, msg, **fields):
    print(json.dumps({"level": level, "msg": msg, "time": time.time(), **fields}), flush=True)


log("info", "booting", port=int(os.environ["PORT"]))
log("info", "charge created", amount=1200, card="card=4242424242424242", db=os.environ.get("DATABASE_URL", ""))
log("warn", "retrying stripe", api_key=os.environ.get("STRIPE_SECRET_KEY", ""), password="hunter2", attempt=2)
log("debug", "user", user={"id": 7, "email": "a@example.com", "password": "hunter2"})
print("plain text with the key " + os.environ.get("STRIPE_SECRET_KEY", ""), flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    time.sleep(1)
