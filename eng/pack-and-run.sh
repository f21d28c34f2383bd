#!/usr/bin/env bash
# The packages as a user gets them: packs them (eng/pack.sh) into a temporary folder, installs the
# dynamodb-connector tool from that folder alone (no other package source, an empty package cache) into a temporary
# tool path, and runs the installed tool against local servers it starts: generate an export, import it into a new
# table, compare the table with it item for item. Any failing step fails the script; the servers are stopped and the
# folder removed at the end, also on failure or Ctrl-C.
#   PACK_WORK   the working folder (default: a new temporary one, removed at the end; a given one is kept)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [ -n "${PACK_WORK:-}" ]; then
  work=$PACK_WORK; keep=1; rm -rf "$work"; mkdir -p "$work"
else
  work=$(mktemp -d -t connector-pack-XXXXXX); keep=0
fi
work=$(cd "$work" && pwd)

cleanup() {
  eng/local-servers.sh stop "$work/servers" || true
  if [ "$keep" -eq 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== packing DynamoDb.Connector.Formats, DynamoDb.Connector, DynamoDb.Connector.Lambda and DynamoDb.Connector.Cli into $work/packages"
eng/pack.sh "$work"
for package in DynamoDb.Connector.Formats DynamoDb.Connector DynamoDb.Connector.Lambda DynamoDb.Connector.Cli; do
  for extension in nupkg snupkg; do
    if ! compgen -G "$work/packages/$package.[0-9]*.$extension" >/dev/null; then
      echo "eng/pack.sh made no $package .$extension in $work/packages" >&2
      exit 1
    fi
  done
done
tool_package=$(basename "$(compgen -G "$work/packages/DynamoDb.Connector.Cli.[0-9]*.nupkg")")
version=${tool_package#DynamoDb.Connector.Cli.}; version=${version%.nupkg}

echo "== installing dynamodb-connector $version from those packages alone into $work/tool"
# An empty package cache of its own: a cached package of the same version from an earlier run must not stand in.
NUGET_PACKAGES="$work/nuget-cache" dotnet tool install DynamoDb.Connector.Cli --version "$version" \
  --tool-path "$work/tool" --source "$work/packages"
tool="$work/tool/dynamodb-connector"
installed=$("$tool" --version)
if [ "${installed%%+*}" != "$version" ]; then
  echo "the installed tool says version '$installed', the package is $version" >&2
  exit 1
fi

echo "== starting local servers"
environment=$(eng/local-servers.sh start "$work/servers")
eval "$environment"

echo "== running the installed tool: generate, import, compare"
"$tool" generate --destination s3://demo/packaged/ --items 500 --files 2 --compression gzip --manifest
"$tool" import --source s3://demo/packaged/ --table packaged-items --create-table --key pk:S,sk:N --write-capacity 2000
"$tool" compare --source s3://demo/packaged/ --table packaged-items
echo "== the packaged dynamodb-connector $version installed and moved 500 items s3://demo/packaged/ -> packaged-items, item for item"
