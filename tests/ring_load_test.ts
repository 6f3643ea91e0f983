/**
 * Which backend `loadRingBackend` picks: forced by MESHOS_BACKEND, preferred by option, falling
 * back native → wasm → js when something is missing, and saying so (checked in child processes,
 * for permissions and for a loader that has not opened anything yet). The test script builds
 * zig/, so native and wasm are expected to load wherever nothing is taken away on purpose.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtimeName, test } from "./_harness.ts";
import { MeshOsSdkError } from "../src/errors/meshos_sdk_error.ts";
import { ABI_SYMBOLS, ABI_VERSION } from "../src/ffi/_abi.ts";
import { type BackendChoice, loadBackend, loadRingBackend } from "../src/ffi/load.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = fileURLToPath(new URL("../node_modules/.bin/deno", import.meta.url));
const bun = fileURLToPath(new URL("../node_modules/.bin/bun", import.meta.url));
const script = fileURLToPath(new URL("./_print_backend.ts", import.meta.url));
const nativeName = runtimeName === "bun" ? "bun-ffi" : "deno-ffi";
const ALL = ["--allow-read", "--allow-env", "--allow-ffi"];
const MISSING_LIB = "/nonexistent/libmeshos.so";

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

type Reported = { kind: string; detail: string };
type ChildReport = { name?: string; error?: Reported; got?: number; fallbacks: (Reported & { choice: string })[] };

function runChild(argv: string[], env: Record<string, string>): ChildReport {
  const child = spawnSync(argv[0], argv.slice(1), {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env },
    encoding: "utf8",
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!);
}

/** Runs the probe under Deno with only `flags` as permissions; `args` go to the probe. */
function runDeno(flags: string[], env: Record<string, string> = {}, args: string[] = []): ChildReport {
  return runChild([deno, "run", "--quiet", "--no-prompt", ...flags, script, ...args], env);
}

/** Runs the probe under Bun (which has no permissions; `flags` are ignored). */
function runBun(_flags: string[], env: Record<string, string> = {}, args: string[] = []): ChildReport {
  return runChild([bun, script, ...args], env);
}

const RUNNERS = [{ run: runDeno, native: "deno-ffi" }, { run: runBun, native: "bun-ffi" }] as const;

/** Asserts a reported error is `backend_unavailable` with a detail matching `detail`. */
function assertUnavailable(reported: Reported | undefined, detail: RegExp): void {
  assert.ok(reported, "expected an error");
  assert.equal(reported.kind, "backend_unavailable", reported.detail);
  assert.match(reported.detail, detail);
}

test("load: the default order picks native, and loadBackend loads each family", async () => {
  const backend = await withEnv({ MESHOS_BACKEND: undefined }, () => loadRingBackend());
  assert.equal(backend.name, nativeName);
  const names = await Promise.all((["native", "wasm", "js"] as const).map(async (c) => (await loadBackend(c)).name));
  assert.deepEqual(names, [nativeName, "wasm", "js"]);
});

test("load: MESHOS_BACKEND forces each backend", async () => {
  const expected: Record<BackendChoice, string> = { native: nativeName, wasm: "wasm", js: "js" };
  for (const choice of ["native", "wasm", "js"] as const) {
    const backend = await withEnv({ MESHOS_BACKEND: choice }, () => loadRingBackend({ prefer: "js" }));
    assert.equal(backend.name, expected[choice]);
  }
});

test("load: an unknown MESHOS_BACKEND is invalid_config, naming it", async () => {
  await withEnv({ MESHOS_BACKEND: "fast" }, async () => {
    const err = await loadRingBackend().catch((e) => e);
    assert.ok(err instanceof MeshOsSdkError, String(err));
    assert.equal(err.kind, "invalid_config");
    assert.equal(err.detail, 'MESHOS_BACKEND: expected "native", "wasm" or "js", received "fast"');
  });
});

test("load: prefer tries one backend first, then the default order; an unknown name is invalid_argument", async () => {
  await withEnv({ MESHOS_BACKEND: undefined }, async () => {
    assert.equal((await loadRingBackend({ prefer: "js" })).name, "js");
    assert.equal((await loadRingBackend({ prefer: "wasm" })).name, "wasm");
    const prefer = await loadRingBackend({ prefer: "gpu" as never }).catch((e) => e);
    assert.ok(prefer instanceof MeshOsSdkError && prefer.kind === "invalid_argument", String(prefer));
    assert.equal(prefer.detail, 'prefer: expected "native", "wasm" or "js", received "gpu"');
  });
  const backend = await loadBackend("gpu" as never).catch((e) => e);
  assert.ok(backend instanceof MeshOsSdkError && backend.kind === "invalid_argument", String(backend));
  assert.equal(backend.detail, 'backend: expected "native", "wasm" or "js", received "gpu"');
});

test("load: a missing wasm module is backend_unavailable, with the path and how to build it", () => {
  const env = { MESHOS_WASM: "/nonexistent/meshos.wasm" };
  for (const { run } of RUNNERS) {
    const forced = run(["--allow-read", "--allow-env"], { ...env, MESHOS_BACKEND: "wasm" });
    assertUnavailable(
      forced.error,
      /^MESHOS_BACKEND=wasm: the wasm backend is unavailable: cannot read \/nonexistent\/meshos\.wasm .*ziglang build/,
    );
    const asked = run(["--allow-read", "--allow-env"], env, ["wasm"]);
    assertUnavailable(asked.error, /^the wasm backend is unavailable: cannot read \/nonexistent\/meshos\.wasm/);
  }
});

test("load: native asked for with MESHOS_LIB naming no library is backend_unavailable, naming the path", () => {
  for (const { run, native } of RUNNERS) {
    const asked = run(ALL, { MESHOS_LIB: MISSING_LIB }, ["native"]);
    assertUnavailable(
      asked.error,
      new RegExp(`^the native \\(${native}\\) backend is unavailable: no native library at /nonexistent/libmeshos\\.so; ` +
        `expected one there \\(build them with: cd zig && python3 -m ziglang build`),
    );
    const forced = run(ALL, { MESHOS_LIB: MISSING_LIB, MESHOS_BACKEND: "native" });
    assertUnavailable(
      forced.error,
      new RegExp(`^MESHOS_BACKEND=native: the native \\(${native}\\) backend is unavailable: no native library at /nonexistent/`),
    );
  }
});

test("load: the automatic choice falls back to wasm when MESHOS_LIB names no library, and reports why", () => {
  for (const { run, native } of RUNNERS) {
    const fallback = run(ALL, { MESHOS_LIB: MISSING_LIB });
    assert.equal(fallback.name, "wasm");
    assert.equal(fallback.got, 42);
    assert.equal(fallback.fallbacks.length, 1);
    assert.equal(fallback.fallbacks[0].choice, "native");
    assertUnavailable(
      fallback.fallbacks[0],
      new RegExp(`^the native \\(${native}\\) backend is unavailable: no native library at /nonexistent/libmeshos\\.so`),
    );
    assert.equal(run(ALL).name, native, "with the built library the same probe loads native");
    // What the SDK shows: the backend in use, wasm where native did not load.
    assert.equal(run(ALL, { MESHOS_LIB: MISSING_LIB }, ["sdk"]).name, "wasm");
    assert.equal(run(ALL, {}, ["sdk"]).name, native);
  }
});

test("load: the SDK started with MESHOS_BACKEND=native and no library rejects with backend_unavailable", () => {
  for (const { run, native } of RUNNERS) {
    const forced = run(ALL, { MESHOS_LIB: MISSING_LIB, MESHOS_BACKEND: "native" }, ["sdk"]);
    assertUnavailable(
      forced.error,
      new RegExp(`^MESHOS_BACKEND=native: the native \\(${native}\\) backend is unavailable: no native library at /nonexistent/`),
    );
  }
});

test("load: Deno without --allow-ffi falls back to wasm, without read permission to js, saying why", () => {
  const noFfi = runDeno(["--allow-read", "--allow-env"]);
  assert.equal(noFfi.name, "wasm");
  assert.equal(noFfi.got, 42);
  assertUnavailable(noFfi.fallbacks[0], /^the native \(deno-ffi\) backend is unavailable: opening .* needs --allow-ffi/);
  const nothing = runDeno([]);
  assert.equal(nothing.name, "js");
  assert.equal(nothing.got, 42);
  assert.deepEqual(nothing.fallbacks.map((f) => f.choice), ["native", "wasm"]);
  assertUnavailable(nothing.fallbacks[1], /^the wasm backend is unavailable: reading .* needs read permission/);
  assert.equal(runDeno(ALL).name, "deno-ffi");
});

/** Builds, with the Zig the test script installs, a library and a wasm module speaking ABI 999. */
function buildOtherAbi(dir: string): { library: string; module: string } {
  const source = join(dir, "other_abi.zig");
  const exports = Object.keys(ABI_SYMBOLS).map((name) => `export fn ${name}() u32 {\n    return 999;\n}\n`);
  writeFileSync(source, exports.join(""));
  const zig = (args: string[]) => {
    const caches = ["--cache-dir", join(dir, "cache"), "--global-cache-dir", join(dir, "global-cache")];
    const built = spawnSync("python3", ["-m", "ziglang", ...args, "-OReleaseSmall", source, ...caches], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.equal(built.status, 0, built.stderr);
  };
  const library = join(dir, "libother_abi.so");
  const module = join(dir, "other_abi.wasm");
  zig(["build-lib", "-dynamic", `-femit-bin=${library}`]);
  zig(["build-exe", "-target", "wasm32-freestanding", "-fno-entry", "-rdynamic", `-femit-bin=${module}`]);
  return { library, module };
}

test("load: a library or module of another ABI, or a file that is no library, is backend_unavailable", () => {
  assert.notEqual(ABI_VERSION, 999);
  const dir = mkdtempSync(join(tmpdir(), "meshos-abi-"));
  try {
    const { library, module } = buildOtherAbi(dir);
    const notALibrary = join(dir, "other_abi.zig");
    for (const { run, native } of RUNNERS) {
      const lib = run(ALL, { MESHOS_LIB: library }, ["native"]);
      assertUnavailable(
        lib.error,
        new RegExp(`^the native \\(${native}\\) backend is unavailable: ${library} speaks ABI 999; expected ABI ${ABI_VERSION}`),
      );
      const wasm = run(ALL, { MESHOS_WASM: module }, ["wasm"]);
      assertUnavailable(wasm.error, new RegExp(`^the wasm backend is unavailable: ${module} speaks ABI 999; expected ABI ${ABI_VERSION}`));
      const text = run(ALL, { MESHOS_LIB: notALibrary }, ["native"]);
      assertUnavailable(text.error, new RegExp(`^the native \\(${native}\\) backend is unavailable: .*${notALibrary}.* failed`));
      const fallback = run(ALL, { MESHOS_LIB: library, MESHOS_WASM: module });
      assert.equal(fallback.name, "js");
      assert.deepEqual(fallback.fallbacks.map((f) => [f.choice, f.kind]), [
        ["native", "backend_unavailable"],
        ["wasm", "backend_unavailable"],
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
