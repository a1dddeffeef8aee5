#!/usr/bin/env bash
# The second README command: every test. The integration tests bring their own PostgreSQL (see README, Tests).
set -euo pipefail
cd "$(dirname "$0")"
dotnet test PinReports.sln "$@"
