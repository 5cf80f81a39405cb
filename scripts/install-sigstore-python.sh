#!/usr/bin/env bash
# Installs sigstore-python (the `sigstore` package from PyPI, pinned here; sigstore 4 needs
# python ≥ 3.9) for the Rekor v2 + TSA client tests (test/e2e/v2-tsa-python.test.ts via
# test/helpers/python-clients.ts), in SEALHOUSE_SIGSTORE_PYTHON_VENV (default
# ~/.cache/sealhouse/sigstore-python-venv), where the tests look. See install-pip-venv.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/install-pip-venv.sh sigstore-python "${SEALHOUSE_SIGSTORE_PYTHON_VENV:-$HOME/.cache/sealhouse/sigstore-python-venv}" sigstore 4.5.1 sigstore
