#!/usr/bin/env bash
# The first README command: PostgreSQL up, schema migrated, service running on http://localhost:8080.
set -euo pipefail
cd "$(dirname "$0")"
CONN="$(scripts/dev-postgres.sh | tail -n 1)"
export ConnectionStrings__Postgres="${ConnectionStrings__Postgres:-$CONN}"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export Database__MigrateOnStartup="${Database__MigrateOnStartup:-true}"
cat <<TXT
PinReports starting (environment $ASPNETCORE_ENVIRONMENT)
  ingest:   POST http://localhost:8080/v1/reports
  health:   http://localhost:8080/healthz   http://localhost:8080/readyz
  api docs: http://localhost:8080/docs   (OpenAPI: http://localhost:8080/openapi/v1.json)
  runbook:  http://localhost:8080/runbook
  stop:     Ctrl-C; then scripts/dev-postgres.sh stop for the database
TXT
exec dotnet run --project src/ReportApi --no-launch-profile -- "$@"
