#!/usr/bin/env sh
# Builds the Zig library (ReleaseFast), runs every benchmark under Bun and Deno — rings, rings and
# postMessage across Workers, the SDK end to end and stage by stage, logging, events across nodes
# on NATS JetStream and daemons moving between node processes (when nats-server is installed) —
# and the whole-program runs under hyperfine
# when it is installed, then writes bench/RESULTS.md.
# Waits (up to 10 min) for the 1-minute load to drop to 1.5 or less first, before each benchmark
# (up to 5 min) for other jobs to use at most a quarter of the CPU, and records both: other jobs
# on these 2-vCPU VMs distort the numbers.
# Usage: bench/run.sh [--quick]
set -eu

cd "$(dirname "$0")/.."
BUN=node_modules/.bin/bun
DENO="node_modules/.bin/deno run --allow-all"
OUT=bench/out
QUICK="${1:-}"
MAX_LOAD=1.5
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/loads.txt

load1() { cut -d' ' -f1 /proc/loadavg; }
busy() { awk -v load="$(load1)" -v max="$MAX_LOAD" 'BEGIN { exit !(load > max) }'; }

waited=0
while busy && [ "$waited" -lt 600 ]; do
  echo "1-min load $(load1) > $MAX_LOAD: waiting for other jobs to finish ($waited s so far)"
  sleep 15
  waited=$((waited + 15))
done

# CPU busy over one second, in percent of all cores. Taken between benchmarks, it is other jobs'
# share (the load average still counts the benchmark that just ended).
others_cpu() {
  before=$(head -n1 /proc/stat)
  sleep 1
  after=$(head -n1 /proc/stat)
  printf '%s\n%s\n' "$before" "$after" | awk '
    { total = 0; for (i = 2; i <= NF; i++) total += $i; idle[NR] = $5 + $6; all[NR] = total }
    END { printf "%.0f", 100 * (1 - (idle[2] - idle[1]) / (all[2] - all[1])) }'
}

# `stage NAME COMMAND...`: waits (up to 5 min) while other jobs use more than a quarter of the
# CPU, records the load and their share, then runs the benchmark.
stage() {
  name=$1
  shift
  busy_now=$(others_cpu)
  stage_wait=0
  while [ "$busy_now" -gt 25 ] && [ "$stage_wait" -lt 300 ]; do
    echo "other jobs use ${busy_now}% CPU: waiting before $name"
    sleep 10
    stage_wait=$((stage_wait + 11))
    busy_now=$(others_cpu)
  done
  echo "$name (load $(cut -d' ' -f1-3 /proc/loadavg); other jobs ${busy_now}% CPU)"
  echo "$name $(cut -d' ' -f1-3 /proc/loadavg) $busy_now" >> "$OUT/loads.txt"
  "$@"
}

echo "building zig/ (ReleaseFast)"
(cd zig && python3 -m ziglang build -Doptimize=ReleaseFast)

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
hf_version=$(command -v hyperfine >/dev/null 2>&1 && hyperfine --version || echo "hyperfine not installed")
cat > "$OUT/env.json" <<JSON
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "uname": "$(uname -srm)",
  "cpu": "${cpu:-unknown}",
  "cores": "$(nproc)",
  "memory": "$(free -h 2>/dev/null | awk '/^Mem:/ {print $2}')",
  "load": "$(cut -d' ' -f1-3 /proc/loadavg)",
  "waitedSeconds": "$waited",
  "quick": "$([ "$QUICK" = "--quick" ] && echo yes || echo no)",
  "bun": "bun $($BUN --version)",
  "deno": "$(node_modules/.bin/deno --version | head -n1)",
  "zig": "$(python3 -m ziglang version)",
  "hyperfine": "$hf_version"
}
JSON

for runtime in bun deno; do
  if [ "$runtime" = bun ]; then run=$BUN; else run=$DENO; fi
  # Each backend in its own process, three times: a process's JIT and memory layout can shift a
  # case by 1.5× for the whole run; the report takes the median process per case.
  for rep in 1 2 3; do
    for backend in native wasm js; do
      stage "ring_${runtime}_${backend}_$rep" $run bench/ring_bench.ts $QUICK --backend $backend \
        --out "$OUT/ring_${runtime}_${backend}_$rep.json"
    done
  done
  stage "workers_$runtime" $run bench/worker_bench.ts $QUICK --out "$OUT/workers_$runtime.json"
  stage "sdk_$runtime" $run bench/sdk_bench.ts $QUICK --out "$OUT/sdk_$runtime.json"
  stage "lifecycle_$runtime" $run bench/lifecycle_bench.ts $QUICK --out "$OUT/lifecycle_$runtime.json"
  if [ "$runtime" = bun ]; then scale=$run; else scale="$DENO --v8-flags=--expose-gc"; fi
  stage "scale_$runtime" $scale bench/scale_bench.ts $QUICK --out "$OUT/scale_$runtime.json"
  stage "stages_$runtime" $run bench/sdk_stages.ts $QUICK --out "$OUT/stages_$runtime.json"
  # stdout to /dev/null: console.log is measured writing there, not to a terminal.
  stage "log_$runtime" $run bench/log_bench.ts $QUICK --out "$OUT/log_$runtime.json" > /dev/null
  if [ -x /usr/sbin/nats-server ]; then
    stage "mesh_$runtime" $run bench/mesh_bench.ts $QUICK --out "$OUT/mesh_$runtime.json"
    stage "moves_$runtime" $run bench/move_bench.ts $QUICK --out "$OUT/moves_$runtime.json"
  else
    echo "nats-server not installed: skipping the mesh benchmark"
  fi
done

sh bench/upstream_compare.sh $QUICK

if command -v hyperfine >/dev/null 2>&1; then
  runs=10
  [ "$QUICK" = "--quick" ] && runs=3
  for runtime in bun deno; do
    if [ "$runtime" = bun ]; then run="$BUN bench/pipeline.ts"; else run="$DENO bench/pipeline.ts"; fi
    stage "hyperfine_$runtime" hyperfine --style basic --warmup 2 --runs "$runs" \
      --export-json "$OUT/hyperfine_$runtime.json" "$run native" "$run wasm" "$run js" "$run array"
  done
else
  echo "hyperfine not on PATH: skipping whole-program runs"
fi

$BUN bench/report.ts
