// Fuzzing the ring backends and the C ABI (issue 14, "done when"): random call sequences in a
// child process (tests/_fixtures/ring_fuzz.ts) — lying lengths, detached buffers, closes, stale
// and random handles included — must leave the process alive, every result as the model FIFO
// says, and every C ABI answer a known status. Two fixed seeds and one fresh one per run (named
// in a failure, to replay it with `<runtime> tests/_fixtures/ring_fuzz.ts <seed> <steps>`).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtimeName, test } from "./_harness.ts";

const script = fileURLToPath(new URL("./_fixtures/ring_fuzz.ts", import.meta.url));
const STEPS = 5_000;

for (const seed of [1, 0x5eed, 1 + Math.floor(Math.random() * 2 ** 30)]) {
  test(`fuzz: ${STEPS} random steps per backend and on the C ABI survive and match the model (seed ${seed})`, () => {
    const args = runtimeName === "bun" ? [script, String(seed), String(STEPS)] : ["run", "--allow-all", script, String(seed), String(STEPS)];
    const child = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 120_000 });
    const lines = child.stdout.trim().split("\n");
    assert.equal(child.signal, null, `seed ${seed}: the process died of ${child.signal} after "${lines.at(-1)}"\n${child.stderr}`);
    assert.equal(child.status, 0, `seed ${seed}: ${child.stderr}`);
    const summary = JSON.parse(lines.at(-1)!) as { backends: string[]; abiCalls: number; problems: string[] };
    assert.deepEqual(summary.problems, [], `seed ${seed}`);
    assert.equal(summary.backends.length, 3);
    assert.equal(summary.abiCalls, STEPS);
  });
}
