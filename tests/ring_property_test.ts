/**
 * Property tests: any sequence of pushes, batches and pops on any backend gives what a plain array
 * model of the ring gives (same accepted prefix, same records out, same depth), and any sequence
 * of log appends gives what an array model of the log ring gives.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "./_harness.ts";
import { assertEveryBackendLoaded, backends } from "./_ring_backends.ts";
import { FrameBuilder } from "../src/ffi/frame_builder.ts";
import type { RingBackend } from "../src/ffi/ring_backend.ts";

type Op =
  | { kind: "push"; length: number; type: number }
  | { kind: "batch"; lengths: number[]; type: number }
  | { kind: "frames"; lengths: number[]; type: number }
  | { kind: "pop"; max: number }
  | { kind: "popInPlace"; max: number };

interface ModelRecord {
  payload: number[];
  type: number;
  end: number; // byte position after the record
}

/** The ring as byte positions and an array: exact about padding at the wrap, nothing else. */
class RingModel {
  readonly records: ModelRecord[] = [];
  #head = 0;
  #tail = 0;
  constructor(readonly capacity: number) {}

  push(payload: number[], type: number): boolean {
    const size = (8 + payload.length + 7) & ~7;
    const toEnd = this.capacity - (this.#tail % this.capacity);
    const span = size <= toEnd ? size : toEnd + size;
    if (this.#tail - this.#head + span > this.capacity) return false;
    this.#tail += span;
    this.records.push({ payload, type, end: this.#tail });
    return true;
  }

  pop(max: number): { payload: number[]; type: number }[] {
    const out = this.records.splice(0, max);
    if (out.length > 0) this.#head = out[out.length - 1].end;
    return out.map(({ payload, type }) => ({ payload, type }));
  }
}

let counter = 0;
function payloadOf(length: number): number[] {
  counter = (counter + 1) & 0xff;
  return Array.from({ length }, (_, i) => (counter + i * 13) & 0xff);
}

/** The payloads as one buffer in ring format (a fresh builder each time: sizes vary). */
function framesOf(payloads: number[][], type: number): Uint8Array {
  const builder = new FrameBuilder(8 + payloads.reduce((sum, p) => sum + ((p.length + 15) & ~7), 0));
  for (const payload of payloads) assert.equal(builder.add(Uint8Array.from(payload), type), true);
  return builder.frames;
}

function opArbitrary(maxPayload: number): fc.Arbitrary<Op> {
  const length = fc.oneof(
    fc.integer({ min: 0, max: 16 }),
    fc.integer({ min: 0, max: maxPayload }),
    fc.constant(maxPayload),
  );
  const type = fc.integer({ min: 0, max: 0x7fff_ffff });
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("push" as const), length, type }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("batch" as const), lengths: fc.array(length, { maxLength: 12 }), type }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("frames" as const), lengths: fc.array(length, { maxLength: 12 }), type }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("pop" as const), max: fc.integer({ min: 0, max: 10 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("popInPlace" as const), max: fc.integer({ min: 0, max: 10 }) }),
    },
  );
}

function runRing(backend: RingBackend, producers: "single" | "multi", capacity: number, ops: Op[]): void {
  const ring = backend.createRing({ capacityBytes: capacity, producers });
  const model = new RingModel(capacity);
  try {
    for (const op of ops) {
      if (op.kind === "push") {
        const payload = payloadOf(op.length);
        assert.equal(ring.tryPush(Uint8Array.from(payload), op.type), model.push(payload, op.type), "tryPush");
      } else if (op.kind === "batch" || op.kind === "frames") {
        const payloads = op.lengths.map(payloadOf);
        let expected = 0;
        while (expected < payloads.length && model.push(payloads[expected], op.type)) expected++;
        const pushed = op.kind === "batch"
          ? ring.pushBatch(payloads.map((p) => Uint8Array.from(p)), op.type)
          : ring.pushFrames(framesOf(payloads, op.type));
        assert.equal(pushed, expected, op.kind);
      } else {
        const got: { payload: number[]; type: number }[] = [];
        const count = op.kind === "pop"
          ? ring.popBatch(op.max, (payload, type) => got.push({ payload: [...payload], type }))
          : ring.popBatchInPlace(op.max, (bytes, offset, length, type) => {
            got.push({ payload: [...bytes.subarray(offset, offset + length)], type });
          });
        assert.deepEqual(got, model.pop(op.max), op.kind);
        assert.equal(count, got.length);
      }
      assert.equal(ring.depth(), model.records.length, "depth");
    }
    // Drain: everything the model holds comes out, in order.
    const rest: { payload: number[]; type: number }[] = [];
    ring.popBatch(1 << 20, (payload, type) => rest.push({ payload: [...payload], type }));
    assert.deepEqual(rest, model.pop(1 << 20));
  } finally {
    ring.close();
  }
}

test("ring property: native, wasm and js all load (the test script builds zig/)", assertEveryBackendLoaded);

for (const backend of backends) {
  for (const producers of ["single", "multi"] as const) {
    test(`ring property [${backend.name} ${producers}]: any op sequence matches the array model`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom(64, 128, 256, 1024).chain((capacity) =>
            fc.tuple(fc.constant(capacity), fc.array(opArbitrary(capacity / 2 - 8), { maxLength: 80 }))
          ),
          ([capacity, ops]) => runRing(backend, producers, capacity, ops),
        ),
        { numRuns: 150 },
      );
    });
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The kept text of a message: its UTF-8 cut to `max` bytes at a code point boundary. */
function keptText(message: string, max: number): { text: string; cut: boolean } {
  const bytes = encoder.encode(message);
  if (bytes.length <= max) return { text: decoder.decode(bytes), cut: false };
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return { text: decoder.decode(bytes.subarray(0, end)), cut: true };
}

for (const backend of backends) {
  test(`log ring property [${backend.name}]: keeps the newest N, counts drops and cuts`, () => {
    const append = fc.record({
      level: fc.integer({ min: 0, max: 4 }),
      daemonId: fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { nil: null }),
      tsMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      message: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({ unit: "grapheme", maxLength: 20 }),
        fc.string({ unit: "binary", maxLength: 20 }),
      ),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 24 }),
        fc.array(append, { maxLength: 40 }),
        (capacityRecords, maxMessageBytes, appends) => {
          const log = backend.createLogRing({ capacityRecords, maxMessageBytes });
          try {
            let truncated = 0n;
            const expected = appends.map((a, i) => {
              const kept = keptText(a.message, maxMessageBytes);
              if (kept.cut) truncated++;
              assert.equal(log.append(a.level, a.daemonId, a.tsMs, a.message), BigInt(i + 1));
              return { seq: BigInt(i + 1), tsMs: a.tsMs, level: a.level, daemonId: a.daemonId, message: kept.text };
            });
            assert.deepEqual(log.records(), expected.slice(Math.max(0, expected.length - capacityRecords)));
            assert.equal(log.dropped(), BigInt(Math.max(0, appends.length - capacityRecords)));
            assert.equal(log.truncated(), truncated);
          } finally {
            log.close();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
}
