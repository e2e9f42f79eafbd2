# Sourced by every buildpack entrypoint that runs TypeScript (compile, supply, finalize, build): finds a
# Node.js >= 18 to run the build — $DROVER_NODE, `node` on PATH, one cached by an earlier build — else
# downloads the pinned release into the cache, then runs lib/buildpack.js with the entrypoint's name.
set -euo pipefail
bp_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
entry="$(basename "$0")"
# shellcheck source=find-node.sh
. "$bp_dir/bin/support/find-node.sh"
# shellcheck source=node-install.sh
. "$bp_dir/bin/support/node-install.sh"

# Where a downloaded node is kept between builds: the build cache, or the CNB layer that is cached.
drover_node_cache() {
  if [ "$entry" = build ]; then echo "${CNB_LAYERS_DIR:?bin/build is the CNB entrypoint: CNB_LAYERS_DIR must be set}/drover/node"
  else echo "${2:?usage: bin/$entry BUILD_DIR CACHE_DIR ...}/drover/node"; fi
}

node_bin=""
if [ -n "${DROVER_NODE:-}" ]; then
  if ! drover_node_ok "$DROVER_NODE"; then
    echo " !     DROVER_NODE=$DROVER_NODE is not a Node.js >= 18 that runs here; unset it or point it at one." >&2
    exit 1
  fi
  node_bin="$DROVER_NODE"
elif candidate="$(command -v node 2>/dev/null)" && drover_node_ok "$candidate"; then
  node_bin="$candidate"
else
  cache="$(drover_node_cache "$@")"
  if ! how="$(drover_install_node "$cache")"; then exit 1; fi
  if [ "$how" = downloaded ]; then
    echo "-----> Downloaded Node.js to run the build (no node >= 18 on PATH)"
    echo "       $(grep '^url=' "$cache/.drover-node" | cut -d= -f2-) (sha256 verified)"
    export DROVER_NODE_FRESH=1
  fi
  node_bin="$cache/bin/node"
  # The install runs where `set -e` does not stop it (inside `if`): check that it left a node that runs.
  if ! drover_node_ok "$node_bin"; then
    echo " !     Node.js was not installed into $cache (no working bin/node there); see the messages above." >&2
    exit 1
  fi
fi
# The inspector at an address no machine has (192.0.2.1, RFC 5737): a SIGUSR1 cannot open it on 127.0.0.1:9229
# (see bin/drover).
exec "$node_bin" --inspect-port=192.0.2.1:9229 "$bp_dir/lib/buildpack.js" "$entry" "$@"
