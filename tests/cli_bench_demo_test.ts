// `meshos bench` and `meshos demo` (issue 13 item 4): the queue core measured here — every ring
// backend this runtime loads against a plain array, in process or as whole programs under
// hyperfine — and the demo run from the command, each as a user runs it. (Node.js runs both in
// tests/consumer_test.ts, from the installed package.)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runBenchCommand } from "../src/viz/bench_command.ts";
import type { CommandIo } from "../src/viz/viz_command.ts";
import { runtimeName, test } from "./_harness.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const native = runtimeName === "bun" ? "bun-ffi" : "deno-ffi";

function capture(): CommandIo & { out: string; err: string } {
  const io = { cwd: root, out: "", err: "", stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

/** `<this runtime> bin/meshos.ts <args>`, as a user runs it. */
function meshos(args: string[]) {
  const all = runtimeName === "bun" ? ["bin/meshos.ts", ...args] : ["run", "--allow-all", "bin/meshos.ts", ...args];
  return spawnSync(process.execPath, all, { cwd: root, encoding: "utf8", timeout: 120_000 });
}

test("cli: meshos bench measures every backend this runtime loads, and a plain array, in ns per record", async () => {
  const io = capture();
  assert.equal(await runBenchCommand(["--records", "25600"], io), 0, io.err);
  const [title, columns, ...rows] = io.out.trimEnd().split("\n");
  assert.match(title, /^meshos bench: 25600 records of 32 B in batches of 256, (bun|deno) \S+$/);
  assert.match(columns, /^backend\s+ns\/record\s+records\/s\s+array ÷ this$/);
  assert.deepEqual(rows.map((row) => row.split(/\s+/)[0]), [native, "wasm", "js", "array"]);
  for (const row of rows) assert.match(row, /^\S+\s+\d+\.\d\s+\d+\.\d M\/s\s+\d+\.\d\d×$/);
  assert.match(rows[3], /\s1\.00×$/);
});

test("cli: meshos bench refuses bad arguments with exit 2, naming the argument", async () => {
  for (const [args, detail] of [
    [["--records", "10"], '--records: received "10", expected a whole number of records ≥ 256'],
    [["--records"], "--records: received undefined, expected a whole number of records ≥ 256"],
    [["--fast"], 'argument: received "--fast", expected --records <n>, --hyperfine or --help'],
    [["--one", "gpu"], '--one: received "gpu", expected native, wasm, js, array'],
  ] as const) {
    const io = capture();
    assert.equal(await runBenchCommand(args, io), 2);
    assert.ok(io.err.startsWith(`meshos bench: ${detail}\n\nUsage: meshos bench`), io.err);
  }
});

test("cli: meshos bench --hyperfine runs every backend as a whole program in one hyperfine call", () => {
  const result = meshos(["bench", "--hyperfine", "--records", "2560"]);
  assert.equal(result.status, 0, result.stderr);
  for (const choice of ["native", "wasm", "js", "array"]) {
    assert.match(result.stdout, new RegExp(`Benchmark \\d+: .*bin/meshos\\.ts bench --one ${choice} --records 2560`));
  }
  assert.match(result.stdout, /Summary/);
});

test("cli: meshos demo runs the demo to its end; an unknown command names demo and bench", () => {
  const demo = meshos(["demo"]);
  assert.equal(demo.status, 0, demo.stderr);
  assert.match(demo.stdout, /^\[demo\] (Bun|Deno): node 0x0000000000000042 started, ring backend "(bun|deno)-ffi"$/m);
  assert.match(demo.stdout, /^\[demo\] controls seen by onControl\(\): BackpressureOn, BackpressureOff, DrainStart, DrainFinish, Shutdown$/m);
  const unknown = meshos(["fly"]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^meshos: command: received "fly", expected viz, inspect, demo, bench or --version/);
});

test("cli: deno task meshos runs the command in the repository", () => {
  const result = spawnSync(`${root}node_modules/.bin/deno`, ["task", "meshos", "--version"], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, "meshos 0.1.0\n");
});
