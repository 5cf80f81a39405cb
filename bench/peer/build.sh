#!/bin/sh
# Builds the peer systems the Sealhouse peer benchmark compares against, with this machine's Go,
# into a gitignored cache inside the checkout. Each binary is built once: a second run finds it and
# skips the (multi-minute, two-core) compile. Nothing upstream is vendored into the repository.
#
# Versions: rekor v1.5.4 is the newest v1.5.x whose go.mod accepts Go 1.25/1.26 (v1.5.5+ want Go
# 1.27) and it pins Trillian v1.7.3, so Trillian is built at exactly that version. rekor-tiles
# v2.3.0 is the newest Rekor v2 that builds with Go 1.26 (v2.4.x want Go 1.27).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
cache="$here/.cache/peer"
bin="$cache/bin"
mkdir -p "$bin"
export GOBIN="$bin" GOTOOLCHAIN=local GOFLAGS=-trimpath

REKOR_VERSION=${REKOR_VERSION:-v1.5.4}
TRILLIAN_VERSION=${TRILLIAN_VERSION:-v1.7.3}
REKOR_TILES_VERSION=${REKOR_TILES_VERSION:-v2.3.0}
FULCIO_VERSION=${FULCIO_VERSION:-v1.8.8}

# build NAME PACKAGE@VERSION: install unless the binary and its version stamp already exist.
build() {
  name=$1; pkg=$2
  if [ -x "$bin/$name" ] && [ "$(cat "$bin/$name.version" 2>/dev/null)" = "$pkg" ]; then
    echo "peer build: $name cached ($pkg)"; return 0
  fi
  echo "peer build: go install $pkg"
  start=$(date +%s)
  if go install "$pkg"; then
    echo "$pkg" > "$bin/$name.version"
    echo "peer build: $name built in $(( $(date +%s) - start ))s"
  else
    echo "peer build: $name FAILED ($pkg)" >&2
    return 1
  fi
}

# MariaDB and Redis come from Debian's packages; the benchmark starts its own instances of them
# on private ports and data directories, so only the binaries are needed.
if ! command -v mariadbd >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "peer build: apt-get install -y mariadb-server redis-server"
    DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server redis-server
  else
    echo "peer build: mariadbd/redis-server missing: apt-get install mariadb-server redis-server (as root)" >&2
  fi
fi

want=${*:-trillian rekor tiles fulcio}
status=0
for what in $want; do
  case $what in
    trillian)
      build trillian_log_server "github.com/google/trillian/cmd/trillian_log_server@$TRILLIAN_VERSION" || status=1
      build trillian_log_signer "github.com/google/trillian/cmd/trillian_log_signer@$TRILLIAN_VERSION" || status=1
      build createtree "github.com/google/trillian/cmd/createtree@$TRILLIAN_VERSION" || status=1 ;;
    rekor) build rekor-server "github.com/sigstore/rekor/cmd/rekor-server@$REKOR_VERSION" || status=1 ;;
    tiles)
      # the POSIX variant's binary is named "posix" by go install; keep that name.
      build posix "github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix@$REKOR_TILES_VERSION" || status=1 ;;
    fulcio) build fulcio "github.com/sigstore/fulcio@$FULCIO_VERSION" || status=1 ;;
    *) echo "peer build: unknown target $what" >&2; status=1 ;;
  esac
done
exit $status
