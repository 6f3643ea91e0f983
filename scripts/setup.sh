#!/usr/bin/env bash
# Installs what the project needs, idempotently, from its own files: npm devDependencies (Bun,
# Deno, TypeScript, …), Zig from PyPI (pinned), the Zig library, and — when asked with --system —
# the Debian packages the full test suite and benchmarks use (hyperfine, nats-server, chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

ZIG_VERSION="0.17.0"
want_system=0
for arg in "$@"; do
  case "$arg" in
    --system) want_system=1 ;;
    *) echo "setup.sh: unknown argument \"$arg\"; expected --system" >&2; exit 2 ;;
  esac
done

say() { printf '[setup] %s\n' "$*" >&2; }

# npm packages: reinstall only when the lockfile changed since the last install.
if [ ! -x node_modules/.bin/bun ] || [ ! -x node_modules/.bin/deno ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci (bun, deno, typescript, xstate, …)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Zig from PyPI, exact version.
if [ "$(python3 -m ziglang version 2>/dev/null || true)" != "$ZIG_VERSION" ]; then
  say "pip install ziglang==$ZIG_VERSION"
  python3 -m pip install -q --disable-pip-version-check "ziglang==$ZIG_VERSION" 2>/dev/null ||
    python3 -m pip install -q --disable-pip-version-check --break-system-packages "ziglang==$ZIG_VERSION"
fi

# The Zig library (this machine, wasm32, every shipped platform), rebuilt when a source is newer
# than the outputs.
lib=zig/zig-out/lib/libmeshos.so
wasm=zig/zig-out/bin/meshos.wasm
last=zig/zig-out/platforms/win32-x64/meshos.dll
if [ ! -f "$lib" ] || [ ! -f "$wasm" ] || [ ! -f "$last" ] || [ -n "$(find zig/build.zig zig/src -newer "$lib" -print -quit)" ]; then
  say "zig build (shared library, wasm32, the libraries of every shipped platform)"
  (cd zig && python3 -m ziglang build -Doptimize=ReleaseFast)
fi

if [ "$want_system" = 1 ]; then
  missing=()
  command -v hyperfine >/dev/null || missing+=(hyperfine)
  command -v nats-server >/dev/null || missing+=(nats-server)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
  if [ "${#missing[@]}" -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    say "apt-get install ${missing[*]}"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
