#!/usr/bin/env bash
# Run by the postgres image when it creates the database (docker-entrypoint-initdb.d): lets the
# compose file's postgres-replica stream WAL as the database owner, with its password. Without
# this line pg_hba.conf allows replication from the container itself only.
#
# A volume created before this script was mounted needs the same line once, by hand:
#   docker compose exec postgres bash -c 'echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"'
#   docker compose exec postgres psql -U sealhouse -c 'SELECT pg_reload_conf()'
set -euo pipefail
grep -q '^host replication all all scram-sha-256' "$PGDATA/pg_hba.conf" || echo 'host replication all all scram-sha-256' >> "$PGDATA/pg_hba.conf"
