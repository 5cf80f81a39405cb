#!/usr/bin/env bash
# Installs schemathesis (the schema-driven HTTP fuzzer behind test/fuzz/schemathesis.test.ts) into
# its own venv, pinned by test/fuzz/requirements.txt. Idempotent: a venv that already has the
# pinned version is left alone, so a second run takes about a second.
# The venv lives in SEALHOUSE_SCHEMATHESIS_VENV, default ~/.cache/sealhouse/schemathesis-venv;
# the test looks in the same place. Without python3 this says so and exits 0: the test then skips.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${SEALHOUSE_SCHEMATHESIS_VENV:-$HOME/.cache/sealhouse/schemathesis-venv}"
req="test/fuzz/requirements.txt"
want="$(grep -E '^schemathesis==' "$req" | cut -d= -f3)"

if ! command -v python3 >/dev/null 2>&1; then
  echo "install-schemathesis: python3 not found; the schemathesis HTTP fuzz will be skipped" >&2
  exit 0
fi

if [ -x "$venv/bin/schemathesis" ] && [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" = "$want" ]; then
  echo "schemathesis $want already in $venv"
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
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "schemathesis $("$venv/bin/schemathesis" --version 2>/dev/null || echo "$want") installed in $venv"
