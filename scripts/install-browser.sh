#!/usr/bin/env bash
# Installs Debian's chromium for the search-UI browser tests (test/ui), driven by playwright-core.
# Idempotent: does nothing when /usr/bin/chromium already exists. Needs root (or sudo) and
# access to the Debian package mirrors; the tests themselves need no network.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  echo "chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-browser: not root and no sudo; install chromium yourself (apt-get install chromium)" >&2
    exit 1
  fi
fi

echo "installing chromium from the Debian mirrors"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# fonts-liberation gives the headless pages real text metrics (screenshots readable).
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
"$CHROMIUM" --version
