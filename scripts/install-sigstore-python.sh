#!/usr/bin/env bash
# Installs sigstore-python (the `sigstore` package from PyPI, pinned below) into its own venv, for
# the Rekor v2 + TSA client tests (test/e2e/v2-tsa-python.test.ts via test/helpers/python-clients.ts).
# Idempotent: a venv that already has the pinned version is left alone (about a second).
# The venv lives in SEALHOUSE_SIGSTORE_PYTHON_VENV, default ~/.cache/sealhouse/sigstore-python-venv;
# the test looks in the same place. Without python3 (≥ 3.9, as sigstore 4 requires) this says so
# and exits 0: the test then skips with that reason.
set -euo pipefail
cd "$(dirname "$0")/.."

want="4.5.1"
venv="${SEALHOUSE_SIGSTORE_PYTHON_VENV:-$HOME/.cache/sealhouse/sigstore-python-venv}"

if ! command -v python3 >/dev/null 2>&1; then
  echo "install-sigstore-python: python3 not found; the sigstore-python tests will be skipped" >&2
  exit 0
fi

have() { "$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("sigstore"))' 2>/dev/null || true; }
if [ -x "$venv/bin/sigstore" ] && [ "$(have)" = "$want" ]; then
  echo "sigstore-python $want already in $venv"
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
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "sigstore==$want"
echo "sigstore-python $(have) installed in $venv"
