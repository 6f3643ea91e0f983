#!/usr/bin/env bash
# The two-node mesh demo: a local nats-server (free port, temp store, stopped on exit), one node
# under Bun and one under Deno, each printing the peer it sees; the Bun node sends 1,000 events to
# the Deno node's daemon and reads its outputs back, then drains after 2.5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
store="$(mktemp -d)"
log="$store/nats.log"
nats-server -a 127.0.0.1 -p -1 -js -sd "$store" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$store"' EXIT
for _ in $(seq 100); do grep -q "Server is ready" "$log" && break; sleep 0.05; done
port="$(grep -oE 'Listening for client connections on 127\.0\.0\.1:[0-9]+' "$log" | grep -oE '[0-9]+$')"
url="nats://127.0.0.1:$port"
echo "[demo:mesh] nats-server on $url (JetStream store $store)"
node_modules/.bin/bun examples/mesh_node.ts --nats "$url" --node 1 --send-to 2 --drain-after 2500 --run-for 6000 &
bun_node=$!
node_modules/.bin/deno run --allow-net --allow-read --allow-env --allow-sys=loadavg,systemMemoryInfo \
  examples/mesh_node.ts --nats "$url" --node 2 --run-for 6000 &
deno_node=$!
status=0
wait "$bun_node" || status=$?
wait "$deno_node" || status=$?
echo "[demo:mesh] nodes exited ($status)"
exit "$status"
