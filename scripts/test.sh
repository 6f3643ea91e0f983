#!/usr/bin/env bash
# The whole test suite: set-up, `zig build test`, type checks (deno check + tsc), deno lint, then
# the one suite under `deno test` and `bun test`. Ends with `N passed, N failed` (both runtimes
# summed; a failing zig/type/lint step counts as one failure) and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --system || { echo "0 passed, 1 failed"; exit 1; }

export NO_COLOR=1
out=.tmp/test-logs
mkdir -p "$out"
export TMPDIR="$PWD/.tmp"
bin=node_modules/.bin
passed=0
failed=0

step() { # name, command...
  local name=$1
  shift
  printf '\n== %s\n' "$name"
  if "$@" >"$out/$name.log" 2>&1; then
    tail -n 3 "$out/$name.log"
    return 0
  fi
  cat "$out/$name.log"
  echo "!! $name failed"
  return 1
}

step zig-test bash -c "cd zig && python3 -m ziglang build test --summary all" || failed=$((failed + 1))
# The same Zig tests for linux-arm64, run for real under qemu (Zig's build runner calls
# `qemu-aarch64`; Debian's qemu-user-static names it qemu-aarch64-static).
mkdir -p .tmp/qemu && ln -sf "$(command -v qemu-aarch64-static)" .tmp/qemu/qemu-aarch64
step zig-test-arm64 bash -c "cd zig && PATH=\"$PWD/.tmp/qemu:\$PATH\" python3 -m ziglang build test -Dtarget=aarch64-linux -fqemu --summary all" || failed=$((failed + 1))
step deno-check "$bin/deno" check mod.ts src/ tests/ examples/ bench/ bin/ scripts/ || failed=$((failed + 1))
step tsc "$bin/tsc" -p tsconfig.json || failed=$((failed + 1))
step deno-lint "$bin/deno" lint || failed=$((failed + 1))

printf '\n== deno test\n'
"$bin/deno" test --allow-all --v8-flags=--expose-gc tests/ 2>&1 | tee "$out/deno-test.log" | grep -E '^(ok|FAILED|error)|FAILED|=>' || true
line=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$out/deno-test.log" | tail -n 1)
if [ -n "$line" ]; then
  passed=$((passed + $(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$line")))
else
  echo "!! deno test printed no summary"
  failed=$((failed + 1))
fi

printf '\n== bun test\n'
"$bin/bun" test 2>&1 | tee "$out/bun-test.log" | grep -E '^\(fail\)|^ *[0-9]+ (pass|fail)$|error:' || true
bun_pass=$(grep -E '^ *[0-9]+ pass$' "$out/bun-test.log" | tail -n 1 | tr -dc '0-9')
bun_fail=$(grep -E '^ *[0-9]+ fail$' "$out/bun-test.log" | tail -n 1 | tr -dc '0-9')
if [ -n "$bun_pass" ]; then
  passed=$((passed + bun_pass))
  failed=$((failed + ${bun_fail:-0}))
else
  echo "!! bun test printed no summary"
  failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
