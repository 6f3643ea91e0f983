#!/usr/bin/env sh
# Side by side with upstream (issue 10): installs net-mesh and net-mesh-sdk 0.45.1 from PyPI into
# .tmp/upstream (ignored, idempotent), then runs the same operations with the same counts —
# bench/upstream/compare.py on upstream's Rust core, bench/upstream_compare.ts on ours under Bun
# and Deno — three rounds, alternating the sides, into bench/out/upstream_<side>_<round>.json.
# bench/report.ts turns them into medians and ratios in bench/RESULTS.md.
# Usage: bench/upstream_compare.sh [--quick]
set -eu
cd "$(dirname "$0")/.."
QUICK="${1:-}"
OUT=bench/out
mkdir -p "$OUT"
venv=.tmp/upstream
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import net" 2>/dev/null; then
  echo "installing net-mesh 0.45.1 and net-mesh-sdk 0.45.1 into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check net-mesh==0.45.1 net-mesh-sdk==0.45.1
fi
for round in 1 2 3; do
  echo "upstream comparison, round $round"
  "$venv/bin/python" bench/upstream/compare.py $QUICK > "$OUT/upstream_upstream_$round.json"
  node_modules/.bin/bun bench/upstream_compare.ts $QUICK > "$OUT/upstream_bun_$round.json"
  node_modules/.bin/deno run --allow-all bench/upstream_compare.ts $QUICK > "$OUT/upstream_deno_$round.json"
done
