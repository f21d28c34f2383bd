#!/usr/bin/env bash
# Installs the pinned Node tools (dynalite, s3rver, asl-validator, @duckdb/node-api, @mapbox/dyno) into node_modules from package-lock.json.
# Writes nothing on stdout (npm's output goes to stderr): callers such as `eval "$(eng/local-servers.sh start)"` read
# stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Node.js 20+ and npm are needed for the local servers (dynalite, s3rver)." >&2
  exit 1
fi
if [ ! -x node_modules/.bin/dynalite ] || [ ! -x node_modules/.bin/s3rver ] || [ ! -x node_modules/.bin/asl-validator ] || [ ! -x node_modules/.bin/dyno ] || [ ! -d node_modules/@duckdb/node-api ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
