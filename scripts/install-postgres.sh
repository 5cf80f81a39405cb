#!/usr/bin/env bash
# Makes a PostgreSQL server answer on 127.0.0.1:5432 with trust authentication for local TCP
# connections (user postgres, no password), for the test suite's Postgres run and the benchmarks.
#
# Idempotent: installs Debian's `postgresql` package only when no server binaries are present,
# adds the trust lines to pg_hba.conf only once, and starts the cluster only when nothing answers.
# Needs root (or sudo) the first time; a machine where Postgres already answers needs nothing.
#
# Trust authentication is for a throwaway test machine only: every local user can connect as any
# database user. Never run this on a machine whose Postgres holds real data.
set -euo pipefail

HOST=127.0.0.1
PORT=5432

if pg_isready -h "$HOST" -p "$PORT" -q 2>/dev/null; then
  echo "postgres already answering on $HOST:$PORT"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-postgres: not root and no sudo; install and start PostgreSQL yourself" \
      "(apt-get install postgresql), with trust auth for host 127.0.0.1" >&2
    exit 1
  fi
fi

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing postgresql from the Debian mirrors"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

version="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
if [ ! -d "/etc/postgresql/$version/main" ]; then
  $SUDO pg_createcluster "$version" main >/dev/null
fi

conf_dir="/etc/postgresql/$version/main"
hba="$conf_dir/pg_hba.conf"
marker="# sealhouse-tests: trust on loopback"
if ! grep -qF "$marker" "$hba"; then
  # pg_hba is read top to bottom and the first match wins, so the trust lines go first.
  tmp="$(mktemp)"
  {
    echo "$marker"
    echo "host    all             all             127.0.0.1/32            trust"
    echo "host    all             all             ::1/128                 trust"
    echo "host    replication     all             127.0.0.1/32            trust"
    cat "$hba"
  } > "$tmp"
  $SUDO cp "$tmp" "$hba"
  rm -f "$tmp"
fi
# Listen on loopback only, on the expected port.
$SUDO sed -i -E "s/^#?listen_addresses\s*=.*/listen_addresses = 'localhost'/; s/^#?port\s*=.*/port = $PORT/" \
  "$conf_dir/postgresql.conf"

echo "starting postgres $version"
# A cluster left half-running (a stale pid file after a machine restart) is restarted cleanly.
$SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main stop >/dev/null 2>&1 || true
$SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start

for _ in $(seq 1 30); do
  pg_isready -h "$HOST" -p "$PORT" -q && break
  sleep 1
done
pg_isready -h "$HOST" -p "$PORT"
