# A worker: drover sets DYNO (worker.1, worker.2) for each instance.
n=0
while true; do
  n=$((n + 1))
  echo "$DYNO: processed job $n"
  sleep 1
done
