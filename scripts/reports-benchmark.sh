#!/usr/bin/env bash
# The responder-path benchmark (issue #12 item 3): a PostgreSQL cluster of its own (own port and data directory under
# this checkout), migrated with the real migrations (ReportApi migrate), 10 M raw reports loaded through binary COPY
# over 30 daily partitions (chains and pin sets stored once, the minute device sets, pin inventory and series the
# alert evaluator reads derived from them), then the service in Release with Production settings and the responder
# paths timed through real HTTP: GET /v1/reports (first pages, cursor pages, one report, a 1 M-row CSV export with the
# service's RSS sampled), GET /v1/pins, POST /v1/preflight, one alert evaluation (the live evaluator's code) with
# the loaded series and with 10,000, and the Grafana "Top failing chains" panel (chain rollups filled by the real closer)
# over 1 h, 24 h, 7 days and 30 days. Prints one row per measurement and EXPLAIN (ANALYZE, BUFFERS) key lines.
#
#   scripts/reports-benchmark.sh [--keep] [--skip-load] [--reports 10000000] [--runs 15]
#
# --keep keeps the loaded cluster (stopped) in .pgdata-reports-bench/ for a later --skip-load run; without it the data
# directory is deleted at the end, also on failure. The cluster and the service it starts are always stopped.
# Everything it starts runs at nice 19 (PINREPORTS_BENCH_NICE=0 on a quiet machine). Disk: ~21 GB while it runs (14 GB of database, the rest WAL).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PORT="${PINREPORTS_REPORTS_BENCH_PORT:-5443}"
HTTP_PORT="${PINREPORTS_REPORTS_BENCH_HTTP_PORT:-5089}"
DATA="$ROOT/.pgdata-reports-bench"
KEEP=0
SKIP_LOAD=0
ARGS=()
for a in "$@"; do
  case "$a" in
    --keep) KEEP=1 ;;
    --skip-load) SKIP_LOAD=1; ARGS+=("$a") ;;
    *) ARGS+=("$a") ;;
  esac
done
renice -n "${PINREPORTS_BENCH_NICE:-19}" -p $$ >/dev/null

started=$(date +%s)
log() { echo "[reports-benchmark +$(( $(date +%s) - started ))s] $*"; }
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -Vr | head -n 1)"
BIN="${PG_BIN:-${BIN:-/usr/bin}}"
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

SERVICE_PID=""
OURS=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$SERVICE_PID" ] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
    log "stopped the service it started"
  fi
  if [ "$OURS" = 1 ] && [ -f "$DATA/postmaster.pid" ]; then
    run_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
    log "stopped the PostgreSQL it started"
  fi
  if [ "$KEEP" = 0 ] && [ "$OURS" = 1 ]; then
    rm -rf "$DATA"
    log "deleted $DATA (--keep keeps it)"
  elif [ "$OURS" = 1 ]; then
    log "kept $DATA (stopped); rerun with --skip-load --keep to measure again"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if pg_isready -q -h localhost -p "$PORT" 2>/dev/null; then
  echo "a PostgreSQL already answers on port $PORT: stop it or set PINREPORTS_REPORTS_BENCH_PORT" >&2
  exit 1
fi
if [ "$SKIP_LOAD" = 1 ] && [ ! -f "$DATA/PG_VERSION" ]; then
  echo "--skip-load needs a cluster kept by an earlier run with --keep ($DATA)" >&2
  exit 1
fi

log "uptime at start: $(uptime)"
log "building Release (service and benchmark)"
dotnet build -c Release benchmarks/PinReports.StatsBenchmark -v q -nologo -clp:ErrorsOnly >/dev/null
API_DLL="$ROOT/src/ReportApi/bin/Release/net10.0/ReportApi.dll"
BENCH_DLL="$ROOT/benchmarks/PinReports.StatsBenchmark/bin/Release/net10.0/PinReports.StatsBenchmark.dll"

OURS=1
if [ "$SKIP_LOAD" = 0 ]; then
  rm -rf "$DATA"
  mkdir -p "$DATA"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
  log "initdb $DATA"
  run_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 >/dev/null
fi
# The write-heavy settings of deploy/docker-compose.yml and scripts/dev-postgres.sh; fsync and synchronous_commit stay on.
run_pg "$BIN/pg_ctl" -D "$DATA" -w -l "$DATA/postgres.log" \
  -o "-p $PORT -k $DATA -c listen_addresses=localhost -c shared_buffers=512MB -c max_wal_size=8GB -c checkpoint_timeout=15min" start >/dev/null
log "PostgreSQL started on port $PORT"
psql_admin() { run_pg psql -h "$DATA" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

OWNER="Host=localhost;Port=$PORT;Database=pinreports;Username=pinreports;Password=pinreports;Command Timeout=0"
SERVICE_PASSWORD="$(openssl rand -hex 32)"
if [ "$SKIP_LOAD" = 0 ]; then
  psql_admin -c "CREATE ROLE pinreports LOGIN CREATEROLE PASSWORD 'pinreports'"
  psql_admin -c "CREATE DATABASE pinreports OWNER pinreports"
  log "migrating with the real migrations (ReportApi migrate)"
  ConnectionStrings__Postgres="$OWNER" Database__ServicePassword="$SERVICE_PASSWORD" Database__ReadOnlyPassword="$(openssl rand -hex 32)" \
    DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production Serilog__MinimumLevel__Default=Warning \
    dotnet "$API_DLL" migrate
  log "loading (binary COPY)"
  dotnet "$BENCH_DLL" reports-load --connection "$OWNER" "${ARGS[@]}"
fi
if [ "$SKIP_LOAD" = 1 ]; then
  # A kept cluster may predate the newest migrations (e.g. ChainCounts): migrate it; the measuring step fills what they add.
  log "migrating the kept cluster (ReportApi migrate)"
  ConnectionStrings__Postgres="$OWNER" Database__ServicePassword="$SERVICE_PASSWORD" Database__ReadOnlyPassword="$(openssl rand -hex 32)" \
    DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production Serilog__MinimumLevel__Default=Warning \
    dotnet "$API_DLL" migrate
fi
# The service role's password is set by migrate; trust authentication makes it irrelevant on a kept cluster.
psql_admin -d pinreports -c "SELECT 1" >/dev/null

READER_KEY="$(openssl rand -hex 32)"
log "starting the service (Release, Production) on http://localhost:$HTTP_PORT"
ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
  ConnectionStrings__Postgres="Host=localhost;Port=$PORT;Database=pinreports;Username=pinreports_app;Password=$SERVICE_PASSWORD" \
  Privacy__DeviceIdKey="$(openssl rand -hex 32)" \
  Auth__ApiKeys__0__Name=bench Auth__ApiKeys__0__Key="$READER_KEY" Auth__ApiKeys__0__Role=reader \
  Notifications__PublicBaseUrl="https://pinreports.bench.invalid" Notifications__GrafanaBaseUrl="https://grafana.bench.invalid" \
  Alerting__Evaluator__Enabled=false Serilog__MinimumLevel__Default=Warning \
  dotnet "$API_DLL" --urls "http://localhost:$HTTP_PORT" >"$DATA/service.log" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 120); do
  curl -fsS "http://localhost:$HTTP_PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$DATA/service.log" >&2; echo "the service exited" >&2; exit 1; }
  sleep 1
done
curl -fsS "http://localhost:$HTTP_PORT/readyz" >/dev/null || { tail -n 50 "$DATA/service.log" >&2; echo "the service is not ready" >&2; exit 1; }
log "service ready (pid $SERVICE_PID)"

log "measuring; uptime: $(uptime)"
dotnet "$BENCH_DLL" reports-measure --connection "$OWNER" --url "http://localhost:$HTTP_PORT" --key "$READER_KEY" \
  --service-pid "$SERVICE_PID" "${ARGS[@]}"
log "uptime at end: $(uptime)"
log "database size: $(psql_admin -d pinreports -c "SELECT pg_size_pretty(pg_database_size('pinreports'))")"
