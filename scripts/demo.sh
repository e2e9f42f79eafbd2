#!/usr/bin/env bash
# The demo: validate the fixture app's configuration with the committed bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
bin/drover check --app fixtures/config/valid
