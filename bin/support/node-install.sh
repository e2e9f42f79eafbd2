# Installs the pinned Node.js release (buildpack.toml [[metadata.dependencies]] id = "node") into a
# directory, verifying its sha256. Sourced by bin/support/buildpack.sh (to run the build itself) and run as
# `bash node-install.sh DIR` by the build (to vendor a runtime): one code path for both.
#
# DIR ends up holding bin/node, LICENSE and .drover-node (the checksum and version it came from); an
# existing DIR whose .drover-node matches the inventory is reused as is, which is how the cache works.
# Environment: DROVER_NODE_MIRROR replaces https://nodejs.org/dist in the URL (a mirror or a proxy);
# DROVER_NODE_INVENTORY names another file in buildpack.toml's format (tests, air-gapped installs).

# The CNB name of this machine's architecture, which is what the inventory's `arch` uses.
drover_arch() {
  case "$(uname -m)" in
    x86_64 | amd64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) uname -m ;;
  esac
}

# Prints `version uri sha256` of the node entry for ARCH in the inventory file, or nothing.
drover_inventory_node() {
  local file="$1" arch="$2"
  awk -v want="$arch" '
    function flush() { if (id == "node" && a == want) { print version, uri, sha; found = 1; exit } id = a = version = uri = sha = "" }
    /^[[:space:]]*\[/ { flush(); inside = ($0 ~ /^[[:space:]]*\[\[metadata\.dependencies\]\]/); next }
    inside && /^[[:space:]]*[a-z0-9_]+[[:space:]]*=/ {
      key = $0; sub(/[[:space:]]*=.*/, "", key); gsub(/[[:space:]]/, "", key)
      value = $0; sub(/^[^=]*=[[:space:]]*"/, "", value); sub(/".*$/, "", value)
      if (key == "id") id = value; else if (key == "arch") a = value; else if (key == "version") version = value
      else if (key == "uri") uri = value; else if (key == "sha256") sha = value
    }
    END { if (!found) flush() }
  ' "$file"
}

# Installs into DIR; prints `cached` or `downloaded` on stdout, explains any failure on stderr (status 1).
drover_install_node() {
  local dir="$1" bp_dir inventory arch entry version uri sha url tmp actual started
  bp_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  inventory="${DROVER_NODE_INVENTORY:-$bp_dir/buildpack.toml}"
  arch="$(drover_arch)"
  entry="$(drover_inventory_node "$inventory" "$arch" 2>/dev/null || true)"
  if [ -z "$entry" ]; then
    echo "drover: no Node.js for linux/$arch in $inventory: expected a [[metadata.dependencies]] entry with id = \"node\" and arch = \"$arch\"." >&2
    echo "        Add one (version, uri, sha256 from https://nodejs.org/dist/vX/SHASUMS256.txt), or set DROVER_NODE to a node >= 18." >&2
    return 1
  fi
  read -r version uri sha <<<"$entry"
  if [ -x "$dir/bin/node" ] && [ -f "$dir/.drover-node" ] && grep -qx "sha256=$sha" "$dir/.drover-node"; then
    echo cached
    return 0
  fi
  url="$uri"
  if [ -n "${DROVER_NODE_MIRROR:-}" ]; then url="${DROVER_NODE_MIRROR%/}${uri#https://nodejs.org/dist}"; fi
  # A cached buildpack (`npm run package -- --cached`) carries the archive: no network at all, same checksum.
  if [ -f "$bp_dir/dependencies/$sha/${uri##*/}" ]; then url="file://$bp_dir/dependencies/$sha/${uri##*/}"; fi
  # Downloading beside DIR makes the final move a rename: an interrupted build never leaves half a node.
  mkdir -p "$(dirname "$dir")"
  tmp="$(mktemp -d "$(dirname "$dir")/.drover-node-download.XXXXXX")"
  started=$SECONDS
  if ! curl -fsSL --retry 2 --connect-timeout 15 -o "$tmp/archive" "$url" 2>"$tmp/curl.err"; then
    echo "drover: could not download Node.js $version from $url: $(tail -n 1 "$tmp/curl.err")." >&2
    echo "        Check the network, or set DROVER_NODE_MIRROR to a mirror of https://nodejs.org/dist (nothing was installed)." >&2
    rm -rf "$tmp"
    return 1
  fi
  actual="$(sha256sum "$tmp/archive" | cut -d' ' -f1)"
  if [ "$actual" != "$sha" ]; then
    echo "drover: checksum mismatch for Node.js $version from $url:" >&2
    echo "        expected sha256 $sha (from $inventory)" >&2
    echo "        received sha256 $actual" >&2
    echo "        The download is corrupt or the mirror serves another file; nothing was installed. Retry, or check DROVER_NODE_MIRROR." >&2
    rm -rf "$tmp"
    return 1
  fi
  # Only bin/node and the licence: npm, headers and docs would triple what the slug carries for nothing.
  mkdir -p "$tmp/node"
  if ! tar -xf "$tmp/archive" -C "$tmp/node" --strip-components=1 --wildcards '*/bin/node' '*/LICENSE' 2>"$tmp/tar.err" || ! "$tmp/node/bin/node" --version >/dev/null 2>&1; then
    echo "drover: the archive from $url has no working bin/node for linux/$arch: $(tail -n 1 "$tmp/tar.err")." >&2
    echo "        Check that the inventory entry's uri matches its arch (nothing was installed)." >&2
    rm -rf "$tmp"
    return 1
  fi
  printf 'version=%s\nsha256=%s\nurl=%s\nseconds=%s\n' "$version" "$sha" "$url" "$((SECONDS - started))" >"$tmp/node/.drover-node"
  rm -rf "$dir"
  mv "$tmp/node" "$dir"
  rm -rf "$tmp"
  echo downloaded
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  if [ $# -ne 1 ]; then
    echo "usage: node-install.sh DIR" >&2
    exit 2
  fi
  drover_install_node "$1"
fi
