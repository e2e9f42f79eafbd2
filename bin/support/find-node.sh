# Sourced by drover's shims: sets DROVER_NODE_BIN to a Node.js >= 18, or explains what is missing.
# Looks at, in order: $DROVER_NODE, a node vendored beside the shim (../node/bin/node, as in a slug's
# .drover/), the app's .heroku/node left by the Node.js buildpack, then `node` on PATH.

drover_node_ok() {
  # `node --version` answers without starting V8: a few ms, where `node -p` costs a whole start-up.
  local version major
  version=$("$1" --version 2>/dev/null) || return 1
  major=${version#v}
  major=${major%%.*}
  [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -ge 18 ] && DROVER_NODE_MAJOR=$major
}

# True when DIR holds a node the buildpack vendored (DIR/.drover-node records its version) of version >= 18:
# reading the record costs nothing, where running even `node --version` costs a few ms at every start.
drover_vendored_node_ok() {
  local key value major=""
  [ -f "$1/bin/node" ] && [ -x "$1/bin/node" ] && [ -f "$1/.drover-node" ] || return 1
  while IFS='=' read -r key value || [ -n "$key" ]; do
    if [ "$key" = version ]; then major=${value#v}; major=${major%%.*}; fi
  done <"$1/.drover-node"
  [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -ge 18 ] && DROVER_NODE_MAJOR=$major
}

# Sets DROVER_NODE_BIN, and DROVER_NODE_MAJOR to its major version when that is known (the vendored node's
# record, or a node that was asked: $DROVER_NODE, run-each), else to "". With `run-each` as second argument, every
# candidate is run to ask its version (for when the one found the quick way could not be executed).
drover_find_node() {
  local here="$1" run_each="${2:-}" candidate rest dir
  DROVER_NODE_MAJOR=""
  if [ -n "${DROVER_NODE:-}" ] && [ -x "$DROVER_NODE" ] && drover_node_ok "$DROVER_NODE"; then DROVER_NODE_BIN="$DROVER_NODE"; return 0; fi
  if [ -z "$run_each" ] && drover_vendored_node_ok "$here/../node"; then DROVER_NODE_BIN="$here/../node/bin/node"; return 0; fi
  for candidate in "$here/../node/bin/node" "$here/../../.heroku/node/bin/node"; do
    if [ -f "$candidate" ] && [ -x "$candidate" ] && drover_node_ok "$candidate"; then DROVER_NODE_BIN="$candidate"; return 0; fi
  done
  # Last, the first node on PATH, looked up without a subshell. It is not run here (unless run-each): the shim
  # preloads node-check.cjs, which stops a node older than 18 with a message before drover's code is parsed.
  rest="$PATH:"
  while [ -n "$rest" ]; do
    dir="${rest%%:*}"
    rest="${rest#*:}"
    case "$dir" in "~" | "~/"*) dir="${HOME:-}${dir#\~}" ;; esac # as bash's own PATH search does
    candidate="${dir:-.}/node"
    if [ -f "$candidate" ] && [ -x "$candidate" ] && { [ -z "$run_each" ] || drover_node_ok "$candidate"; }; then DROVER_NODE_BIN="$candidate"; return 0; fi
  done
  return 1
}
