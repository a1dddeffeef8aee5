#!/usr/bin/env bash
# Ingest load test in one command:
#   scripts/loadtest.sh [load tool options]      e.g.  scripts/loadtest.sh --duration 30s --concurrency 200
#
# 1. starts PostgreSQL (scripts/dev-postgres.sh; it stays up afterwards, like for run.sh) and makes a fresh database
#    pinreports_load in it (unless ConnectionStrings__Postgres is set),
# 2. builds the service and tools/PinReports.LoadTest in Release,
# 3. starts the built service directly (`dotnet ReportApi.dll`, so its PID is the service's) with
#    ASPNETCORE_ENVIRONMENT=Development, Database__MigrateOnStartup=true, Serilog at Warning,
# 4. waits for /readyz, runs the load tool with --pid (service RSS/CPU) and --verify-connection-string (every 204
#    must have its row), passing the arguments above through (see `--help` of the tool for all of them),
# 5. stops the service. Exit code = the load tool's (1 = acknowledged reports missing from the database).
#
# Logs (build, service, PostgreSQL, result.json) go to a fresh temp dir printed at the start and the end.
# Environment: LOADTEST_PORT (default 8080; if it is taken, the first free port from 18080 is used),
#              ConnectionStrings__Postgres (default: what dev-postgres.sh prints).
# The machine is shared: the summary shows the load average and how busy the CPUs were; compare runs with care.
#
#   scripts/loadtest.sh --with-ceilings [--duration 20s] [--connections "64 200"]
#     the issue #11 table instead: wrk against the HTTP ceiling (a minimal Kestrel app), the service's /bench/null and
#     the service's /v1/reports at each connection count, and the binary COPY ceiling, all in one run, with CPU per
#     report, RSS and a stored >= acknowledged check (scripts/loadtest-ceilings.sh). This mode (the .NET load tool)
#     stays the one that looks up every acknowledged report by id.
set -euo pipefail
if [ "${1:-}" = "--with-ceilings" ]; then shift; exec "$(dirname "$0")/loadtest-ceilings.sh" "$@"; fi
WITH_CEILINGS=""
cd "$(dirname "$0")/.."
ROOT="$PWD"

LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/pinreports-load.XXXXXX")"
log() { echo "[loadtest] $*"; }
log "logs in $LOG_DIR"

port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
PORT="${LOADTEST_PORT:-8080}"
if port_in_use "$PORT"; then
  for candidate in $(seq 18080 18099); do
    if ! port_in_use "$candidate"; then
      log "port $PORT is taken (another service?); using $candidate"
      PORT="$candidate"
      break
    fi
  done
  port_in_use "$PORT" && { log "no free port found; set LOADTEST_PORT"; exit 2; }
fi
URL="http://localhost:$PORT"

log "starting PostgreSQL (scripts/dev-postgres.sh)"
CONN="${ConnectionStrings__Postgres:-$(scripts/dev-postgres.sh 2>"$LOG_DIR/dev-postgres.log" | tail -n 1)}"
[ -n "$CONN" ] || { log "no connection string; see $LOG_DIR/dev-postgres.log"; exit 2; }
# A fresh database per run when the cluster is this checkout's own (.pgdata), as in loadtest-ceilings.sh: an old
# database's history makes the background jobs compete with ingest (a service started after a pause first evaluates
# every alert minute it missed, over every device the earlier runs stored), and runs would not compare.
if [ -z "${ConnectionStrings__Postgres:-}" ] && [ -d .pgdata ] && [ "$(id -u)" = 0 ]; then
  LOAD_DB="pinreports_load"
  admin() { runuser -u postgres -- psql -h "$ROOT/.pgdata" -p "${PINREPORTS_PG_PORT:-5432}" -d postgres -v ON_ERROR_STOP=1 -qAt -c "$1"; }
  admin "DROP DATABASE IF EXISTS $LOAD_DB WITH (FORCE)" && admin "CREATE DATABASE $LOAD_DB OWNER pinreports"
  CONN="${CONN/Database=pinreports;/Database=$LOAD_DB;}"
  log "fresh database $LOAD_DB"
fi

log "building (Release)"
if ! { dotnet build -c Release src/ReportApi/ReportApi.csproj -nologo -v q \
       && dotnet build -c Release tools/PinReports.LoadTest/PinReports.LoadTest.csproj -nologo -v q; } >"$LOG_DIR/build.log" 2>&1; then
  tail -n 30 "$LOG_DIR/build.log"
  log "build failed; full log: $LOG_DIR/build.log"
  exit 2
fi
SERVICE_DIR="$ROOT/src/ReportApi/bin/Release/net10.0"
LOAD_DLL="$ROOT/tools/PinReports.LoadTest/bin/Release/net10.0/PinReports.LoadTest.dll"

log "starting the service on $URL"
(
  cd "$SERVICE_DIR" # content root: appsettings*.json next to the dll
  export ASPNETCORE_ENVIRONMENT=Development
  export ConnectionStrings__Postgres="$CONN"
  export Database__MigrateOnStartup=true
  export Serilog__MinimumLevel__Default=Warning
  # All load comes from one loopback address: the per-client limit would measure the rate limiter, not ingestion.
  export RateLimit__PerClientRequestsPerSecond=0
  # Likewise the per-network budget for never-seen chains (--unique-chains would measure deferral, not analysis);
  # set it in the environment (Ingest__NewChains__PerSourcePerSecond=50) to measure the deferred path instead.
  export Ingest__NewChains__PerSourcePerSecond="${Ingest__NewChains__PerSourcePerSecond:-0}"
  export Ingest__BenchmarkNullEndpoint=true
  exec dotnet ReportApi.dll --urls "$URL"
) >"$LOG_DIR/service.log" 2>&1 &
SERVICE_PID=$!

stop_service() {
  if kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill -TERM "$SERVICE_PID" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$SERVICE_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$SERVICE_PID" 2>/dev/null && { log "service did not stop in 15 s; killing it"; kill -KILL "$SERVICE_PID" 2>/dev/null || true; }
    wait "$SERVICE_PID" 2>/dev/null || true
    log "service stopped"
  fi
}
trap stop_service EXIT

ready=""
for _ in $(seq 240); do
  kill -0 "$SERVICE_PID" 2>/dev/null || { tail -n 40 "$LOG_DIR/service.log"; log "the service exited during start-up"; exit 2; }
  if curl -fsS -o /dev/null "$URL/readyz" 2>/dev/null; then ready=1; break; fi
  sleep 0.5
done
[ -n "$ready" ] || { tail -n 40 "$LOG_DIR/service.log"; log "the service is not ready after 120 s"; exit 2; }
log "service ready (pid $SERVICE_PID)"
READY_LINES="$(wc -l <"$LOG_DIR/service.log")"
log "before the run: $(uptime)"

set +e
if [ -n "$WITH_CEILINGS" ]; then
  log "ceiling 1/2: HTTP only (POST /bench/null)"
  dotnet "$LOAD_DLL" --url "$URL" --pid "$SERVICE_PID" --path bench/null --json "$LOG_DIR/http-ceiling.json" "$@" | sed -n '/====/,/====/p'
fi
dotnet "$LOAD_DLL" --url "$URL" --pid "$SERVICE_PID" --verify-connection-string "$CONN" --json "$LOG_DIR/result.json" "$@"
rc=$?
if [ -n "$WITH_CEILINGS" ]; then
  log "ceiling 2/2: database only (binary COPY)"
  dotnet "$LOAD_DLL" --copy-ceiling-rows 200000 --verify-connection-string "$CONN" --json "$LOG_DIR/copy-ceiling.json" | grep "COPY ceiling"
  python3 - "$LOG_DIR" <<'PY'
import json, sys, os
d = sys.argv[1]
service = json.load(open(os.path.join(d, "result.json")))["reportsPerSecond"]
http = json.load(open(os.path.join(d, "http-ceiling.json")))["reportsPerSecond"]
copy = json.load(open(os.path.join(d, "copy-ceiling.json")))["copyCeilingRowsPerSecond"]
lower = min(http, copy)
print(f"[loadtest] service {service:.0f} reports/s; HTTP ceiling {http:.0f}/s; COPY ceiling {copy:.0f} rows/s; "
      f"service = {service / lower:.0%} of the lower ceiling ({'HTTP' if http <= copy else 'COPY'})")
PY
fi
set -e

log "after the run: $(uptime)"
# Start-up noise (e.g. EF's failed history query on a fresh database) is not counted: only lines logged after /readyz.
problems="$(tail -n +"$((READY_LINES + 1))" "$LOG_DIR/service.log" | grep -ciE '"@l":"(Warning|Error|Fatal)"|Unhandled exception' || true)"
log "service log: $LOG_DIR/service.log ($problems warning/error lines during the run)"
log "figures: $LOG_DIR/result.json"
exit "$rc"
