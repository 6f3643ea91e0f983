#!/usr/bin/env bash
# The two-node mesh demo: a local nats-server (free port, temp store, stopped on exit), one node
# under Bun and one under Deno, each printing the peer it sees; the Bun node sends 1,000 events to
# the Deno node's daemon and reads its outputs back, then drains after 2.5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
. scripts/_local_nats.sh
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
