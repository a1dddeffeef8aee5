#!/usr/bin/env bash
# The alert evaluation at 10,000 series (issue #12), without the 10 M raw reports of scripts/reports-benchmark.sh: a
# PostgreSQL cluster of its own (port 5444, .pgdata-alert-bench/ in this checkout, the write-heavy settings of compose),
# migrated, filled with SQL generate_series (8 days of minute device and network sets, ≈ 2.7 M rows each, 10,150
# alerting series), then the live evaluator's code timed (benchmarks/PinReports.StatsBenchmark, mode alert-eval).
#
#   scripts/alert-eval-benchmark.sh [--runs 9]
#   PINREPORTS_ALERT_BENCH_DLL=/path/PinReports.StatsBenchmark.dll scripts/alert-eval-benchmark.sh   (a kept build)
#
# Everything runs at nice 19 (PINREPORTS_BENCH_NICE=0 on a quiet machine). The cluster is stopped and deleted at the
# end, also on failure. ≈ 3 minutes and 1.5 GB of disk on the shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PORT="${PINREPORTS_ALERT_BENCH_PORT:-5444}"
DATA="$ROOT/.pgdata-alert-bench"
renice -n "${PINREPORTS_BENCH_NICE:-19}" -p $$ >/dev/null
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -Vr | head -n 1)"
BIN="${PG_BIN:-${BIN:-/usr/bin}}"
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
log() { echo "[alert-eval-benchmark] $*"; }

OURS=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$OURS" = 1 ]; then
    [ -f "$DATA/postmaster.pid" ] && { run_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true; log "stopped the PostgreSQL it started"; }
    rm -rf "$DATA"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if pg_isready -q -h localhost -p "$PORT" 2>/dev/null; then
  echo "a PostgreSQL already answers on port $PORT: stop it or set PINREPORTS_ALERT_BENCH_PORT" >&2
  exit 1
fi
# PINREPORTS_ALERT_BENCH_DLL: measure a build kept elsewhere (e.g. a copy of main's) instead of building this checkout.
BENCH_DLL="${PINREPORTS_ALERT_BENCH_DLL:-}"
if [ -z "$BENCH_DLL" ]; then
  log "building Release"
  dotnet build -c Release benchmarks/PinReports.StatsBenchmark -v q -nologo -clp:ErrorsOnly >/dev/null
  BENCH_DLL="$ROOT/benchmarks/PinReports.StatsBenchmark/bin/Release/net10.0/PinReports.StatsBenchmark.dll"
fi

OURS=1
rm -rf "$DATA"
mkdir -p "$DATA"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
run_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 >/dev/null
run_pg "$BIN/pg_ctl" -D "$DATA" -w -l "$DATA/postgres.log" \
  -o "-p $PORT -k $DATA -c listen_addresses=localhost -c shared_buffers=512MB -c max_wal_size=8GB -c checkpoint_timeout=15min" start >/dev/null
psql_admin() { run_pg psql -h "$DATA" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
psql_admin -c "CREATE ROLE pinreports LOGIN CREATEROLE PASSWORD 'pinreports'"
psql_admin -c "CREATE DATABASE pinreports OWNER pinreports"
log "PostgreSQL $(psql_admin -c 'SHOW server_version') on port $PORT; uptime: $(uptime)"
dotnet "$BENCH_DLL" alert-eval --connection "Host=localhost;Port=$PORT;Database=pinreports;Username=pinreports;Password=pinreports;Command Timeout=0" "$@"
log "uptime at end: $(uptime)"
