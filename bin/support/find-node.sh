# Sourced by drover's shims: sets DROVER_NODE_BIN to a Node.js >= 18, or explains what is missing.
# Looks at, in order: $DROVER_NODE, a node vendored beside the shim (../node/bin/node, as in a slug's
# .drover/), the app's .heroku/node left by the Node.js buildpack, then `node` on PATH.

drover_node_ok() {
  # `node --version` answers without starting V8: a few ms, where `node -p` costs a whole start-up.
  local version major
  version=$("$1" --version 2>/dev/null) || return 1
  major=${version#v}
  major=${major%%.*}
  [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -ge 18 ]
}

drover_find_node() {
  local here="$1" candidate
  for candidate in "${DROVER_NODE:-}" "$here/../node/bin/node" "$here/../../.heroku/node/bin/node" "$(command -v node 2>/dev/null || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && drover_node_ok "$candidate"; then
      DROVER_NODE_BIN="$candidate"
      return 0
    fi
  done
  return 1
}
