#!/usr/bin/env bash
# Compiles the TypeScript to lib/ — JavaScript and declarations — for Node.js and TypeScript
# consumers of the npm package (Bun and Deno import the TypeScript itself). Run by `npm pack`
# (prepack); lib/ is not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf lib
node_modules/.bin/tsc -p tsconfig.build.json
# The compiled command line runs under Node (bin/meshos.ts itself names bun).
sed -i '1s|^#!.*|#!/usr/bin/env node|' lib/bin/meshos.js
chmod +x lib/bin/meshos.js
