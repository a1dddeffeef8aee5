#!/usr/bin/env bash
# The stats benchmark (issues #4, #12): a PostgreSQL of its own, a month of rollups and serving counts shaped like 50
# million reports, then the API's stats queries (closed buckets from the serving tables, the open bucket live) and every
# Grafana panel's SQL (last hour, 24 h, 7 days, 30 days) timed
# and explained. Arguments go to the harness (--runs, --devices-per-day, --skip-load, ...).
# PINREPORTS_BENCH_POSTGRES: use that database instead (its rollup tables are truncated and reloaded).
# A cluster this script starts is stopped when it ends (a server that was already running is left alone).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PINREPORTS_BENCH_POSTGRES:-}" ]; then
  # Its own cluster (.pgdata of this checkout) on its own port, so another checkout's server is never loaded.
  export PINREPORTS_PG_PORT="${PINREPORTS_BENCH_PORT:-5442}"
  if ! pg_isready -q -h localhost -p "$PINREPORTS_PG_PORT" 2>/dev/null; then
    stop_cluster() {
      [ -f .pgdata/postmaster.pid ] || return 0
      BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -Vr | head -n 1)"
      PG_CTL="${PG_BIN:-${BIN:-/usr/bin}}/pg_ctl"
      if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PG_CTL" -D .pgdata -m fast stop >/dev/null; else "$PG_CTL" -D .pgdata -m fast stop >/dev/null; fi
      echo "[stats-benchmark] stopped the PostgreSQL it started"
    }
    trap stop_cluster EXIT
  fi
  PINREPORTS_BENCH_POSTGRES="$(scripts/dev-postgres.sh | tail -n 1);Command Timeout=0"
  export PINREPORTS_BENCH_POSTGRES
fi
echo "uptime before measuring: $(uptime)"
dotnet run -c Release --project benchmarks/PinReports.StatsBenchmark -- "$@"
echo "uptime after measuring: $(uptime)"
