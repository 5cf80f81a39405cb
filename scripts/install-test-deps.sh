#!/usr/bin/env bash
# Everything the test suite needs that npm cannot install, on a fresh Debian machine (root, or
# sudo): Debian's chromium (the search-UI browser tests), the real Go sigstore clients (the
# cosign/rekor-cli end-to-end tests), sigstore-python from PyPI (the Rekor v2 + TSA client
# tests), @sigstore/cli from npm into its own cache (the TUF mirror test) and — when
# DATABASE_URL points at Postgres on this machine — a running PostgreSQL on 127.0.0.1:5432 with
# trust auth.
# Each step is idempotent and cached: on a machine that already has them this takes seconds.
# `npm test` calls it first (SEALHOUSE_SKIP_INSTALL=1 skips it); .ci/run too.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SEALHOUSE_SKIP_INSTALL:-0}" = "1" ]; then exit 0; fi

case "${DATABASE_URL:-}" in
  postgres://*@127.0.0.1:5432/*|postgres://*@localhost:5432/*|postgresql://*@127.0.0.1:5432/*|postgresql://*@localhost:5432/*)
    echo "-- postgres"; bash scripts/install-postgres.sh ;;
esac
echo "-- chromium";   bash scripts/install-browser.sh
echo "-- go clients"; bash scripts/install-go-clients.sh
echo "-- schemathesis"; bash scripts/install-schemathesis.sh
echo "-- sigstore-python"; bash scripts/install-sigstore-python.sh
echo "-- @sigstore/cli"; bash scripts/install-sigstore-cli.sh
echo "-- sigstore-conformance"; bash scripts/install-conformance.sh
