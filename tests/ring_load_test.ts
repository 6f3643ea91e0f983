/**
 * Which backend `loadRingBackend` picks: forced by MESHOS_BACKEND, preferred by option, falling
 * back native → wasm → js when something is missing (checked in child processes for permissions).
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtimeName, test } from "./_harness.ts";
import { libraryPath, wasmPath } from "../src/ffi/_artifacts.ts";
import { type BackendChoice, loadBackend, loadRingBackend } from "../src/ffi/load.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = fileURLToPath(new URL("../node_modules/.bin/deno", import.meta.url));
const bun = fileURLToPath(new URL("../node_modules/.bin/bun", import.meta.url));
const script = fileURLToPath(new URL("./_print_backend.ts", import.meta.url));
const nativeBuilt = existsSync(libraryPath());
const wasmBuilt = existsSync(wasmPath());
const nativeName = runtimeName === "bun" ? "bun-ffi" : "deno-ffi";

async function withEnv<T>(env: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

type ChildReport = { name?: string; error?: string; got?: number; fallbacks: string[] };

function runChild(argv: string[], env: Record<string, string>): ChildReport {
  const child = spawnSync(argv[0], argv.slice(1), {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env },
    encoding: "utf8",
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!);
}

/** Runs the probe under Deno with only `flags` as permissions. */
function runDeno(flags: string[], env: Record<string, string> = {}): ChildReport {
  return runChild([deno, "run", "--quiet", "--no-prompt", ...flags, script], env);
}

/** Runs the probe under Bun (which has no permissions; `flags` are ignored). */
function runBun(_flags: string[], env: Record<string, string> = {}): ChildReport {
  return runChild([bun, script], env);
}

test("load: the default order picks the fastest backend that is built", async () => {
  const backend = await withEnv({ MESHOS_BACKEND: undefined }, () => loadRingBackend());
  assert.equal(backend.name, nativeBuilt ? nativeName : wasmBuilt ? "wasm" : "js");
});

test("load: MESHOS_BACKEND forces each backend", async () => {
  const expected: Record<BackendChoice, string> = { native: nativeName, wasm: "wasm", js: "js" };
  for (const choice of ["native", "wasm", "js"] as const) {
    if (choice === "native" && !nativeBuilt) continue;
    if (choice === "wasm" && !wasmBuilt) continue;
    const backend = await withEnv({ MESHOS_BACKEND: choice }, () => loadRingBackend({ prefer: "js" }));
    assert.equal(backend.name, expected[choice]);
  }
});

test("load: an unknown MESHOS_BACKEND throws, naming it", async () => {
  await withEnv({ MESHOS_BACKEND: "fast" }, async () => {
    await assert.rejects(loadRingBackend(), /MESHOS_BACKEND: expected "native", "wasm" or "js", received "fast"/);
  });
});

test("load: prefer tries one backend first, then the default order", async () => {
  await withEnv({ MESHOS_BACKEND: undefined }, async () => {
    assert.equal((await loadRingBackend({ prefer: "js" })).name, "js");
    if (wasmBuilt) assert.equal((await loadRingBackend({ prefer: "wasm" })).name, "wasm");
    await assert.rejects(loadRingBackend({ prefer: "gpu" as never }), /prefer: expected .*received "gpu"/);
  });
  await assert.rejects(loadBackend("gpu" as never), /backend: expected .*received "gpu"/);
});

test("load: a missing wasm module is reported with the path and how to build it", () => {
  const env = { MESHOS_BACKEND: "wasm", MESHOS_WASM: "/nonexistent/meshos.wasm" };
  for (const run of [runDeno, runBun]) {
    const forced = run(["--allow-read", "--allow-env"], env);
    assert.match(forced.error ?? "", /MESHOS_BACKEND=wasm: .*\/nonexistent\/meshos\.wasm.*ziglang build/);
  }
});

test("load: Bun falls back to wasm when MESHOS_LIB names no library", () => {
  const fallback = runBun([], { MESHOS_LIB: "/nonexistent/libmeshos.so" });
  assert.equal(fallback.name, wasmBuilt ? "wasm" : "js");
  assert.match(fallback.fallbacks[0], /native: no native library at \/nonexistent\/libmeshos\.so/);
  if (nativeBuilt) assert.equal(runBun([]).name, "bun-ffi");
});

test("load: Deno without --allow-ffi falls back to wasm, without read permission to js", () => {
  const noFfi = runDeno(["--allow-read", "--allow-env"]);
  assert.equal(noFfi.name, wasmBuilt ? "wasm" : "js");
  assert.equal(noFfi.got, 42);
  assert.match(noFfi.fallbacks[0], /native: .*needs --allow-ffi/);
  const nothing = runDeno([]);
  assert.equal(nothing.name, "js");
  assert.equal(nothing.got, 42);
  if (nativeBuilt) assert.equal(runDeno(["--allow-read", "--allow-env", "--allow-ffi"]).name, "deno-ffi");
});

test("load: MESHOS_LIB names another library; a bad one falls back, or throws when forced", () => {
  const env = { MESHOS_LIB: "/nonexistent/libmeshos.so" };
  const fallback = runDeno(["--allow-read", "--allow-env", "--allow-ffi"], env);
  assert.equal(fallback.name, wasmBuilt ? "wasm" : "js");
  assert.match(fallback.fallbacks[0], /no native library at \/nonexistent\/libmeshos\.so/);
  const forced = runDeno(["--allow-read", "--allow-env", "--allow-ffi"], { ...env, MESHOS_BACKEND: "native" });
  assert.match(forced.error ?? "", /MESHOS_BACKEND=native: the native backend did not load: no native library/);
});
