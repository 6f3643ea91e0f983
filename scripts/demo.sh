#!/usr/bin/env bash
# The demo: set-up, then the example node under Bun (pass --deno to run it under Deno instead).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${1:-}" = "--deno" ]; then
  exec node_modules/.bin/deno run --allow-read --allow-env --allow-ffi --allow-net examples/demo.ts
fi
exec node_modules/.bin/bun examples/demo.ts
