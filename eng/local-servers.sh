#!/usr/bin/env bash
# Starts dynalite (DynamoDB) and s3rver (S3) on free loopback ports, for the demo or for trying the CLI by hand.
#   eval "$(eng/local-servers.sh start [state-dir])"   stdout is ONLY the `export ...` lines (AWS_ENDPOINT_URL_DYNAMODB, ...);
#                                                      installs and diagnostics go to stderr
#   eng/local-servers.sh stop  [state-dir]             stops both and waits until they are gone
# State (pids, data, logs, the env file) lives in state-dir (default .local-servers/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
state=${2:-.local-servers}

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'; }

wait_port() {
  for _ in $(seq 1 100); do
    node -e 'const s=require("net").connect(+process.argv[1],"127.0.0.1");s.on("connect",()=>process.exit(0));s.on("error",()=>process.exit(1));' "$1" && return 0
    sleep 0.1
  done
  echo "server on port $1 did not start (logs in $state/)" >&2
  return 1
}

stop() {
  local name pid
  for name in dynalite s3rver; do
    [ -f "$state/$name.pid" ] || continue
    pid=$(cat "$state/$name.pid")
    kill "$pid" 2>/dev/null || true
    # Wait for it to exit (a script checking for leftovers right after must find none); kill -9 after 5 s.
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    # Only if it is still there: a pid that exited may already name another process.
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$state/$name.pid"
  done
}

case "${1:-}" in
  start)
    # Nothing but the export lines may reach stdout: everything below writes to stderr or to files.
    eng/install-local-servers.sh >&2
    mkdir -p "$state/s3"
    # A start that fails half way stops what it started.
    trap 'stop' ERR
    dynamo_port=$(free_port); s3_port=$(free_port)
    # Absolute paths: the processes' command lines name this checkout (.ci/run checks none is left behind).
    node "$root/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$dynamo_port" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 >"$state/dynalite.log" 2>&1 </dev/null &
    echo $! >"$state/dynalite.pid"
    # s3rver's list continuation tokens use DES, which Node 17+ offers only with the legacy OpenSSL provider.
    NODE_OPTIONS=--openssl-legacy-provider node "$root/node_modules/s3rver/bin/s3rver.js" --address 127.0.0.1 --port "$s3_port" --directory "$state/s3" --silent --configure-bucket demo >"$state/s3rver.log" 2>&1 </dev/null &
    echo $! >"$state/s3rver.pid"
    wait_port "$dynamo_port"; wait_port "$s3_port"
    trap - ERR
    cat >"$state/env" <<ENV
export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$dynamo_port
export AWS_ENDPOINT_URL_S3=http://127.0.0.1:$s3_port
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=S3RVER
export AWS_SECRET_ACCESS_KEY=S3RVER
export AWS_REQUEST_CHECKSUM_CALCULATION=when_required
export AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
export AWS_EC2_METADATA_DISABLED=true
ENV
    cat "$state/env"
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: $0 start|stop [state-dir]" >&2
    exit 2
    ;;
esac
