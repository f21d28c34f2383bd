#!/usr/bin/env bash
# Rewrites each package's PublicAPI.Unshipped.txt from the code, so the declared public surface (checked by
# Microsoft.CodeAnalysis.PublicApiAnalyzers: RS0016 for a public symbol not declared, RS0017 for a declared one that
# is gone) is what the code has. Run it after changing public API (or after merging branches that did), review the
# diff of the PublicAPI.*.txt files, and commit it. PublicAPI.Shipped.txt is never touched: move the Unshipped lines
# there when a version is released.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

projects=(src/DynamoDb.Connector.Formats/DynamoDb.Connector.Formats.csproj src/DynamoDb.Connector/DynamoDb.Connector.csproj src/DynamoDb.Connector.Lambda/DynamoDb.Connector.Lambda.csproj)

for project in "${projects[@]}"; do
  unshipped="$(dirname "$project")/PublicAPI.Unshipped.txt"
  # Start over from the header and the removals of shipped symbols (which only a person decides), then let the
  # analyzer's own code fix declare every public symbol the code has.
  { echo '#nullable enable'; grep '^\*REMOVED\*' "$unshipped" 2>/dev/null || true; } > "$unshipped.new"
  mv "$unshipped.new" "$unshipped"
  dotnet restore "$project" >/dev/null
  dotnet format analyzers "$project" --no-restore --diagnostics RS0016 RS0017 --severity info
done

# What the fix could not settle (a shipped symbol removed: declare it *REMOVED* by hand) fails here.
left=""
for project in "${projects[@]}"; do
  left+=$(dotnet build "$project" -c Release --no-incremental 2>&1 | grep -E '(warning|error) RS001[67]' | sed 's/ \[.*//' | sort -u || true)
done
if [ -n "$left" ]; then
  echo "$left" >&2
  echo "update-public-api: the declarations above still differ from the code." >&2
  exit 1
fi
echo "update-public-api: PublicAPI.Unshipped.txt files match the code:"
git status --short -- 'src/*/PublicAPI.*.txt'
