#!/usr/bin/env bash
# Installs schemathesis (the schema-driven HTTP fuzzer behind test/fuzz/schemathesis.test.ts) into
# its own venv, pinned by test/fuzz/requirements.txt, in SEALHOUSE_SCHEMATHESIS_VENV (default
# ~/.cache/sealhouse/schemathesis-venv), where the test looks. See install-pip-venv.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
want="$(grep -E '^schemathesis==' test/fuzz/requirements.txt | cut -d= -f3)"
exec bash scripts/install-pip-venv.sh schemathesis "${SEALHOUSE_SCHEMATHESIS_VENV:-$HOME/.cache/sealhouse/schemathesis-venv}" schemathesis "$want" schemathesis
