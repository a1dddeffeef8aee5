#!/usr/bin/env bash
# GET /v1/advisory against the HTTP ceiling, side by side in one run (issue 15):
#   1. the ceiling: tools/PinReports.HttpCeiling answering GET with a fixed advisory-sized JSON body;
#   2. the service: GET /v1/advisory for a known app version told update-required (a sample report taught the
#      inventory the version, and its own chain was recorded as the host's live chain), from the in-memory snapshot.
# wrk -t2 -c64 (scripts/wrk/advisory.lua), ceiling then service, for --rounds rounds, `uptime`'s load average before
# every row: the machine is shared, so only figures of one run compare. The service runs with Production settings
# (request logging as shipped, the advisory rate limiter on but with a limit wrk cannot reach) against a throwaway
# PostgreSQL cluster of its own, removed at the end.
#   scripts/advisory-benchmark.sh [--duration 15s] [--connections 64] [--rounds 2]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=15s
CONNECTIONS=64
ROUNDS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) echo "unknown option $1 (--duration 15s, --connections 64, --rounds 2)" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "[advisory-bench] wrk is required (apt-get install wrk)" >&2; exit 2; }
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$PG_BIN/initdb" ] || { echo "[advisory-bench] PostgreSQL's initdb and pg_ctl are required" >&2; exit 2; }

LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/pinreports-advisory.XXXXXX")"
log() { echo "[advisory-bench] $*" >&2; }
log "logs in $LOG_DIR"
free_port() { for p in $(seq "$1" $(( $1 + 50 ))); do ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }; done; }
PG_PORT="$(free_port 15480)"; SERVICE_PORT="$(free_port 18380)"; CEILING_PORT="$(free_port 18480)"

PIDS=()
PG_DATA="$LOG_DIR/pgdata"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -d "$PG_DATA" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DATA"
}
trap cleanup EXIT

log "throwaway PostgreSQL on :$PG_PORT"
mkdir -p "$PG_DATA"; [ "$(id -u)" = 0 ] && chown postgres "$LOG_DIR" "$PG_DATA"
as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --no-sync >"$LOG_DIR/initdb.log" 2>&1
as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w \
  -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off" start >"$LOG_DIR/pg_ctl.log" 2>&1
CONN="Host=127.0.0.1;Port=$PG_PORT;Database=postgres;Username=postgres"

log "building (Release)"
for project in src/ReportApi tools/PinReports.HttpCeiling; do
  dotnet build -c Release "$project" -nologo -v q >>"$LOG_DIR/build.log" 2>&1 || { tail -n 30 "$LOG_DIR/build.log"; exit 2; }
done

wait_for() { for _ in $(seq 240); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = "$2" ] && return 0; sleep 0.5; done; return 1; }

dotnet tools/PinReports.HttpCeiling/bin/Release/net10.0/PinReports.HttpCeiling.dll --urls "http://localhost:$CEILING_PORT" >"$LOG_DIR/ceiling.log" 2>&1 &
PIDS+=("$!")
ADMIN_KEY="advisory-bench-admin-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
(
  cd src/ReportApi/bin/Release/net10.0
  export ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__Postgres="$CONN" Database__MigrateOnStartup=true
  export Privacy__DeviceIdKey="advisory-bench-device-id-key-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  export Auth__ApiKeys__0__Name=bench Auth__ApiKeys__0__Key="$ADMIN_KEY" Auth__ApiKeys__0__Role=admin
  export Advisory__Apps__0__App=com.datatheorem.testtrustkit2 Advisory__Apps__0__Platform=ios
  export Advisory__Apps__0__Message="Please update." Advisory__Apps__0__StoreUrl="https://apps.apple.com/app/id000000001"
  export Pins__RefreshInterval=00:00:01 Pins__SettleDelay=00:00:05 Advisory__RefreshInterval=00:00:01
  export RateLimit__AdvisoryPerClientRequestsPerSecond=1000000 RateLimit__AdvisoryPerClientBurst=10000000
  exec dotnet ReportApi.dll --urls "http://localhost:$SERVICE_PORT"
) >"$LOG_DIR/service.log" 2>&1 &
PIDS+=("$!")
wait_for "http://localhost:$CEILING_PORT/" 200 || { log "ceiling app did not start"; exit 2; }
wait_for "http://localhost:$SERVICE_PORT/readyz" 200 || { tail -n 30 "$LOG_DIR/service.log"; log "service not ready"; exit 2; }

export WRK_PATH="/v1/advisory?app=com.datatheorem.testtrustkit2&version=1&platform=ios"
ADVISORY="http://localhost:$SERVICE_PORT$WRK_PATH"
SAMPLE=tests/Fixtures/samples/trustkit-ios-docs-sample.json
log "teaching the inventory the sample's version, recording the sample's chain as datatheorem.com's live chain"
curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @"$SAMPLE" "http://localhost:$SERVICE_PORT/v1/reports"
python3 -c "import json,sys; print('\n'.join(json.load(open(sys.argv[1]))['validated-certificate-chain']))" "$SAMPLE" >"$LOG_DIR/chain.pem"
for _ in $(seq 120); do curl -fsS "$ADVISORY" | grep -q '"known":true' && break; sleep 0.5; done
curl -fsS -o "$LOG_DIR/put.json" -X PUT -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/x-pem-file' \
  --data-binary @"$LOG_DIR/chain.pem" "http://localhost:$SERVICE_PORT/v1/hosts/datatheorem.com/chains/live"
ANSWER="$(curl -fsS "$ADVISORY")"
log "advisory answers: $ANSWER"
echo "$ANSWER" | grep -q '"action":"update-required"' || { log "expected update-required"; exit 2; }

RESULTS="$LOG_DIR/results.tsv"
: >"$RESULTS"
run_wrk() {
  local name="$1" url="$2" load out
  wrk -t2 -c"$CONNECTIONS" -d3s -s scripts/wrk/advisory.lua "$url" >/dev/null 2>&1 || true   # warm-up
  load="$(uptime | sed 's/.*load average: //')"
  out="$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/wrk/advisory.lua "$url" 2>&1)"
  echo "$out" >>"$LOG_DIR/wrk-$name.txt"
  local rate status lat
  rate="$(echo "$out" | awk '/^RATE/ {print $2}')"
  status="$(echo "$out" | grep '^STATUS' | cut -d' ' -f2-)"
  lat="$(echo "$out" | grep '^LATENCY' | cut -d' ' -f2-)"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$rate" "$lat" "$status" "$load" >>"$RESULTS"
  log "$name: $rate/s ($lat; $status; load average $load)"
}
for round in $(seq "$ROUNDS"); do
  run_wrk "http-ceiling" "http://localhost:$CEILING_PORT$WRK_PATH"
  run_wrk "advisory" "$ADVISORY"
done

python3 - "$RESULTS" "$CONNECTIONS" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print()
print(f"| round | target | connections | requests/s | latency | statuses | load average (1, 5, 15 min) before the row |")
print("|---:|---|---:|---:|---|---|---|")
names = {"http-ceiling": "HTTP ceiling (minimal Kestrel app, GET, fixed body)", "advisory": "**PinReports GET /v1/advisory**"}
ceiling = None
for i, (name, rate, lat, status, load) in enumerate(rows):
    rnd = i // 2 + 1
    print(f"| {rnd} | {names[name]} | {sys.argv[2]} | {float(rate):,.0f} | {lat} | {status} | {load} |")
shares = []
for i in range(0, len(rows) - 1, 2):
    c, a = float(rows[i][1]), float(rows[i + 1][1])
    shares.append(a / c)
    print(f"[advisory-bench] round {i // 2 + 1}: advisory {a:,.0f}/s = {a / c:.0%} of the ceiling's {c:,.0f}/s")
ok = all(s >= 0.6 for s in shares) and all(all(k.startswith("200=") for k in r[3].split()) for r in rows)
print(f"[advisory-bench] goal (>= 60% of the ceiling, every answer 200): {'met' if ok else 'NOT met'}")
PY
