// The package as a user gets it: `npm pack`, then `bun add <tarball>` in a fresh project (Bun), a
// workspace holding the unpacked tarball (Deno), `npm install <tarball>` with the example
// type-checked under a common strict tsconfig and compiled (Node.js), and `deno publish --dry-run`
// (offline).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import process from "node:process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "./_harness.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bun = join(root, "node_modules/.bin/bun");
const deno = join(root, "node_modules/.bin/deno");
const tsc = join(root, "node_modules/.bin/tsc");
mkdirSync(join(root, ".tmp"), { recursive: true });
const expected = 'consumer: daemon 0xc162c80da6be3de4 answered "ping" as output #1';

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: process.env });
}

function packInto(dir: string): string {
  run("npm", ["pack", "--silent", "--pack-destination", dir], root);
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  assert.ok(tarball, "npm pack wrote no tarball");
  return join(dir, tarball);
}

test("consumer: npm pack → bun add → an example importing @meshos/sdk runs under Bun", () => {
  const dir = mkdtempSync(join(root, ".tmp", "consumer-bun-"));
  try {
    const tarball = packInto(dir);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    run(bun, ["add", tarball], dir);
    copyFileSync(join(root, "examples/consumer.ts"), join(dir, "main.ts"));
    assert.equal(run(bun, ["main.ts"], dir).trim(), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("consumer: the unpacked tarball as a Deno workspace member runs the same example", () => {
  const dir = mkdtempSync(join(root, ".tmp", "consumer-deno-"));
  try {
    const tarball = packInto(dir);
    mkdirSync(join(dir, "vendor"));
    mkdirSync(join(dir, "app"));
    run("tar", ["xzf", tarball, "-C", join(dir, "vendor")], dir);
    renameSync(join(dir, "vendor/package"), join(dir, "vendor/meshos-sdk"));
    rmSync(join(dir, "vendor/meshos-sdk/package.json"));
    writeFileSync(join(dir, "deno.json"), JSON.stringify({ workspace: ["./vendor/meshos-sdk", "./app"], nodeModulesDir: "auto" }));
    writeFileSync(join(dir, "app/deno.json"), JSON.stringify({ name: "@consumer/app", version: "0.0.0", exports: "./main.ts" }));
    copyFileSync(join(root, "examples/consumer.ts"), join(dir, "app/main.ts"));
    assert.equal(run(deno, ["run", "--allow-all", "app/main.ts"], dir).trim(), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("consumer: npm pack → npm install → the example, type-checked strictly and compiled, runs under Node.js on wasm; so does the meshos command", () => {
  const dir = mkdtempSync(join(root, ".tmp", "consumer-node-"));
  try {
    const tarball = packInto(dir);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    run("npm", ["install", "--silent", "--no-audit", "--no-fund", tarball], dir);
    copyFileSync(join(root, "examples/consumer.ts"), join(dir, "main.ts"));
    // What @tsconfig/node20 sets, with the library declarations checked too (no skipLibCheck).
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        lib: ["es2023"],
        module: "node16",
        moduleResolution: "node16",
        target: "es2022",
        strict: true,
        esModuleInterop: true,
        skipLibCheck: false,
        outDir: "out",
        typeRoots: [join(root, "node_modules/@types")],
        types: ["node"],
      },
      files: ["main.ts"],
    }));
    run(tsc, ["-p", "."], dir);
    const result = spawnSync("node", ["out/main.js"], { cwd: dir, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), expected);
    assert.match(result.stderr, /^\[meshos\] using the wasm ring backend: the native backend is unavailable: this runtime has no FFI/m);
    const meshos = join(dir, "node_modules/.bin/meshos");
    assert.equal(run("node", [meshos, "--version"], dir).trim(), "meshos 0.1.0");
    const bench = run("node", [meshos, "bench", "--records", "25600"], dir);
    assert.match(bench, /^native\s+unavailable: the native backend is unavailable: this runtime has no FFI/m);
    assert.match(bench, /^wasm\s+\d+\.\d\s+\d+\.\d M\/s/m);
    assert.match(run("node", [meshos, "demo"], dir), /^\[demo\] Node\.js: node 0x0000000000000042 started, ring backend "wasm"$/m);
    // The inspector serves on node:http: the snapshot, and the event stream's first update.
    writeFileSync(join(dir, "inspect.mjs"), [
      'import { MeshOsDaemonSdk } from "@meshos/sdk";',
      "const sdk = await MeshOsDaemonSdk.start({}, { backendNotice: false });",
      "const inspector = await sdk.inspect({ port: 0 });",
      'const snapshot = await fetch(new URL("/snapshot.json", inspector.url)).then((r) => r.json());',
      'const events = await fetch(new URL("/events", inspector.url));',
      "const reader = events.body.getReader();",
      'let streamed = "";',
      "for (let i = 0; i < 50 && !streamed.includes('\"snapshot\"'); i++) streamed += new TextDecoder().decode((await reader.read()).value);",
      'console.log(snapshot.backend, events.headers.get("content-type"), streamed.includes(\'"snapshot"\'));',
      "await sdk.shutdown();",
      "process.exit(0);",
    ].join("\n"));
    assert.equal(run("node", ["inspect.mjs"], dir).trim(), "wasm text/event-stream; charset=utf-8 true");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("consumer: deno publish --dry-run accepts the package", () => {
  const result = spawnSync(deno, ["publish", "--dry-run", "--allow-dirty", "--allow-slow-types"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /Dry run complete/);
  assert.match(result.stderr, /mod\.ts/);
  // The wasm module and every platform's prebuilt library ship too.
  assert.match(result.stderr, /zig\/zig-out\/bin\/meshos\.wasm/);
  for (const library of ["linux-x64/libmeshos.so", "linux-arm64/libmeshos.so", "darwin-arm64/libmeshos.dylib", "darwin-x64/libmeshos.dylib", "win32-x64/meshos.dll"]) {
    assert.match(result.stderr, new RegExp(`zig/zig-out/platforms/${library.replace(".", "\\.")}`));
  }
});
