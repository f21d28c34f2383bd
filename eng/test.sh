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
  # The trx writer leaves notExecuted at 0 for a skipped test: skipped is what was not executed of the total.
  skipped=$((skipped + $(get total) - $(get executed)))
done
if [ "$failed" -gt 0 ]; then
  # Name each failure and its first message lines here too: a CI log is often read only from its end.
  echo "failed tests:"
  for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    python3 - "$trx" <<'PY' || grep -o 'testName="[^"]*" [^>]*outcome="Failed"' "$trx"
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for r in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") == "Failed":
        message = r.findtext(".//t:Message", default="", namespaces=ns).strip().splitlines()
        print("  " + r.get("testName"))
        for line in message[:6]:
            print("    " + line)
PY
  done
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "no test results found in $results" >&2
  status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
