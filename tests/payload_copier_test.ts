// Payloads handed to process() are copies: later writes to the ring slot never show through.
import assert from "node:assert/strict";
import { payloadCopier } from "../src/runtime/payload_copier.ts";
import { test } from "./_harness.ts";

test("copies survive the source being overwritten, across chunk boundaries and for large payloads", () => {
  const copy = payloadCopier();
  const source = new Uint8Array(20_000);
  const kept: { bytes: Uint8Array; fill: number }[] = [];
  for (let i = 0; i < 200; i++) {
    const length = i % 50 === 0 ? 17_000 : (i * 37) % 700; // some larger than a quarter chunk
    source.fill(i & 0xff, 3, 3 + length);
    kept.push({ bytes: copy(source, 3, length), fill: i & 0xff });
  }
  source.fill(0xee);
  for (const { bytes, fill } of kept) {
    assert.ok(bytes.every((b) => b === fill), `a copy of ${bytes.length} bytes changed`);
  }
  const lengths = kept.map((k) => k.bytes.length);
  assert.deepEqual(lengths.slice(0, 3), [17_000, 37, 74]);
});
