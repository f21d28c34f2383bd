#!/usr/bin/env bash
# Packs the four packages (DynamoDb.Connector.Formats, DynamoDb.Connector, DynamoDb.Connector.Lambda, the
# DynamoDb.Connector.Cli tool), each
# with its symbol package (.snupkg), into one folder, validating them (EnablePackageValidation) on the way.
#   eng/pack.sh <folder>      the packages land in <folder>/packages. It builds in a folder of its own under
#                             artifacts/ (the artifacts layout; removed at the end), never in the projects' bin/ and
#                             obj/, so it can run beside a build or the tests. Inside the checkout, so that the
#                             generated sources in obj/ get deterministic paths (/_/...) like the rest.
#   REPOSITORY_URL=https://github.com/owner/repo eng/pack.sh <folder>
#                             names the repository for Source Link when the clone's remote is no web host.
# With CI=true (as .ci/run sets) the build is deterministic (ContinuousIntegrationBuild) and warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
out=${1:?usage: eng/pack.sh <folder>}
mkdir -p "$out"
out=$(cd "$out" && pwd)
mkdir -p artifacts
build=$(mktemp -d "$PWD/artifacts/pack.XXXXXX")
trap 'rm -rf "$build"' EXIT
properties=(-p:UseArtifactsOutput=true "-p:ArtifactsPath=$build")
if [ -n "${REPOSITORY_URL:-}" ]; then properties+=("-p:RepositoryUrl=$REPOSITORY_URL"); fi
for project in DynamoDb.Connector.Formats DynamoDb.Connector DynamoDb.Connector.Lambda DynamoDb.Connector.Cli; do
  dotnet pack "src/$project" -c Release -o "$out/packages" -nologo -v quiet "${properties[@]}" >&2
done
ls "$out/packages"
