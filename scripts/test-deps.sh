#!/usr/bin/env bash
# The system tools the tests use as real peers, installed from Debian when run as root; otherwise it names
# what is missing and stops. Used by `npm test` (pretest) and by .ci/run.
set -euo pipefail

# command -> Debian package
declare -A wanted=(
  [openssl]=openssl            # test certificates for syslog+tls and https drains
  [syslog-ng]=syslog-ng-core   # the real syslog receiver
  [supervisord]=supervisor     # a peer in the benchmarks, whose --quick run is a test
  [unshare]=util-linux         # slugs run as PID 1 in their own namespace
  [mount]=mount                # a small tmpfs inside `unshare -m` fills a disk for the disk-buffer tests
  [logger]=bsdutils            # RFC 3164/5424 messages from util-linux's logger
  [curl]=curl                  # what users type against drover's HTTP endpoints
  [prometheus]=prometheus      # scrapes [supervisor] metrics_address; its promtool checks the format
  [promtool]=prometheus
  [nginx]=nginx                # writes the access log the file input follows
  [logrotate]=logrotate        # rotates it (create and copytruncate) under the file input
)

missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "The tests need these Debian packages, which are missing: ${missing[*]}" >&2
echo "Install them (sudo apt-get install -y ${missing[*]}) and run npm test again." >&2
exit 1
