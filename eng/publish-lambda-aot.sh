#!/usr/bin/env bash
# Publishes samples/LambdaFunction with Native AOT (the executable `bootstrap` of a provided.al2023 function) and
# checks it: no trimming/AOT warning from our code (src/, samples/), and the native binary runs its handler.
#   eng/publish-lambda-aot.sh [folder]   the binary lands in <folder>/bootstrap (default: a temporary folder, removed)
# Native AOT on Linux links with clang (and zlib): installed from the distribution's packages when missing.
# It builds in a folder of its own under artifacts/ (the artifacts layout), never in the projects' bin/ and obj/.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
root=$PWD

if ! command -v clang >/dev/null 2>&1 || ! dpkg -s zlib1g-dev >/dev/null 2>&1; then
  sudo=$([ "$(id -u)" -ne 0 ] && echo sudo)
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang zlib1g-dev >/dev/null
fi

if [ -n "${1:-}" ]; then out=$1; mkdir -p "$out"; out=$(cd "$out" && pwd); keep=1; else out=$(mktemp -d -t lambda-aot-XXXXXX); keep=0; fi
mkdir -p artifacts
build=$(mktemp -d "$PWD/artifacts/aot.XXXXXX")
cleanup() { rm -rf "$build"; if [ "$keep" -eq 0 ]; then rm -rf "$out"; fi; }
trap cleanup EXIT

log="$build/publish.log"
start=$SECONDS
if ! dotnet publish samples/LambdaFunction -c Release -r linux-x64 -o "$out" -nologo -p:UseArtifactsOutput=true "-p:ArtifactsPath=$build" >"$log" 2>&1; then
  grep -E "error|warning" "$log" | sort -u >&2 || cat "$log" >&2
  echo "publish-lambda-aot: the Native AOT publish failed" >&2
  exit 1
fi
echo "published $out/bootstrap ($(du -h "$out/bootstrap" | cut -f1)) in $((SECONDS - start)) s"

# Our code must not warn (trimming IL2xxx, AOT IL3xxx, or any compiler warning): a warning names a file under the
# checkout or one of our assemblies. Others' (the AWS SDK's) are listed, not failed on.
warnings=$(grep -E "warning [A-Z]+[0-9]+" "$log" | sed "s|$root/||g" | sort -u || true)
ours=$(echo "$warnings" | grep -E "^(src|samples)/|DynamoDb\.Connector|LambdaFunctionSample" || true)
others=$(echo "$warnings" | grep -vE "^(src|samples)/|DynamoDb\.Connector|LambdaFunctionSample" | grep . || true)
if [ -n "$others" ]; then echo "warnings from others' code (not ours):"; echo "$others"; fi
if [ -n "$ours" ]; then
  echo "$ours" >&2
  echo "publish-lambda-aot: the warnings above are from our code" >&2
  exit 1
fi

# The native binary runs the handler: a payload it must refuse, with the reason, on stderr and exit code 1.
set +e
answer=$(echo '{"splitUri":"split-0000.json"}' | "$out/bootstrap" --invoke 2>&1)
code=$?
set -e
if [ "$code" -ne 1 ] || [[ "$answer" != *'payload: "table" (the table to import into) is missing.'* ]]; then
  echo "publish-lambda-aot: bootstrap --invoke answered exit $code: $answer" >&2
  exit 1
fi
echo "bootstrap --invoke refuses a payload without a table, naming it: the native handler runs"
