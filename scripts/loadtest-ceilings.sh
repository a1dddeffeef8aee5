#!/usr/bin/env bash
# Ingest throughput side by side with the machine's ceilings, in one run (issue #11). Called by
# `scripts/loadtest.sh --with-ceilings [--duration 20s] [--connections "64 200"]`; usable on its own too.
#
# Rows, each at every connection count (wrk -t2, one ~5.7 KB TrustKit iOS report with a fresh app-vendor-id per
# request, so every 204 stands for one stored row):
#   1. HTTP ceiling: tools/PinReports.HttpCeiling, a minimal Kestrel app that reads the body and answers 204;
#   2. the service's own pipeline: POST /bench/null (middleware and body read, no parsing, no storage);
#   3. the service: POST /v1/reports, with its CPU and PostgreSQL's per report, the service's peak RSS, and a check
#      that the reports table gained at least as many rows as 204s were answered;
#   4. the database ceiling: binary COPY of report rows into a copy of `reports` with its indexes (one row per
#      report, no dedup, no rollups), from tools/PinReports.LoadTest --copy-ceiling-rows.
# Then the target (60 % of the lower ceiling) and whether each service row meets it. The load average is printed
# before every row: on a shared machine the figures are only comparable within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DURATION=20s
CONNECTIONS="64 200"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    *) echo "unknown option $1 (--duration 20s, --connections \"64 200\")" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "[ceilings] wrk is required (apt-get install wrk)" >&2; exit 2; }

LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/pinreports-ceilings.XXXXXX")"
log() { echo "[ceilings] $*" >&2; }
log "logs in $LOG_DIR"
free_port() { for p in $(seq "$1" $(( $1 + 50 ))); do ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }; done; }
SERVICE_PORT="$(free_port 18080)"; CEILING_PORT="$(free_port 18180)"

CONN="${ConnectionStrings__Postgres:-$(scripts/dev-postgres.sh 2>"$LOG_DIR/dev-postgres.log" | tail -n 1)}"
# A fresh database per run when the cluster is this checkout's own (.pgdata): an old one's history makes the background
# jobs (rollup closer catching up, pin inventory, alert evaluation) compete with ingest, and runs would not compare.
if [ -z "${ConnectionStrings__Postgres:-}" ] && [ -d .pgdata ] && [ "$(id -u)" = 0 ]; then
  LOAD_DB="pinreports_load"
  admin() { runuser -u postgres -- psql -h "$ROOT/.pgdata" -p "${PINREPORTS_PG_PORT:-5432}" -d postgres -v ON_ERROR_STOP=1 -qAt -c "$1"; }
  admin "DROP DATABASE IF EXISTS $LOAD_DB WITH (FORCE)" && admin "CREATE DATABASE $LOAD_DB OWNER pinreports"
  CONN="${CONN/Database=pinreports;/Database=$LOAD_DB;}"
  log "fresh database $LOAD_DB"
fi
PSQL_URL="$(python3 - "$CONN" <<'PY'
import sys
kv = dict(p.split("=", 1) for p in sys.argv[1].split(";") if "=" in p)
print(f"postgresql://{kv.get('Username','pinreports')}:{kv.get('Password','')}@{kv.get('Host','localhost')}:{kv.get('Port','5432')}/{kv.get('Database','pinreports')}")
PY
)"
# The postmaster is the process listening on the database port; its children are the backends and workers.
PG_PORT="$(python3 -c "import sys; kv=dict(p.split('=',1) for p in sys.argv[1].split(';') if '=' in p); print(kv.get('Port','5432'))" "$CONN")"
POSTMASTER="$(ss -Hltnp "sport = :$PG_PORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)"
[ -n "$POSTMASTER" ] || { log "cannot find the PostgreSQL process on port $PG_PORT (CPU per report needs it)"; exit 2; }

log "building (Release)"
for project in src/ReportApi tools/PinReports.HttpCeiling tools/PinReports.LoadTest; do
  dotnet build -c Release "$project" -nologo -v q >>"$LOG_DIR/build.log" 2>&1 || { tail -n 30 "$LOG_DIR/build.log"; exit 2; }
done

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_ready() { for _ in $(seq 240); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.5; done; return 1; }

# CPU seconds (user+system) of a process; of PostgreSQL: the postmaster's live children plus those that exited.
cpu_of() { awk '{print ($14+$15)/100}' "/proc/$1/stat"; }
pg_cpu() {
  local total; total="$(awk '{print ($16+$17)/100}' "/proc/$POSTMASTER/stat")"
  for c in $(pgrep -P "$POSTMASTER"); do total="$(awk -v t="$total" '{print t+($14+$15)/100}' "/proc/$c/stat" 2>/dev/null || echo "$total")"; done
  echo "$total"
}
reports_count() { psql "$PSQL_URL" -qAtc "SELECT count(*) FROM reports"; }

RESULTS="$LOG_DIR/results.tsv"
: >"$RESULTS"
# run_wrk NAME URL CONNECTIONS [service pid]
run_wrk() {
  local name="$1" url="$2" c="$3" pid="${4:-}" load before_rows s0 p0 s1 p1 out
  wrk -t2 -c"$c" -d3s -s scripts/wrk/ingest.lua "$url" >/dev/null 2>&1 || true   # warm-up (JIT, pools)
  load="$(cut -d' ' -f1 /proc/loadavg)"
  [ -n "$pid" ] && { before_rows="$(reports_count)"; s0="$(cpu_of "$pid")"; p0="$(pg_cpu)"; }
  out="$(WRK_RUN="$name-$c-$RANDOM" wrk -t2 -c"$c" -d"$DURATION" --latency -s scripts/wrk/ingest.lua "$url" 2>&1)"
  echo "$out" >"$LOG_DIR/wrk-$name-$c.txt"
  local rate status lat
  rate="$(echo "$out" | awk '/^RATE/ {print $2}')"
  status="$(echo "$out" | grep '^STATUS' | cut -d' ' -f2-)"
  lat="$(echo "$out" | grep '^LATENCY' | cut -d' ' -f2-)"
  if [ -n "$pid" ]; then
    sleep 1  # let the last batches commit
    s1="$(cpu_of "$pid")"; p1="$(pg_cpu)"
    local rows acked rss
    rows=$(( $(reports_count) - before_rows ))
    acked="$(echo "$status" | tr ' ' '\n' | awk -F= '$1 ~ /^2/ {s += $2} END {print s+0}')"
    rss="$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\tload=%s svc_cpu_s=%s pg_cpu_s=%s acked=%s stored=%s rss_peak_mb=%s\n' \
      "$name" "$c" "$rate" "$lat" "$status" "" "$load" "$(echo "$s1 - $s0" | bc)" "$(echo "$p1 - $p0" | bc)" "$acked" "$rows" "$rss" >>"$RESULTS"
  else
    printf '%s\t%s\t%s\t%s\t%s\t%s\tload=%s\n' "$name" "$c" "$rate" "$lat" "$status" "" "$load" >>"$RESULTS"
  fi
  log "$name c=$c: $rate/s ($lat; $status; load $load)"
}

log "HTTP ceiling: minimal Kestrel app on :$CEILING_PORT"
dotnet tools/PinReports.HttpCeiling/bin/Release/net10.0/PinReports.HttpCeiling.dll --urls "http://localhost:$CEILING_PORT" >"$LOG_DIR/ceiling.log" 2>&1 &
CEILING_PID=$!; PIDS+=("$CEILING_PID")
wait_ready_post() { for _ in $(seq 120); do [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data x "$1")" = 204 ] && return 0; sleep 0.5; done; return 1; }
wait_ready_post "http://localhost:$CEILING_PORT/v1/reports" || { log "ceiling app did not start"; exit 2; }
for c in $CONNECTIONS; do run_wrk http-ceiling "http://localhost:$CEILING_PORT/v1/reports" "$c"; done
kill -TERM "$CEILING_PID"; wait "$CEILING_PID" 2>/dev/null || true

log "service on :$SERVICE_PORT (Production settings but the null endpoint, rate limit off, Serilog at Warning)"
(
  cd src/ReportApi/bin/Release/net10.0
  export ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__Postgres="$CONN" Database__MigrateOnStartup=true
  export Serilog__MinimumLevel__Default=Warning RateLimit__PerClientRequestsPerSecond=0 Ingest__BenchmarkNullEndpoint=true
  export Privacy__DeviceIdKey="${Privacy__DeviceIdKey:-loadtest-device-id-key-$(head -c 48 /dev/urandom | base64 | tr -d '/+=')}"
  exec dotnet ReportApi.dll --urls "http://localhost:$SERVICE_PORT"
) >"$LOG_DIR/service.log" 2>&1 &
SERVICE_PID=$!; PIDS+=("$SERVICE_PID")
wait_ready "http://localhost:$SERVICE_PORT/readyz" || { tail -n 30 "$LOG_DIR/service.log"; log "service not ready"; exit 2; }
for c in $CONNECTIONS; do run_wrk bench-null "http://localhost:$SERVICE_PORT/bench/null" "$c"; done
for c in $CONNECTIONS; do run_wrk service "http://localhost:$SERVICE_PORT/v1/reports" "$c" "$SERVICE_PID"; done

log "database ceiling: binary COPY"
dotnet tools/PinReports.LoadTest/bin/Release/net10.0/PinReports.LoadTest.dll --copy-ceiling-rows 200000 \
  --verify-connection-string "$CONN" --json "$LOG_DIR/copy-ceiling.json" >"$LOG_DIR/copy-ceiling.log" 2>&1
COPY_LOAD="$(cut -d' ' -f1 /proc/loadavg)"

python3 - "$RESULTS" "$LOG_DIR/copy-ceiling.json" "$COPY_LOAD" <<'PY'
import json, sys, re
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
copy = json.load(open(sys.argv[2]))["copyCeilingRowsPerSecond"]
http = {r[1]: float(r[2]) for r in rows if r[0] == "http-ceiling"}
print()
print("| target | connections | reports/s | latency | statuses | notes |")
print("|---|---:|---:|---|---|---|")
names = {"http-ceiling": "HTTP ceiling (minimal Kestrel app)", "bench-null": "PinReports POST /bench/null", "service": "**PinReports POST /v1/reports**"}
verdicts = []
for r in rows:
    name, c, rate, lat, status, _, notes = r
    extra = notes
    if name == "service":
        kv = dict(x.split("=") for x in notes.split())
        rate_f = float(rate)
        per = lambda k: f"{float(kv[k]) / max(1, int(kv['acked'])) * 1e6:.0f} µs"
        extra = (f"load {kv['load']}; service CPU {per('svc_cpu_s')}/report, PostgreSQL {per('pg_cpu_s')}/report; "
                 f"RSS peak {kv['rss_peak_mb']} MB; acknowledged {kv['acked']}, stored {kv['stored']}")
        lower = min(http.get(c, float("inf")), copy)
        verdicts.append((c, rate_f, lower, int(kv["stored"]) >= int(kv["acked"]), lat))
    elif name == "bench-null" and c in http:
        extra = f"{notes}; {float(rate) / http[c]:.0%} of the HTTP ceiling"
    print(f"| {names.get(name, name)} | {c} | {float(rate):,.0f} | {lat} | {status} | {extra} |")
print(f"| binary COPY ceiling (reports' indexes) | 1 | {copy:,.0f} rows/s | | | load={sys.argv[3]} |")
print()
ok = True
for c, rate, lower, stored_ok, lat in verdicts:
    share = rate / lower
    p99 = float(re.search(r"p99=([\d.]+)ms", lat).group(1))
    met = share >= 0.6 and stored_ok and (c != "64" or p99 < 50)
    ok &= met
    print(f"[ceilings] c={c}: service {rate:,.0f}/s = {share:.0%} of the lower ceiling ({lower:,.0f}/s); p99 {p99} ms; "
          f"every 204 stored: {'yes' if stored_ok else 'NO'}; goal (>= 60%{', p99 < 50 ms' if c == '64' else ''}) {'met' if met else 'not met'}")
sys.exit(0 if all(v[3] for v in verdicts) else 1)
PY
