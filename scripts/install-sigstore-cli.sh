#!/usr/bin/env bash
# Installs @sigstore/cli (the `sigstore` command of sigstore-js, from npm) for
# test/e2e/tuf-sigstore-cli.test.ts, which runs `sigstore verify --tuf-mirror-url --tuf-root-path`
# against a Sealhouse TUF repository. It is a test client, not a dependency of Sealhouse, so it
# goes into its own directory, ${SEALHOUSE_SIGSTORE_CLI_DIR:-~/.cache/sealhouse/sigstore-cli},
# from scripts/sigstore-cli/package-lock.json (every version and integrity hash pinned) with
# `npm ci --ignore-scripts`. Idempotent: when that directory was built from the same lockfile it
# exits at once. @sigstore/cli 0.10 declares node ^22.22.2 || >=24.15; it runs the verify path
# on Node 20 too (the test proves it), so npm's EBADENGINE warning is expected there.
# Without npm it says so and exits 0: the test then skips (or fails under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${SEALHOUSE_SIGSTORE_CLI_DIR:-$HOME/.cache/sealhouse/sigstore-cli}"
lock="scripts/sigstore-cli/package-lock.json"

if ! command -v npm >/dev/null 2>&1; then
  echo "install-sigstore-cli: npm not found; the @sigstore/cli test will be skipped" >&2
  exit 0
fi

want="$(sha256sum "$lock" scripts/sigstore-cli/package.json | sha256sum | cut -d' ' -f1)"
if [ -x "$dir/node_modules/.bin/sigstore" ] && [ "$(cat "$dir/.sealhouse-lock" 2>/dev/null || true)" = "$want" ]; then
  echo "@sigstore/cli already in $dir"
  exit 0
fi

mkdir -p "$(dirname "$dir")"
tmp="$(mktemp -d "$(dirname "$dir")/.sigstore-cli.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cp scripts/sigstore-cli/package.json "$lock" "$tmp/"
(cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
"$tmp/node_modules/.bin/sigstore" --version
echo "$want" >"$tmp/.sealhouse-lock"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "installed @sigstore/cli into $dir"
