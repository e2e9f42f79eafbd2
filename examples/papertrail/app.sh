# Stands in for an app: a few lines at different levels, then it waits for SIGTERM.
echo "booting on port $PORT"
echo "DEBUG cache warmed (not sent to the drain: Severity 7)"
echo "INFO order 1001 paid"
echo "ERROR payment provider timed out"
trap 'echo "shutting down"; exit 0' TERM
while true; do sleep 1 & wait $!; done
