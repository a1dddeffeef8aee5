#!/usr/bin/env bash
# Brings up a PostgreSQL for local development and prints its connection string on the last line.
# Order: a server already answering on localhost:5432; a Docker engine (postgres:17-alpine); otherwise the
# machine's own PostgreSQL binaries, with a cluster kept under .pgdata/ in this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PINREPORTS_PG_PORT:-5432}"
DB=pinreports USER_NAME=pinreports PASSWORD=pinreports
CONN="Host=localhost;Port=$PORT;Database=$DB;Username=$USER_NAME;Password=$PASSWORD"

log() { echo "[dev-postgres] $*" >&2; }

psql_admin() {
  # As root, PostgreSQL's own superuser is reached through the postgres OS user and the local socket.
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
    runuser -u postgres -- psql -h "${SOCKET_DIR:-/var/run/postgresql}" -p "$PORT" -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
  else
    psql -h "${SOCKET_DIR:-localhost}" -p "$PORT" -U "${PGADMIN:-postgres}" -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
  fi
}

ensure_role_and_db() {
  psql_admin -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$USER_NAME') THEN CREATE ROLE $USER_NAME LOGIN CREATEROLE PASSWORD '$PASSWORD'; END IF; END \$\$;"
  # CREATEROLE: the migrations create Grafana's read-only role (pinreports_grafana), as they do under compose.
  psql_admin -c "ALTER ROLE $USER_NAME CREATEROLE"
  if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    psql_admin -c "CREATE DATABASE $DB OWNER $USER_NAME"
  fi
}

find_bin() {
  for d in ${PG_BIN:-} $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -Vr) /usr/local/pgsql/bin /usr/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
  done
}

# `scripts/dev-postgres.sh stop`: stops what this script started (the .pgdata cluster, the Docker container); a server
# that was already running before is not ours to stop. Data stays for the next start.
if [ "${1:-}" = stop ]; then
  if [ -f .pgdata/postmaster.pid ]; then
    BIN="$(find_bin)"
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$BIN/pg_ctl" -D "$PWD/.pgdata" -w stop >/dev/null; else "$BIN/pg_ctl" -D "$PWD/.pgdata" -w stop >/dev/null; fi
    log "stopped the cluster in $PWD/.pgdata"
  fi
  if docker info >/dev/null 2>&1 && docker ps -q -f name=pinreports-dev-postgres | grep -q .; then
    docker stop pinreports-dev-postgres >/dev/null
    log "stopped the Docker container pinreports-dev-postgres"
  fi
  exit 0
fi

if pg_isready -q -h localhost -p "$PORT" 2>/dev/null; then
  log "a PostgreSQL already answers on localhost:$PORT"
  if [ -d .pgdata ]; then SOCKET_DIR="$PWD/.pgdata"; fi
  ensure_role_and_db || log "could not create role/database $DB (create them yourself, or set ConnectionStrings__Postgres)"
elif docker info >/dev/null 2>&1; then
  log "starting postgres:17-alpine in Docker"
  docker start pinreports-dev-postgres >/dev/null 2>&1 || docker run -d --name pinreports-dev-postgres \
    -e POSTGRES_USER=$USER_NAME -e POSTGRES_PASSWORD=$PASSWORD -e POSTGRES_DB=$DB -p "$PORT:5432" postgres:17-alpine >/dev/null
  for _ in $(seq 60); do pg_isready -q -h localhost -p "$PORT" && break; sleep 1; done
else
  BIN="$(find_bin)"
  [ -n "$BIN" ] || { log "no PostgreSQL found: install it (apt-get install postgresql) or start a Docker engine"; exit 1; }
  DATA="$PWD/.pgdata"
  SOCKET_DIR="$DATA"
  run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  if [ ! -f "$DATA/PG_VERSION" ]; then
    log "creating a cluster in $DATA with $BIN/initdb"
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
    run_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 >/dev/null
  fi
  log "starting the cluster in $DATA on port $PORT"
  # Write-heavy settings, as deploy/docker-compose.yml sets them: with the default max_wal_size (1 GB) an ingest burst
  # forces a checkpoint every few seconds, and every page first touched after one is written to WAL whole again.
  # fsync and synchronous_commit stay on: a 204 means the report is on disk.
  run_pg "$BIN/pg_ctl" -D "$DATA" -w -l "$DATA/postgres.log" \
    -o "-p $PORT -k $DATA -c listen_addresses=localhost -c shared_buffers=512MB -c max_wal_size=8GB -c checkpoint_timeout=15min" start >/dev/null
  ensure_role_and_db
fi

echo "$CONN"
