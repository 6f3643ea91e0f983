#!/usr/bin/env bash
# The operator demo: a local nats-server, three nodes (Bun, Deno, Bun) in three processes, node 1
# with three movable counters; the operator drains node 1 with a signed command, the counters move
# to nodes 2 and 3 and keep counting; node 3 is killed (SIGKILL) and node 2 restores its counter
# from its replica; every counter has counted every event once; the audit trail is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
. scripts/_local_nats.sh
echo "[demo:operate] nats-server on $url"
deno_node="node_modules/.bin/deno run --allow-net --allow-read --allow-env --allow-ffi --allow-sys=loadavg,systemMemoryInfo"
node_modules/.bin/bun examples/operate_node.ts --nats "$url" --node 1 --movable 3 --run-for 18000 &
one=$!
$deno_node examples/operate_node.ts --nats "$url" --node 2 --run-for 18000 &
two=$!
node_modules/.bin/bun examples/operate_node.ts --nats "$url" --node 3 --run-for 18000 &
three=$!
disown "$three" # the operator kills it: no job report for it
status=0
node_modules/.bin/bun examples/operator.ts --nats "$url" --kill "$three" || status=$?
wait "$one" || status=$?
wait "$two" || status=$?
echo "[demo:operate] done ($status)"
exit "$status"
