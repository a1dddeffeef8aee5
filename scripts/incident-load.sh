#!/usr/bin/env bash
# The incident shape in one command: a flood of reports while responders read.
#   scripts/incident-load.sh [--duration 40s] [--connections 64] [--readers 4] [--reader-delay-ms 1000]
#
# Two runs against the service in Release (Production settings, Serilog at Warning, per-client limit off, a fresh
# database pinreports_load in this checkout's PostgreSQL from scripts/dev-postgres.sh):
#   A  ingest alone: wrk -t2 -c<connections> POST /v1/reports (scripts/wrk/ingest.lua, a fresh device per report)
#   B  the same ingest while <readers> connections each of three wrk readers poll what responders open in an
#      incident, each connection waiting --reader-delay-ms after every answer (scripts/wrk/reader.lua; 4 connections at
#      1 s ≈ 40 people whose dashboards refresh three panels every 10 s; 0 = as fast as the service answers): GET /v1/stats/failures?groupBy=version&interval=1m (last hour, the dashboard's first panel),
#      GET /v1/reports?app=…&version=…&limit=100 (the newest failing reports of the version) and GET /v1/alerts.
# It prints ingest reports/s and latency for A and B, each reader's requests/s and latency in B, the stored >= 204s
# check, and the load average. It stops the service it started; PostgreSQL stays up (like run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DURATION=40s; CONNECTIONS=64; READERS=4; READER_DELAY_MS=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --readers) READERS="$2"; shift 2 ;;
    --reader-delay-ms) READER_DELAY_MS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "[incident] wrk is required (apt-get install wrk)" >&2; exit 2; }
log() { echo "[incident] $*"; }
LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/pinreports-incident.XXXXXX")"
log "logs in $LOG_DIR"

CONN="$(scripts/dev-postgres.sh 2>"$LOG_DIR/dev-postgres.log" | tail -n 1)"
admin() { runuser -u postgres -- psql -h "$ROOT/.pgdata" -p "${PINREPORTS_PG_PORT:-5432}" -d postgres -v ON_ERROR_STOP=1 -qAt -c "$1"; }
PSQL_URL="postgresql://pinreports:pinreports@localhost:${PINREPORTS_PG_PORT:-5432}/pinreports_load"
dotnet build -c Release src/ReportApi/ReportApi.csproj -nologo -v q >"$LOG_DIR/build.log" 2>&1 || { tail -n 30 "$LOG_DIR/build.log"; exit 2; }

KEY="incident-reader-key-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
PORT=18280
SERVICE_PID=""
start_service() {
  admin "DROP DATABASE IF EXISTS pinreports_load WITH (FORCE)" && admin "CREATE DATABASE pinreports_load OWNER pinreports"
  (
    cd src/ReportApi/bin/Release/net10.0
    export ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__Postgres="${CONN/Database=pinreports;/Database=pinreports_load;}"
    export Database__MigrateOnStartup=true Serilog__MinimumLevel__Default=Warning RateLimit__PerClientRequestsPerSecond=0
    export Privacy__DeviceIdKey="incident-device-id-key-$(head -c 48 /dev/urandom | base64 | tr -d '/+=')"
    export Auth__ApiKeys__0__Name=incident Auth__ApiKeys__0__Key="$KEY" Auth__ApiKeys__0__Role=reader
    exec dotnet ReportApi.dll --urls "http://localhost:$PORT"
  ) >"$LOG_DIR/service-$1.log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 240); do curl -fsS -o /dev/null "http://localhost:$PORT/readyz" 2>/dev/null && return 0; sleep 0.5; done
  log "service did not become ready"; tail -n 30 "$LOG_DIR/service-$1.log"; exit 2
}
stop_service() { [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null; SERVICE_PID=""; }
trap stop_service EXIT

summary() { # name file
  awk -v n="$1" '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
    END {printf "  %-28s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n", n, rps, p50, p99, (bad==""?0:bad)}' "$2"
}

run() { # name with-readers
  start_service "$1"
  local url="http://localhost:$PORT"
  wrk -t2 -c"$CONNECTIONS" -d3s -s scripts/wrk/ingest.lua "$url/v1/reports" >/dev/null 2>&1 || true   # warm-up: data for the readers too
  local before; before="$(psql "$PSQL_URL" -Atc 'SELECT count(*) FROM reports')"
  local pids=()
  if [ "$2" = yes ]; then
    READER_DELAY_MS="$READER_DELAY_MS" wrk -t1 -c"$READERS" -d"$DURATION" --latency -s scripts/wrk/reader.lua -H "Authorization: Bearer $KEY" \
      "$url/v1/stats/failures?groupBy=version&interval=1m" >"$LOG_DIR/$1-stats.txt" 2>&1 & pids+=($!)
    READER_DELAY_MS="$READER_DELAY_MS" wrk -t1 -c"$READERS" -d"$DURATION" --latency -s scripts/wrk/reader.lua -H "Authorization: Bearer $KEY" \
      "$url/v1/reports?app=com.datatheorem.testtrustkit2&version=1&limit=100" >"$LOG_DIR/$1-reports.txt" 2>&1 & pids+=($!)
    READER_DELAY_MS="$READER_DELAY_MS" wrk -t1 -c"$READERS" -d"$DURATION" --latency -s scripts/wrk/reader.lua -H "Authorization: Bearer $KEY" "$url/v1/alerts" >"$LOG_DIR/$1-alerts.txt" 2>&1 & pids+=($!)
  fi
  WRK_RUN="$1-$RANDOM" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/wrk/ingest.lua "$url/v1/reports" >"$LOG_DIR/$1-ingest.txt" 2>&1
  for p in "${pids[@]}"; do wait "$p"; done
  local acked; acked="$(awk '/requests in/ {print $1}' "$LOG_DIR/$1-ingest.txt")"
  local non2xx; non2xx="$(awk '/Non-2xx/ {print $NF}' "$LOG_DIR/$1-ingest.txt")"
  local after; after="$(psql "$PSQL_URL" -Atc 'SELECT count(*) FROM reports')"
  stop_service
  echo "$1 ($(uptime | sed 's/.*load average/load average/'))"
  summary "POST /v1/reports" "$LOG_DIR/$1-ingest.txt"
  if [ "$2" = yes ]; then
    summary "GET /v1/stats/failures" "$LOG_DIR/$1-stats.txt"
    summary "GET /v1/reports (version)" "$LOG_DIR/$1-reports.txt"
    summary "GET /v1/alerts" "$LOG_DIR/$1-alerts.txt"
  fi
  local stored=$((after - before)) answered=$((acked - ${non2xx:-0}))
  echo "  stored $stored rows for $answered 204s: $([ "$stored" -ge "$answered" ] && echo OK || echo MISSING)"
}

log "before: $(uptime)"
run A-ingest-alone no
run B-ingest-with-readers yes
log "after: $(uptime)"
