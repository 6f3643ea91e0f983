#!/usr/bin/env sh
# Builds the Zig library (ReleaseFast), runs the ring and log benchmarks under Bun and Deno, the
# whole-program runs under hyperfine when it is installed, and writes bench/RESULTS.md.
# Usage: bench/run.sh [--quick]
set -eu

cd "$(dirname "$0")/.."
BUN=node_modules/.bin/bun
DENO=node_modules/.bin/deno
OUT=bench/out
QUICK="${1:-}"
mkdir -p "$OUT"
rm -f "$OUT"/*.json

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
  "quick": "$([ "$QUICK" = "--quick" ] && echo yes || echo no)",
  "bun": "bun $($BUN --version)",
  "deno": "$($DENO --version | head -n1)",
  "zig": "$(python3 -m ziglang version)",
  "hyperfine": "$hf_version"
}
JSON

echo "ring benchmark: bun"
$BUN bench/ring_bench.ts $QUICK --out "$OUT/ring_bun.json"
echo "ring benchmark: deno"
$DENO run --allow-all bench/ring_bench.ts $QUICK --out "$OUT/ring_deno.json"
echo "log benchmark: bun, deno (stdout to /dev/null)"
$BUN bench/log_bench.ts $QUICK --out "$OUT/log_bun.json" > /dev/null
$DENO run --allow-all bench/log_bench.ts $QUICK --out "$OUT/log_deno.json" > /dev/null

if command -v hyperfine >/dev/null 2>&1; then
  runs=10
  [ "$QUICK" = "--quick" ] && runs=3
  for runtime in bun deno; do
    if [ "$runtime" = bun ]; then run="$BUN bench/pipeline.ts"; else run="$DENO run --allow-all bench/pipeline.ts"; fi
    echo "hyperfine: $runtime"
    hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$OUT/hyperfine_$runtime.json" \
      "$run native" "$run wasm" "$run js" "$run array"
  done
else
  echo "hyperfine not on PATH: skipping whole-program runs"
fi

$BUN bench/report.ts
