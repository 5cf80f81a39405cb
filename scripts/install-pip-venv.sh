#!/usr/bin/env bash
# Installs one pinned PyPI package into its own venv, for the tests that drive Python tools
# (install-schemathesis.sh, install-sigstore-python.sh call this). Idempotent: a venv that
# already has the pinned version is left alone, so a second run takes about a second. Without
# python3 it says so and exits 0: the tests that need the tool then skip (or fail under CI=true).
#   usage: install-pip-venv.sh <label> <venv dir> <package> <version> <executable in the venv>
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: install-pip-venv.sh <label> <venv dir> <package> <version> <executable>" >&2; exit 2; }
label=$1 venv=$2 package=$3 want=$4 executable=$5

if ! command -v python3 >/dev/null 2>&1; then
  echo "install-$label: python3 not found; the tests that need $label will be skipped" >&2
  exit 0
fi

have() { "$venv/bin/python" -c "import importlib.metadata as m; print(m.version('$package'))" 2>/dev/null || true; }
if [ -x "$venv/bin/$executable" ] && [ "$(have)" = "$want" ]; then
  echo "$label $want already in $venv"
  exit 0
fi

if ! python3 -m venv --help >/dev/null 2>&1; then
  # Debian splits venv out of python3.
  if command -v apt-get >/dev/null 2>&1; then
    apt-get install -y python3-venv >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-venv >/dev/null; }
  fi
fi

mkdir -p "$(dirname "$venv")"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$package==$want"
echo "$label $(have) installed in $venv"
