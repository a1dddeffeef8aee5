#!/usr/bin/env bash
# The closer's fold of a flood minute (issue #12; the incident of issue #11 item 5): a PostgreSQL of its own, one minute
# with 500,000 never-seen devices over about 1,000 series (3% of them in two series) beside background minutes, the
# minutes before it folded, then the fold of that minute timed per grain by the real closer and its counts checked
# against a raw count. Arguments go to the harness (--flood-devices, --series, --multi-percent, --background-devices,
# --background-minutes, --pool; --explain: the closer's statements under EXPLAIN ANALYZE first, rolled back). Everything runs at nice 19 (the machine is shared); the load average is printed.
# PINREPORTS_BENCH_POSTGRES: use that database instead (its report and rollup tables are truncated and reloaded).
# A cluster this script starts is stopped when it ends (a server that was already running is left alone).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(nice)" -lt 19 ]; then exec nice -n 19 "$0" "$@"; fi
if [ -z "${PINREPORTS_BENCH_POSTGRES:-}" ]; then
  # Its own cluster (.pgdata of this checkout) on its own port, so another checkout's server is never loaded.
  export PINREPORTS_PG_PORT="${PINREPORTS_BENCH_PORT:-5446}"
  if ! pg_isready -q -h localhost -p "$PINREPORTS_PG_PORT" 2>/dev/null; then
    stop_cluster() {
      [ -f .pgdata/postmaster.pid ] || return 0
      BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -Vr | head -n 1)"
      PG_CTL="${PG_BIN:-${BIN:-/usr/bin}}/pg_ctl"
      if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PG_CTL" -D .pgdata -m fast stop >/dev/null; else "$PG_CTL" -D .pgdata -m fast stop >/dev/null; fi
      echo "[closer-benchmark] stopped the PostgreSQL it started"
    }
    trap stop_cluster EXIT
  fi
  PINREPORTS_BENCH_POSTGRES="$(scripts/dev-postgres.sh | tail -n 1);Command Timeout=0"
  export PINREPORTS_BENCH_POSTGRES
fi
echo "uptime before loading: $(uptime)"
dotnet run -c Release --project benchmarks/PinReports.StatsBenchmark -- closer-fold "$@"
echo "uptime after measuring: $(uptime)"
