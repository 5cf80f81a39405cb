#!/usr/bin/env bash
# Installs the sigstore-conformance client suite (github.com/sigstore/sigstore-conformance), which
# test/cli/conformance.test.ts runs with `sealhouse` as the client under test. The suite is not on
# PyPI: it is a GitHub repository used as an action, so we pin the commit of its release tag and
# fetch exactly that commit with git (the hash is the integrity check), then install its own
# hash-pinned requirements.txt from PyPI into a venv.
#
# Layout (the test looks in the same place):
#   ${SEALHOUSE_CONFORMANCE_DIR:-~/.cache/sealhouse/conformance}/src   the suite at the pinned commit
#   ${SEALHOUSE_CONFORMANCE_DIR:-~/.cache/sealhouse/conformance}/venv  pytest and the suite's deps
# Idempotent: when src is at the pinned commit and the venv was built from its requirements, it
# exits in about a second. SEALHOUSE_CONFORMANCE_GIT may name a local clone or mirror to fetch
# from instead of GitHub (machines without GitHub access). Without python3 or git this says so and
# exits 0: the conformance test then skips; so does a machine that cannot reach the origin.
set -euo pipefail
cd "$(dirname "$0")/.."

version="v0.0.29"
commit="21533cde107c734ebc153c3e3a24d75fc9811a36"
origin="${SEALHOUSE_CONFORMANCE_GIT:-https://github.com/sigstore/sigstore-conformance.git}"
dir="${SEALHOUSE_CONFORMANCE_DIR:-$HOME/.cache/sealhouse/conformance}"
src="$dir/src"
venv="$dir/venv"

for tool in python3 git; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install-conformance: $tool not found; the sigstore-conformance run will be skipped" >&2
    exit 0
  fi
done

if [ "$(cat "$src/.sealhouse-commit" 2>/dev/null || true)" != "$commit" ]; then
  mkdir -p "$dir"
  tmp="$(mktemp -d "$dir/.src.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  git -C "$tmp" init --quiet
  # A shallow fetch of one commit by its hash: what arrives is that commit or nothing.
  if ! git -C "$tmp" fetch --quiet --depth 1 "$origin" "$commit"; then
    # No GitHub from here: say so and let the conformance test skip, as without python3.
    echo "install-conformance: cannot fetch $commit from $origin (set SEALHOUSE_CONFORMANCE_GIT to a local clone); the sigstore-conformance run will be skipped" >&2
    exit 0
  fi
  git -C "$tmp" -c advice.detachedHead=false checkout --quiet FETCH_HEAD
  [ "$(git -C "$tmp" rev-parse HEAD)" = "$commit" ] || { echo "install-conformance: fetched the wrong commit" >&2; exit 1; }
  rm -rf "$tmp/.git"
  echo "$commit" >"$tmp/.sealhouse-commit"
  rm -rf "$src"
  mv "$tmp" "$src"
  trap - EXIT
fi

req_sum="$(sha256sum "$src/requirements.txt" | cut -d' ' -f1)"
if [ -x "$venv/bin/pytest" ] && [ "$(cat "$venv/.sealhouse-requirements" 2>/dev/null || true)" = "$req_sum" ]; then
  echo "sigstore-conformance $version ($commit) already in $dir"
  exit 0
fi

if ! python3 -m venv --help >/dev/null 2>&1; then
  # Debian splits venv out of python3.
  if command -v apt-get >/dev/null 2>&1; then
    apt-get install -y python3-venv >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-venv >/dev/null; }
  fi
fi

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$src/requirements.txt"
echo "$req_sum" >"$venv/.sealhouse-requirements"
echo "sigstore-conformance $version ($commit) installed in $dir"
