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
  assert.equal((await slow.next()).value?.sequence, 1n);
  stream.push(event(2));
  assert.equal((await fast.next()).value?.sequence, 2n);
  stream.push(event(3)); // evicts 1, which both readers had: not a drop
  assert.equal(stream.dropped, 0);
  stream.push(event(4)); // evicts 2 before `slow` read it: a drop
  stream.end();
  assert.deepEqual(await drain(slow), [3, 4]);
  assert.deepEqual(await drain(fast), [3, 4]);
  assert.equal(stream.dropped, 1);
});

test("a reader that keeps up loses nothing, so nothing is counted dropped (issue 14, item 10)", async () => {
  const stream = new OutputStream(4);
  const reader = stream.read();
  const got: number[] = [];
  for (let n = 1; n <= 100; n++) {
    stream.push(event(n));
    got.push(Number((await reader.next()).value?.sequence));
  }
  assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => i + 1));
  assert.equal(stream.dropped, 0);
  await reader.return(undefined); // the reader leaves: from now on evictions reach nobody
  for (let n = 101; n <= 105; n++) stream.push(event(n));
  assert.equal(stream.dropped, 5);
});
