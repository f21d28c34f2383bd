#!/usr/bin/env bash
# Runs every test: installs the local servers (dynalite, s3rver) the integration tests start, builds, tests,
# and ends with one line "N passed, N failed" read from the test results.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

eng/install-local-servers.sh || exit 1
dotnet restore Connector.sln || exit 1
dotnet build Connector.sln -c Release --no-restore || exit 1

results=artifacts/test-results
rm -rf "$results"
dotnet test Connector.sln -c Release --no-build --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" -- RunConfiguration.TestSessionTimeout=900000
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed))); failed=$((failed + $(get failed)))
  skipped=$((skipped + $(get notExecuted)))
done
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "no test results found in $results" >&2
  status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
