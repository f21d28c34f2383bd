#!/usr/bin/env bash
# Whole-process comparison with a peer: our import and export against `dyno put` and `dyno scan` (@mapbox/dyno,
# pinned in package.json) on the same generated data and the same instant DynamoDB double
# (benchmarks/peers/instant-dynamodb.js: answers at once, never throttles, counts the puts it receives).
#
#   eng/bench-peers.sh [items=100000] [runs=5]      (env: ITEM_BYTES=400 extra bytes per item, ~1 KB items; PORT=8765;
#                                                     READ_CAPACITY=40000 the export's budget; OUT=results file)
#
# Runs alternate (ours then dyno, then dyno then ours, ...) so a load change on a shared machine hits both; each run is
# timed with /usr/bin/time (wall, user + system CPU, peak RSS). hyperfine is not used because it runs each command's
# repetitions back to back instead of alternating them. Reports medians, the ratios (dyno / ours: > 1 means we are
# faster or cheaper) and the items each tool lost (items the double did not receive, or lines the scan did not print).
set -euo pipefail
cd "$(dirname "$0")/.."
ITEMS=${1:-100000}
RUNS=${2:-5}
ITEM_BYTES=${ITEM_BYTES:-400}
PORT=${PORT:-8765}
READ_CAPACITY=${READ_CAPACITY:-40000}
OUT=${OUT:-benchmarks/results/peers-$(date -u +%Y%m%d).md}
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
bash eng/install-local-servers.sh
dotnet build src/DynamoDb.Connector.Cli -c Release -v quiet -nologo >&2
CLI="dotnet src/DynamoDb.Connector.Cli/bin/Release/net10.0/dynamodb-connector.dll"
DYNO="node node_modules/@mapbox/dyno/bin/cli.js"
WORK=$(mktemp -d /tmp/bench-peers.XXXXXX)
DOUBLE_PID=
cleanup() { [ -n "$DOUBLE_PID" ] && kill "$DOUBLE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# The same items for both: our ddb-json lines ({"Item":{...}}) and, for dyno, the same lines without the wrapper.
$CLI generate --destination "$WORK/data" --items "$ITEMS" --files 1 --format ddb-json --item-bytes "$ITEM_BYTES" >&2
SOURCE="$WORK/data/part-00000.json"
sed -e 's/^{"Item"://' -e 's/}$//' "$SOURCE" > "$WORK/wire.jsonl"
BYTES=$(stat -c %s "$WORK/wire.jsonl")
# dyno put checks its first line for a table description and stalls for good (sending nothing) when an attribute there
# reads as false, 0 or null, as every generated item has one: its input starts with one extra item without any.
{ echo '{"pk":{"S":"peers#first"},"sk":{"N":"1"}}'; cat "$WORK/wire.jsonl"; } > "$WORK/dyno-put.jsonl"

node benchmarks/peers/instant-dynamodb.js "$PORT" "$WORK/wire.jsonl" &
DOUBLE_PID=$!
ENDPOINT="http://127.0.0.1:$PORT"
for _ in $(seq 50); do curl -sf "$ENDPOINT/__stats" >/dev/null && break; sleep 0.2; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 AWS_ENDPOINT_URL_DYNAMODB="$ENDPOINT"
export AWS_SDK_LOAD_CONFIG=0 AWS_NODEJS_CONNECTION_REUSE_ENABLED=1 NODE_NO_WARNINGS=1

# run <name> <command...>: times the command; appends "name wall cpu rss_mb lost" to $WORK/runs.
run() {
  local name=$1; shift
  curl -sf -X POST "$ENDPOINT/__reset" >/dev/null
  rm -rf "$WORK/export" "$WORK/scan.jsonl"
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$@" > "$WORK/stdout" 2> "$WORK/stderr" \
    || { echo "$name failed:" >&2; tail -5 "$WORK/stderr" >&2; exit 1; }
  local received
  case $name in
    *import*) received=$(curl -sf "$ENDPOINT/__stats" | sed 's/.*"puts":\([0-9]*\).*/\1/') ;;
    *put*) received=$(( $(curl -sf "$ENDPOINT/__stats" | sed 's/.*"puts":\([0-9]*\).*/\1/') - 1 )) ;; # less its extra first item
    *scan*) received=$(grep -c . "$WORK/stdout" || true) ;;
    *) received=$(find "$WORK/export" -type f ! -name manifest ! -name '_*' -exec cat {} + | grep -c . || true) ;;
  esac
  read -r wall user sys rss < "$WORK/time"
  echo "$name $wall $(echo "$user + $sys" | bc) $((rss / 1024)) $((ITEMS - received))" >> "$WORK/runs"
  echo "  $name: ${wall}s wall, $(echo "$user + $sys" | bc)s CPU, $((rss / 1024)) MB peak, $((ITEMS - received)) lost" >&2
}
ours_import() { run "ours-import" $CLI import --source "$SOURCE" --format ddb-json --table bench --write-capacity 1000000; }
dyno_put() { run "dyno-put" sh -c "$DYNO put us-east-1/bench --endpoint $ENDPOINT < '$WORK/dyno-put.jsonl'"; }
ours_export() { run "ours-export-default" $CLI export --table bench --destination "$WORK/export" --read-capacity "$READ_CAPACITY"; }
ours_export4() { run "ours-export-4seg" $CLI export --table bench --destination "$WORK/export" --read-capacity "$READ_CAPACITY" --segments 4; }
dyno_scan() { run "dyno-scan" $DYNO scan us-east-1/bench --endpoint "$ENDPOINT"; }

: > "$WORK/runs"
for r in $(seq "$RUNS"); do
  echo "run $r of $RUNS" >&2
  if [ $((r % 2)) -eq 1 ]; then ours_import; dyno_put; ours_export; ours_export4; dyno_scan
  else dyno_put; ours_import; dyno_scan; ours_export4; ours_export; fi
done

PLAN=$($CLI export --table bench --destination "$WORK/plan" --read-capacity "$READ_CAPACITY" --json 2>/dev/null | jq -r '.splits' || true)
rm -rf "$WORK/plan"
# Medians per tool, then the ratios dyno / ours.
node - "$WORK/runs" "$ITEMS" "$BYTES" "$RUNS" "$READ_CAPACITY" "${PLAN:-?}" > "$OUT" <<'EOF'
const fs = require('fs');
const [file, items, bytes, runs, rcu, plan] = process.argv.slice(2);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map(l => l.split(' '));
const median = xs => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const by = {};
for (const [name, wall, cpu, rss, lost] of rows) (by[name] ??= []).push({ wall: +wall, cpu: +cpu, rss: +rss, lost: +lost });
const m = name => ({ wall: median(by[name].map(r => r.wall)), cpu: median(by[name].map(r => r.cpu)), rss: median(by[name].map(r => r.rss)),
  lost: by[name].map(r => r.lost).join(', ') });
const f = (x, d = 2) => x.toFixed(d);
const out = [];
out.push(`# Peers: our CLI against @mapbox/dyno on the same data and the same instant DynamoDB double`, '');
out.push(`${items} items (${(bytes / items).toFixed(0)} bytes each in DynamoDB JSON, ${(bytes / 1e6).toFixed(1)} MB), ${runs} alternating runs per tool, medians;`);
out.push(`\`eng/bench-peers.sh ${items} ${runs}\` on ${new Date().toISOString().slice(0, 16)}Z, ${require('os').cpus().length} cores, load average ${require('os').loadavg().map(x => x.toFixed(1)).join(' ')} at the end.`);
out.push(`Whole processes (startup included), timed by /usr/bin/time; CPU is user + system. Export budget ${rcu} RCU/s; default plan: ${plan} segments.`, '');
out.push('| Tool | Wall s | CPU s | Items/s | CPU us/item | Peak RSS MB | Items lost per run |', '|---|--:|--:|--:|--:|--:|---|');
for (const name of Object.keys(by)) { const x = m(name); out.push(`| ${name} | ${f(x.wall)} | ${f(x.cpu)} | ${Math.round(items / x.wall).toLocaleString('en-US')} | ${f(x.cpu * 1e6 / items, 1)} | ${x.rss} | ${x.lost} |`); }
out.push('', 'Ratios dyno / ours (> 1: ours is faster or uses less CPU), the median of the per-run ratios (each run pairs the two tools', 'back to back, so a load change on the shared machine hits both), and of the medians above:', '');
out.push('| Comparison | Speed, per-run ratios | Speed, median of ratios | CPU, median of ratios | Speed, ratio of medians | CPU, ratio of medians |', '|---|---|--:|--:|--:|--:|');
const ratio = (peer, ours) => {
  const p = by[peer], o = by[ours];
  const walls = o.map((r, i) => p[i].wall / r.wall), cpus = o.map((r, i) => p[i].cpu / r.cpu);
  out.push(`| ${ours} vs ${peer} | ${walls.map(x => f(x)).join(', ')} | ${f(median(walls))}x | ${f(median(cpus))}x | ${f(m(peer).wall / m(ours).wall)}x | ${f(m(peer).cpu / m(ours).cpu)}x |`);
};
ratio('dyno-put', 'ours-import');
ratio('dyno-scan', 'ours-export-default');
ratio('dyno-scan', 'ours-export-4seg');
out.push('', 'Items lost: what the double did not receive (import) or the tool did not write out (export). dyno put keeps its last', 'batch (up to 25 items) when its input ends with a newline, as every line file does: its parser stops at the empty last', 'line without calling back, so the stream never flushes. dyno put also stalls for good, sending nothing, when the first', 'line has an attribute that reads as false, 0 or null (it checks the first line for a table description), so its input', 'here starts with one extra item without any; that item is not counted.');
console.log(out.join('\n'));
EOF
cat "$OUT"
echo "wrote $OUT" >&2
