#!/usr/bin/env bash
# The demo: set-up, then the example node under Bun (`--deno` runs it under Deno instead; `--stay`
# keeps the node and its inspector running until Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
runtime=bun
args=()
for arg in "$@"; do
  case "$arg" in
    --deno) runtime=deno ;;
    --stay) args+=(--stay) ;;
    *) echo "demo.sh: unknown argument \"$arg\"; expected --deno or --stay" >&2; exit 2 ;;
  esac
done
if [ "$runtime" = deno ]; then
  exec node_modules/.bin/deno run --allow-read --allow-write --allow-env --allow-ffi --allow-net examples/demo.ts "${args[@]}"
fi
exec node_modules/.bin/bun examples/demo.ts "${args[@]}"
