#!/usr/bin/env bash
# The demo: build fixtures/apps/demo with the buildpack as Heroku does (detect, compile, release), move the
# slug elsewhere as Heroku moves /tmp/build_x to /app, run its web and worker dynos with PORT set, curl the
# web, show what the dynos logged, and stop them with SIGTERM. Needs bash, curl and Node.js >= 18.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/drover-demo.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n\033[1m=== %s\033[0m\n' "$*"; }

# The buildpack as a platform gets it from its git URL: bin/, lib/, conf/, buildpack.toml, no node_modules.
mkdir -p "$work/buildpack" "$work/cache" "$work/env"
cp -R "$root/bin" "$root/lib" "$root/conf" "$root/buildpack.toml" "$work/buildpack/"
build="$work/build_demo"
cp -R "$root/fixtures/apps/demo" "$build"
# The demo app is a Node.js app: on Heroku the Node.js buildpack runs first and leaves node in .heroku/node,
# which drover reuses instead of vendoring its own. Stand in for it with this machine's node.
mkdir -p "$build/.heroku/node/bin" "$build/.profile.d"
ln -s "$(command -v node)" "$build/.heroku/node/bin/node"
echo 'export PATH="$HOME/.heroku/node/bin:$PATH"' >"$build/.profile.d/nodejs.sh"

say "bin/detect $build"
"$work/buildpack/bin/detect" "$build"
say "bin/compile $build CACHE ENV_DIR"
"$work/buildpack/bin/compile" "$build" "$work/cache" "$work/env"
say "bin/release"
"$work/buildpack/bin/release" "$build"

say "the slug, moved to $work/app"
mv "$build" "$work/app"
app="$work/app"
(cd "$app" && ls -A && echo && cat Procfile && echo && find .drover -maxdepth 2 -not -path '.drover/conf/*' | sort)

# A dyno: HOME at the app, .profile.d sourced, the Procfile's command under `bash -c` with PORT set.
dyno() {
  local type="$1" port="$2" command
  command="$(sed -n "s/^$type: //p" "$app/Procfile")"
  (cd "$app" && exec env HOME="$app" PORT="$port" DYNO="$type.1" bash -c 'for f in .profile.d/*.sh; do . "$f"; done; exec bash -c "$1"' dyno "$command") >"$work/$type.log" 2>&1 &
  pids+=($!)
}
port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
say "starting the web dyno (PORT=$port) and a worker dyno"
dyno web "$port"
dyno worker 0
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
say "curl http://127.0.0.1:$port/hello"
curl -fsS "http://127.0.0.1:$port/hello"
sleep 2.5

say "SIGTERM to both dynos"
for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || true; done
pids=()
say "what the web dyno logged"
cat "$work/web.log"
say "what the worker dyno logged"
cat "$work/worker.log"
