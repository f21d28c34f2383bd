#!/usr/bin/env bash
# The main job, end to end on this machine: starts local S3 and DynamoDB servers (s3rver, dynalite), writes a sample
# EMR-style export to S3, estimates what importing it costs, and converts it to DynamoDB's native JSON format.
# Everything it starts is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
items=${DEMO_ITEMS:-50000}
work=.demo
rm -rf "$work" && mkdir -p "$work"

echo "== building the dynamodb-connector tool"
dotnet build src/DynamoDb.Connector.Cli -c Release -o "$work/bin" -v quiet -nologo >/dev/null
cli() { dotnet "$work/bin/dynamodb-connector.dll" "$@"; }

echo "== starting local servers"
eval "$(eng/local-servers.sh start "$work/servers")"
trap 'eng/local-servers.sh stop "$work/servers"' EXIT
echo "   DynamoDB at $AWS_ENDPOINT_URL_DYNAMODB, S3 at $AWS_ENDPOINT_URL_S3"

echo "== writing a sample export of $items items (gzip, with an EMR manifest) to s3://demo/backup/"
cli generate --destination s3://demo/backup/ --items "$items" --files 8 --compression gzip --manifest

echo "== estimating the import"
cli estimate --source s3://demo/backup/ --write-capacity 1000

echo "== converting it to DynamoDB JSON (zstd) on local disk"
cli convert --source s3://demo/backup/ --destination "$work/ddb-json/" --to ddb-json --compression zstd
ls -l "$work/ddb-json"

echo "== and estimating the converted copy: the same items, bytes and write units"
cli estimate --source "$work/ddb-json/" --json
