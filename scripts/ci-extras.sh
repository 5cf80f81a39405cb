#!/usr/bin/env bash
# Extra CI set-up that .ci/run calls (when executable) before the test runs: the browser the
# search-UI tests drive (test/ui, Debian chromium via playwright-core).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== browser for the search UI tests"
bash scripts/install-browser.sh
