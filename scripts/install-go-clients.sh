#!/usr/bin/env bash
# Builds the real Go sigstore clients the end-to-end tests drive, with `go install` from the Go
# module proxy (no downloaded release binaries), into $SEALHOUSE_GO_BIN (default: $(go env
# GOPATH)/bin):
#   cosign     v3.1.3   the newest cosign v3 whose go.mod this machine's Go 1.26 accepts
#   rekor-cli  v1.5.4   the newest sigstore/rekor v1.5.x that builds with Go 1.26 (v1.5.5+ need go 1.27)
#   crane, registry  go-containerregistry v0.22.1: build test images, and an OCI registry on loopback
# Idempotent and cached: a binary already built from the wanted module version is kept (checked
# with `go version -m`), so a second run costs a second. The first build takes several minutes.
set -euo pipefail

if ! command -v go >/dev/null 2>&1; then
  echo "install-go-clients: go is not installed; the cosign/rekor-cli tests will be skipped" >&2
  exit 0
fi

export GOTOOLCHAIN=local
BIN="${SEALHOUSE_GO_BIN:-$(go env GOPATH)/bin}"
mkdir -p "$BIN"
export GOBIN="$BIN"

# name  package  module-version
clients=(
  "cosign github.com/sigstore/cosign/v3/cmd/cosign v3.1.3"
  "rekor-cli github.com/sigstore/rekor/cmd/rekor-cli v1.5.4"
  "crane github.com/google/go-containerregistry/cmd/crane v0.22.1"
  "registry github.com/google/go-containerregistry/cmd/registry v0.22.1"
)

for line in "${clients[@]}"; do
  read -r name pkg version <<<"$line"
  bin="$BIN/$name"
  if [ -x "$bin" ] && go version -m "$bin" 2>/dev/null | grep -qE "^\s+mod\s+\S+\s+$version(\s|$)"; then
    echo "$name $version already built ($bin)"
    continue
  fi
  echo "building $name $version (go install $pkg@$version)"
  go install "$pkg@$version"
done
