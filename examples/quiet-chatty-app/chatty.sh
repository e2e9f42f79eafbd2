# Stands in for a noisy app: the same error 200 times, then 2,000 distinct lines as fast as it can.
echo "starting"
for i in $(seq 1 200); do echo "redis: connection refused, retrying"; done
echo "redis: connected"
for i in $(seq 1 2000); do echo "cache hit key=$i"; done
echo "ready"
trap 'exit 0' TERM
while true; do sleep 1 & wait $!; done
