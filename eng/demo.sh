#!/usr/bin/env bash
# The main job, end to end on this machine: starts local S3 and DynamoDB servers (s3rver, dynalite), writes a sample
# EMR-style export to S3, estimates the import, imports it into a new table with a live progress bar, exports that
# table back to S3 in DynamoDB's native JSON, imports the export into a second table, and compares both tables item
# for item with the generated export (`compare`: missing, extra and different items; it fails the demo unless none).
# Everything it starts is stopped at the end: on success, on failure and on Ctrl-C.
#   DEMO_ITEMS   items to generate (default 50,000)
#   DEMO_WORK    its working folder (default .demo/)
#   DEMO_CLI     a built dynamodb-connector.dll to use instead of building one (the tests pass theirs)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
items=${DEMO_ITEMS:-50000}
work=${DEMO_WORK:-.demo}
servers="$work/servers"

# The cleanup is in place before anything starts: whatever step fails or is interrupted, no server is left running.
cleanup() { eng/local-servers.sh stop "$servers" || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$work" && mkdir -p "$work"
if [ -n "${DEMO_CLI:-}" ]; then
  tool=$DEMO_CLI
else
  echo "== building the dynamodb-connector tool"
  dotnet build src/DynamoDb.Connector.Cli -c Release -o "$work/bin" -v quiet -nologo >/dev/null
  tool="$work/bin/dynamodb-connector.dll"
fi
cli() { dotnet "$tool" "$@"; }

echo "== starting local servers"
# Assigned first, then evaluated: a failed start stops the demo (eval of empty output would not).
environment=$(eng/local-servers.sh start "$servers")
eval "$environment"
echo "   DynamoDB at $AWS_ENDPOINT_URL_DYNAMODB, S3 at $AWS_ENDPOINT_URL_S3"

echo "== writing a sample export of $items items (gzip, with an EMR manifest) to s3://demo/backup/"
cli generate --destination s3://demo/backup/ --items "$items" --files 8 --compression gzip --manifest

echo "== estimating the import at 4,000 WCU/s"
cli estimate --source s3://demo/backup/ --write-capacity 4000

echo "== importing it into a new table, demo-items (checkpointed: rerun this command after a failure to resume)"
cli import --source s3://demo/backup/ --table demo-items --create-table --key pk:S,sk:N \
  --write-capacity 4000 --checkpoint s3://demo/checkpoints/demo-items/

echo "== exporting demo-items to s3://demo/export/ as DynamoDB JSON (zstd), with an EMR manifest"
cli export --table demo-items --destination s3://demo/export/ --format ddb-json --compression zstd --overwrite

echo "== importing the export into a second table, demo-copy"
cli import --source s3://demo/export/ --table demo-copy --create-table --key pk:S,sk:N --write-capacity 4000

# Item for item, not by counts: a lost or changed attribute, a missing or an extra key fails the demo (exit 1).
echo "== comparing the generated export with demo-items, item for item"
cli compare --source s3://demo/backup/ --table demo-items
echo "== comparing the generated export with demo-copy (after the export and the second import), item for item"
cli compare --source s3://demo/backup/ --table demo-copy
echo "== all $items items made the round trip s3://demo/backup/ -> demo-items -> s3://demo/export/ -> demo-copy, attribute for attribute"
