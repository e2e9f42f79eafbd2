# Stands in for an app: says who it is, then waits for SIGTERM.
echo "$DYNO started"
trap 'exit 0' TERM
while true; do sleep 1 & wait $!; done
