// The output buffer: late readers see what is kept, eviction is counted, readers end with the stream.
import assert from "node:assert/strict";
import { OutputStream } from "../src/runtime/output_stream.ts";
import type { CausalEvent } from "../mod.ts";
import { test } from "./_harness.ts";

function event(n: number): CausalEvent {
  return { originHash: 1n, sequence: BigInt(n), parentHash: 0n, horizonEncoded: 0n, payload: new Uint8Array([n]) };
}

async function drain(stream: AsyncGenerator<CausalEvent>): Promise<number[]> {
  const seen: number[] = [];
  for await (const e of stream) seen.push(Number(e.sequence));
  return seen;
}

test("a full buffer evicts the oldest and counts it; a late reader starts at the oldest kept", async () => {
  const stream = new OutputStream(3);
  for (let n = 1; n <= 5; n++) stream.push(event(n));
  assert.equal(stream.dropped, 2);
  const late = drain(stream.read());
  stream.push(event(6));
  stream.end();
  assert.deepEqual(await late, [3, 4, 5, 6]);
});

test("a slow reader skips what was evicted meanwhile, and every reader sees the same order", async () => {
  const stream = new OutputStream(2);
  const fast = stream.read();
  const slow = stream.read();
  stream.push(event(1));
  assert.equal((await fast.next()).value?.sequence, 1n);
  stream.push(event(2));
  stream.push(event(3)); // evicts 1 before `slow` read it
  stream.end();
  assert.deepEqual(await drain(slow), [2, 3]);
  assert.deepEqual(await drain(fast), [2, 3]);
  assert.equal(stream.dropped, 1);
});
