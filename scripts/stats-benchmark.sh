#!/usr/bin/env bash
# The stats benchmark (issue #4): a PostgreSQL of its own, a month of rollups shaped like 50 million reports, then
# the dashboard queries timed and explained. Arguments go to the harness (--runs, --devices-per-day, --skip-load, ...).
# PINREPORTS_BENCH_POSTGRES: use that database instead (its rollup tables are truncated and reloaded).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PINREPORTS_BENCH_POSTGRES:-}" ]; then
  # Its own cluster (.pgdata of this checkout) on its own port, so another checkout's server is never loaded.
  export PINREPORTS_PG_PORT="${PINREPORTS_BENCH_PORT:-5442}"
  PINREPORTS_BENCH_POSTGRES="$(scripts/dev-postgres.sh | tail -n 1);Command Timeout=0"
  export PINREPORTS_BENCH_POSTGRES
fi
echo "uptime before measuring: $(uptime)"
exec dotnet run -c Release --project benchmarks/PinReports.StatsBenchmark -- "$@"
