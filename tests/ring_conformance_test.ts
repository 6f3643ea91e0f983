/**
 * One behaviour, four implementations: every test here runs against each ring backend (bun-ffi
 * or deno-ffi, wasm, js); the first test fails when one of them does not load.
 */

import assert from "node:assert/strict";
import { test } from "./_harness.ts";
import { assertEveryBackendLoaded, backends } from "./_ring_backends.ts";
import { MeshOsSdkError } from "../src/errors/meshos_sdk_error.ts";
import { type AbiRingBackend, ringHandle } from "../src/ffi/_abi_rings.ts";
import { FrameBuilder } from "../src/ffi/frame_builder.ts";
import type { RecordRing, RingBackend } from "../src/ffi/ring_backend.ts";

const PRODUCERS = ["single", "multi"] as const;

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed * 31 + i * 7) & 0xff;
  return out;
}

function popAll(ring: RecordRing, max = 1 << 20): { payload: number[]; type: number }[] {
  const out: { payload: number[]; type: number }[] = [];
  ring.popBatch(max, (payload, type) => out.push({ payload: [...payload], type }));
  return out;
}

function assertKind(fn: () => unknown, kind: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MeshOsSdkError, `expected MeshOsSdkError(${kind}), got ${err}`);
    assert.equal(err.kind, kind, err.message);
    assert.match(err.detail, pattern);
    return true;
  });
}

function assertInvalid(fn: () => unknown, pattern: RegExp): void {
  assertKind(fn, "invalid_argument", pattern);
}

/** A closed ring is `loop_closed`, naming the method and the backend. */
function assertClosed(fn: () => unknown, kind: "RecordRing" | "LogRing", method: string, backend: RingBackend): void {
  assertKind(fn, "loop_closed", new RegExp(`^${kind}\\.${method}: the ${backend.name} ring is closed; expected a ring that is still open$`));
}

test("ring conformance: native, wasm and js all load (the test script builds zig/)", assertEveryBackendLoaded);

function ringTest(name: string, body: (backend: RingBackend, producers: "single" | "multi") => void): void {
  for (const backend of backends) {
    for (const producers of PRODUCERS) {
      test(`ring conformance [${backend.name} ${producers}]: ${name}`, () => body(backend, producers));
    }
  }
}

function backendTest(name: string, body: (backend: RingBackend) => void): void {
  for (const backend of backends) test(`ring conformance [${backend.name}]: ${name}`, () => body(backend));
}

ringTest("records come out in order with payload and type intact", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 4096, producers });
  assert.equal(ring.capacityBytes, 4096);
  assert.equal(ring.maxPayloadBytes, 2040);
  for (let i = 0; i < 20; i++) assert.equal(ring.tryPush(bytes(i * 3, i), i), true);
  assert.equal(ring.depth(), 20);
  const out = popAll(ring);
  assert.equal(out.length, 20);
  out.forEach((rec, i) => assert.deepEqual(rec, { payload: [...bytes(i * 3, i)], type: i }));
  assert.equal(ring.depth(), 0);
  assert.equal(ring.popBatch(10, () => assert.fail("empty ring visited")), 0);
  ring.close();
});

ringTest("type defaults to 0 and the largest type survives", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 256, producers });
  ring.tryPush(new Uint8Array([9]));
  ring.tryPush(new Uint8Array([8]), 0x7fff_ffff);
  assert.deepEqual(popAll(ring), [{ payload: [9], type: 0 }, { payload: [8], type: 0x7fff_ffff }]);
  ring.close();
});

ringTest("a full ring refuses without writing, then accepts after a pop", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 64, producers });
  // 24-byte payload → 32-byte record: two fill the 64-byte ring exactly.
  assert.equal(ring.tryPush(bytes(24, 1), 1), true);
  assert.equal(ring.tryPush(bytes(24, 2), 2), true);
  assert.equal(ring.tryPush(new Uint8Array(0), 3), false);
  assert.equal(ring.depth(), 2);
  assert.equal(ring.popBatch(1, (p, t) => assert.deepEqual([[...p], t], [[...bytes(24, 1)], 1])), 1);
  assert.equal(ring.tryPush(bytes(24, 3), 3), true);
  assert.deepEqual(popAll(ring).map((r) => r.type), [2, 3]);
  ring.close();
});

ringTest("records that straddle the end wrap behind a padding record", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 64, producers });
  const seen: number[] = [];
  for (let round = 0; round < 200; round++) {
    const length = (round * 7) % (ring.maxPayloadBytes + 1);
    assert.equal(ring.tryPush(bytes(length, round), round), true, `round ${round}`);
    assert.equal(
      ring.popBatch(1, (payload, type) => {
        assert.deepEqual([...payload], [...bytes(length, round)]);
        seen.push(type);
      }),
      1,
    );
  }
  assert.equal(seen.length, 200);
  assert.equal(ring.depth(), 0);
  ring.close();
});

ringTest("an empty ring accepts a maximal payload at every offset", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 128, producers });
  for (let offset = 0; offset < 16; offset++) {
    assert.equal(ring.tryPush(bytes(ring.maxPayloadBytes, offset), offset), true, `offset ${offset}`);
    assert.deepEqual(popAll(ring), [{ payload: [...bytes(ring.maxPayloadBytes, offset)], type: offset }]);
    assert.equal(ring.tryPush(new Uint8Array(offset % 3), 0), true); // shift the next start by 8 or 16
    popAll(ring);
  }
  ring.close();
});

ringTest("pushBatch accepts the prefix that fits and keeps order", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 256, producers });
  const payloads = Array.from({ length: 20 }, (_, i) => bytes(8, i)); // 16-byte records
  assert.equal(ring.pushBatch(payloads, 5), 16);
  assert.equal(ring.depth(), 16);
  assert.equal(ring.pushBatch(payloads, 5), 0);
  const out = popAll(ring);
  assert.deepEqual(out.map((r) => r.payload), payloads.slice(0, 16).map((p) => [...p]));
  assert.ok(out.every((r) => r.type === 5));
  assert.equal(ring.pushBatch([]), 0);
  ring.close();
});

ringTest("pushBatch across the wrap, then popBatch in slices", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 256, producers });
  ring.tryPush(bytes(100, 0));
  popAll(ring); // start near the middle so the batch wraps
  const payloads = Array.from({ length: 9 }, (_, i) => bytes(3 + i * 2, i + 1));
  assert.equal(ring.pushBatch(payloads, 2), 9);
  const got: number[][] = [];
  while (ring.depth() > 0) assert.ok(ring.popBatch(4, (p) => got.push([...p])) <= 4);
  assert.deepEqual(got, payloads.map((p) => [...p]));
  ring.close();
});

ringTest("a visitor that throws has consumed its record; the rest stay queued", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 256, producers });
  for (let i = 0; i < 4; i++) ring.tryPush(new Uint8Array([i]), i);
  let calls = 0;
  assert.throws(() =>
    ring.popBatch(10, (_p, type) => {
      calls++;
      if (type === 1) throw new Error("visitor failed");
    }), /visitor failed/);
  assert.equal(calls, 2);
  assert.equal(ring.depth(), 2);
  assert.deepEqual(popAll(ring).map((r) => r.type), [2, 3]);
  ring.close();
});

ringTest("bad arguments throw invalid_argument naming the value", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 64, producers });
  assertInvalid(() => ring.tryPush(new Uint8Array(25)), /at most 24 bytes.*received 25/);
  assertInvalid(() => ring.tryPush("x" as never), /expected a Uint8Array, received "x"/);
  assertInvalid(() => ring.tryPush(new Uint8Array(1), -1), /type: expected an integer.*received -1/);
  assertInvalid(() => ring.tryPush(new Uint8Array(1), 2 ** 31), /received 2147483648/);
  assertInvalid(() => ring.tryPush(new Uint8Array(1), 1.5), /received 1.5/);
  assertInvalid(() => ring.pushBatch([new Uint8Array(1), new Uint8Array(99)]), /payloads\[1\].*received 99/);
  assert.equal(ring.depth(), 0, "a rejected batch writes nothing");
  assertInvalid(() => ring.popBatch(-1, () => {}), /maxRecords.*received -1/);
  assertInvalid(() => ring.popBatch(1, null as never), /visit: expected a function/);
  ring.close();
});

backendTest("bad ring options throw invalid_argument", (backend) => {
  for (const capacityBytes of [0, 32, 100, 2 ** 31, 1.5, NaN]) {
    assertInvalid(
      () => backend.createRing({ capacityBytes, producers: "single" }),
      /capacityBytes: expected a power of two/,
    );
  }
  assertInvalid(
    () => backend.createRing({ capacityBytes: 64, producers: "many" as never }),
    /producers.*received "many"/,
  );
  assertInvalid(() => backend.createLogRing({ capacityRecords: 0, maxMessageBytes: 8 }), /capacityRecords.*received 0/);
  assertInvalid(() => backend.createLogRing({ capacityRecords: 8, maxMessageBytes: 0 }), /maxMessageBytes.*received 0/);
  assertInvalid(
    () => backend.createLogRing({ capacityRecords: 1 << 20, maxMessageBytes: 1 << 16 }),
    /log ring size/,
  );
});

ringTest("close is idempotent and later calls throw", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 64, producers });
  ring.close();
  ring.close();
  assertClosed(() => ring.tryPush(new Uint8Array(1)), "RecordRing", "tryPush", backend);
  assertClosed(() => ring.pushBatch([new Uint8Array(1)]), "RecordRing", "pushBatch", backend);
  assertClosed(() => ring.popBatch(1, () => {}), "RecordRing", "popBatch", backend);
  assertClosed(() => ring.depth(), "RecordRing", "depth", backend);
});

ringTest("the payload view is the record's bytes only during the visit", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 64, producers });
  ring.tryPush(new Uint8Array([1, 2, 3]));
  let copy: Uint8Array | undefined;
  ring.popBatch(1, (payload) => {
    assert.equal(payload.length, 3);
    copy = payload.slice();
  });
  for (let i = 0; i < 10; i++) {
    ring.tryPush(bytes(20, i));
    popAll(ring);
  }
  assert.deepEqual([...copy!], [1, 2, 3]);
  ring.close();
});

backendTest("many rings live side by side", (backend) => {
  const rings = Array.from(
    { length: 40 },
    (_, i) => backend.createRing({ capacityBytes: 64 << (i % 4), producers: i % 2 ? "multi" : "single" }),
  );
  rings.forEach((ring, i) => ring.tryPush(new Uint8Array([i]), i));
  rings.forEach((ring, i) => assert.deepEqual(popAll(ring), [{ payload: [i], type: i }]));
  for (const ring of rings) ring.close();
});

backendTest("log ring stamps seq from 1 and keeps the newest records", (backend) => {
  const log = backend.createLogRing({ capacityRecords: 3, maxMessageBytes: 64 });
  assert.equal(log.capacityRecords, 3);
  assert.deepEqual(log.records(), []);
  const seqs = ["a", "b", "c", "d", "e"].map((m, i) => log.append(i % 5, i % 2 ? BigInt(i) : null, 1000 + i, m));
  assert.deepEqual(seqs, [1n, 2n, 3n, 4n, 5n]);
  assert.deepEqual(log.records(), [
    { seq: 3n, tsMs: 1002, level: 2, daemonId: null, message: "c" },
    { seq: 4n, tsMs: 1003, level: 3, daemonId: 3n, message: "d" },
    { seq: 5n, tsMs: 1004, level: 4, daemonId: null, message: "e" },
  ]);
  assert.equal(log.dropped(), 2n);
  assert.equal(log.truncated(), 0n);
  log.close();
  log.close();
  assertClosed(() => log.append(0, null, 0, "x"), "LogRing", "append", backend);
  assertClosed(() => log.records(), "LogRing", "records", backend);
});

backendTest("log ring keeps full 64-bit daemon ids and large timestamps", (backend) => {
  const log = backend.createLogRing({ capacityRecords: 4, maxMessageBytes: 16 });
  log.append(1, 0xffff_ffff_ffff_ffffn, Number.MAX_SAFE_INTEGER, "");
  log.append(0, 0n, 0, "zero");
  assert.deepEqual(log.records(), [
    { seq: 1n, tsMs: Number.MAX_SAFE_INTEGER, level: 1, daemonId: 0xffff_ffff_ffff_ffffn, message: "" },
    { seq: 2n, tsMs: 0, level: 0, daemonId: 0n, message: "zero" },
  ]);
  log.close();
});

backendTest("log ring cuts long messages at a UTF-8 boundary and counts the cuts", (backend) => {
  const log = backend.createLogRing({ capacityRecords: 8, maxMessageBytes: 8 });
  log.append(2, null, 1, "12345678"); // fits exactly
  log.append(2, null, 1, "123456789"); // cut to 8 bytes
  log.append(2, null, 1, "1234567é"); // é is 2 bytes: 9 bytes, cut before it
  log.append(2, null, 1, "€€€"); // 9 bytes: cut to two euros
  log.append(2, null, 1, "a😀😀"); // 9 bytes: a + one emoji
  log.append(2, null, 1, "\ud800x"); // lone surrogate becomes U+FFFD
  assert.deepEqual(log.records().map((r) => r.message), ["12345678", "12345678", "1234567", "€€", "a😀", "\ufffdx"]);
  assert.equal(log.truncated(), 4n);
  assert.equal(log.dropped(), 0n);
  log.close();
});

backendTest("log ring rejects bad appends without stamping", (backend) => {
  const log = backend.createLogRing({ capacityRecords: 2, maxMessageBytes: 8 });
  assertInvalid(() => log.append(5, null, 0, "x"), /level.*received 5/);
  assertInvalid(() => log.append(0, -1n, 0, "x"), /daemonId.*received -1n/);
  assertInvalid(() => log.append(0, 2n ** 64n, 0, "x"), /daemonId/);
  assertInvalid(() => log.append(0, 1 as never, 0, "x"), /daemonId/);
  assertInvalid(() => log.append(0, null, -1, "x"), /tsMs.*received -1/);
  assertInvalid(() => log.append(0, null, 1.5, "x"), /tsMs/);
  assertInvalid(() => log.append(0, null, 0, 7 as never), /message: expected a string/);
  assert.equal(log.append(0, null, 0, "ok"), 1n);
  log.close();
});

backendTest("log ring with the default capacity drops exactly the overflow", (backend) => {
  const log = backend.createLogRing({ capacityRecords: 2048, maxMessageBytes: 32 });
  for (let i = 0; i < 5000; i++) log.append(i % 5, BigInt(i), i, `line ${i}`);
  const records = log.records();
  assert.equal(records.length, 2048);
  assert.equal(records[0].seq, 5000n - 2047n);
  assert.equal(records[2047].message, "line 4999");
  assert.equal(log.dropped(), 5000n - 2048n);
  log.close();
});

ringTest("payloads that are views into larger buffers are copied from their own bytes", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 1024, producers });
  const big = bytes(300, 9);
  assert.equal(ring.tryPush(big.subarray(17, 40), 1), true);
  assert.equal(ring.pushBatch([big.subarray(100, 101), big.subarray(250, 300), big.subarray(5, 5)], 2), 3);
  assert.deepEqual(popAll(ring).map((r) => r.payload), [
    [...big.subarray(17, 40)],
    [...big.subarray(100, 101)],
    [...big.subarray(250, 300)],
    [],
  ]);
  ring.close();
});

ringTest("a batch longer than one library call's chunk keeps every record in order", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 1 << 16, producers });
  const payloads = Array.from({ length: 3000 }, (_, i) => bytes(i % 13, i));
  assert.equal(ring.pushBatch(payloads, 3), 3000);
  assert.equal(ring.depth(), 3000);
  let i = 0;
  while (ring.depth() > 0) {
    ring.popBatch(700, (payload, type) => {
      assert.equal(type, 3);
      assert.deepEqual([...payload], [...payloads[i++]]);
    });
  }
  assert.equal(i, 3000);
  // A batch that overflows the ring stops at the prefix that fits.
  const large = Array.from({ length: 5000 }, () => new Uint8Array(8)); // 16 bytes each
  assert.equal(ring.pushBatch(large), 4096);
  ring.close();
});

ringTest("a visitor may create, fill and drain other rings of the same backend", (backend, producers) => {
  const source = backend.createRing({ capacityBytes: 4096, producers });
  for (let i = 0; i < 50; i++) source.tryPush(bytes(i, i), i);
  const created: RecordRing[] = [];
  const forwarded = backend.createRing({ capacityBytes: 8192, producers: "single" });
  const seen: number[] = [];
  source.popBatch(100, (payload, type) => {
    assert.deepEqual([...payload], [...bytes(type, type)]);
    forwarded.pushBatch([payload], type);
    forwarded.popBatch(1, (p, t) => {
      assert.deepEqual([...p], [...bytes(t, t)]);
      seen.push(t);
    });
    // Large rings grow wasm memory (detaching this payload view, which is why it is used first):
    // the records after this one must still be read correctly.
    if (type % 10 === 0) created.push(backend.createRing({ capacityBytes: 1 << 20, producers }));
  });
  assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i));
  for (const ring of [source, forwarded, ...created]) ring.close();
});

backendTest("rings can be created and closed many times (handles are reused safely)", (backend) => {
  for (let i = 0; i < 5000; i++) {
    const ring = backend.createRing({ capacityBytes: 64, producers: i % 2 ? "multi" : "single" });
    ring.tryPush(new Uint8Array([i & 0xff]), i);
    assert.deepEqual(popAll(ring), [{ payload: [i & 0xff], type: i }]);
    ring.close();
  }
  for (let i = 0; i < 200; i++) backend.createLogRing({ capacityRecords: 4, maxMessageBytes: 8 }).close();
});

ringTest("popBatch with maxRecords 0 pops nothing and keeps the records", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 64, producers });
  ring.tryPush(new Uint8Array([1]));
  assert.equal(ring.popBatch(0, () => assert.fail("visited")), 0);
  assert.equal(ring.depth(), 1);
  ring.close();
});

ringTest("popBatch called from its own visitor throws instead of consuming twice", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 256, producers });
  for (let i = 0; i < 3; i++) ring.tryPush(new Uint8Array([i]), i);
  assertInvalid(
    () => ring.popBatch(10, () => ring.popBatch(1, () => {})),
    new RegExp(`^RecordRing\\.popBatch: called from a visitor of the same ${backend.name} ring; expected one consumer`),
  );
  assert.equal(ring.depth(), 2);
  assert.deepEqual(popAll(ring).map((r) => r.type), [1, 2]);
  ring.close();
});

function popAllInPlace(ring: RecordRing, max = 1 << 20): { payload: number[]; type: number }[] {
  const out: { payload: number[]; type: number }[] = [];
  ring.popBatchInPlace(max, (bytes, offset, length, type) => {
    out.push({ payload: [...bytes.subarray(offset, offset + length)], type });
  });
  return out;
}

function framesOf(payloads: Uint8Array[], type: number): Uint8Array {
  const builder = new FrameBuilder(payloads.reduce((sum, p) => sum + ((p.length + 15) & ~7), 8));
  for (const payload of payloads) assert.equal(builder.add(payload, type), true);
  return builder.frames;
}

ringTest("popBatchInPlace hands over each record as bytes, offset and length, in order", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 256, producers });
  const expected: { payload: number[]; type: number }[] = [];
  for (let round = 0; round < 60; round++) {
    // Varied lengths walk the records across the wrap many times.
    const length = (round * 11) % 40;
    assert.equal(ring.tryPush(bytes(length, round), round), true);
    expected.push({ payload: [...bytes(length, round)], type: round });
    if (round % 3 === 2) assert.deepEqual(popAllInPlace(ring), expected.splice(0));
  }
  assert.equal(ring.popBatchInPlace(0, () => assert.fail("visited")), 0);
  assert.deepEqual(popAllInPlace(ring), expected);
  assert.equal(ring.depth(), 0);
  ring.close();
});

ringTest("popBatchInPlace: limits, a throwing visitor, reentry and bad arguments", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 256, producers });
  for (let i = 0; i < 6; i++) ring.tryPush(new Uint8Array([i]), i);
  assert.equal(ring.popBatchInPlace(2, () => {}), 2);
  assert.throws(() => ring.popBatchInPlace(10, (_b, _o, _l, type) => {
    if (type === 3) throw new Error("visitor failed");
  }), /visitor failed/);
  assert.equal(ring.depth(), 2);
  assertInvalid(() => ring.popBatchInPlace(10, () => ring.popBatchInPlace(1, () => {})), /popBatchInPlace: called from a visitor/);
  assert.equal(ring.depth(), 1);
  assertInvalid(() => ring.popBatchInPlace(1.5, () => {}), /maxRecords.*received 1.5/);
  assertInvalid(() => ring.popBatchInPlace(1, "no" as never), /visit: expected a function/);
  assert.deepEqual(popAllInPlace(ring), [{ payload: [5], type: 5 }]);
  ring.close();
  assertClosed(() => ring.popBatchInPlace(1, () => {}), "RecordRing", "popBatchInPlace", backend);
  assertClosed(() => ring.pushFrames(new Uint8Array(0)), "RecordRing", "pushFrames", backend);
});

ringTest("a record header overwritten by a visitor is backend_unavailable, naming offset and length", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 256, producers });
  ring.tryPush(new Uint8Array([1, 2, 3]), 1); // one 16-byte record at offset 0
  ring.tryPush(new Uint8Array([4]), 2); // the next at offset 16
  const visited: number[] = [];
  assertKind(
    () =>
      ring.popBatchInPlace(10, (b, offset, _length, type) => {
        visited.push(type);
        // popBatchInPlace hands over the whole region: write a lying length into the next header.
        new DataView(b.buffer, b.byteOffset).setUint32(offset - 8 + 16, 0xff_ffff, true);
      }),
    "backend_unavailable",
    /^RecordRing: the \S+ ring's record at offset 16 has length 16777215; expected a committed record inside the data region/,
  );
  assert.deepEqual(visited, [1], "the first record was visited, the lying one was not");
  ring.close();
});

ringTest("pushFrames accepts the prefix that fits, across the wrap, in order", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 256, producers });
  ring.tryPush(bytes(100, 0));
  popAll(ring); // start near the middle so the frames wrap
  const payloads = Array.from({ length: 12 }, (_, i) => bytes(3 + i * 2, i + 1));
  const builder = new FrameBuilder(1024);
  for (const payload of payloads) builder.add(payload, 4);
  const first = ring.pushFrames(builder.frames);
  assert.ok(first > 0 && first < payloads.length, `pushed ${first}`);
  builder.discard(first);
  assert.equal(ring.pushFrames(builder.frames), 0, "the next frame does not fit before a pop");
  const got = popAllInPlace(ring);
  assert.equal(ring.pushFrames(builder.frames), payloads.length - first);
  got.push(...popAll(ring));
  assert.deepEqual(got, payloads.map((p) => ({ payload: [...p], type: 4 })));
  assert.equal(ring.pushFrames(new Uint8Array(0)), 0);
  ring.close();
});

ringTest("pushFrames lands exactly at the end of the data region and goes on from its start", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 128, producers });
  ring.tryPush(bytes(56, 1)); // 64 bytes: the next record starts at offset 64
  popAll(ring);
  const payloads = Array.from({ length: 6 }, (_, i) => bytes(8, i)); // 16-byte records: 4 up to the end
  assert.equal(ring.pushFrames(framesOf(payloads, 2)), 6);
  assert.deepEqual(popAllInPlace(ring), payloads.map((p) => ({ payload: [...p], type: 2 })));
  ring.close();
});

ringTest("pushFrames rejects malformed frames naming the record, and writes nothing", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 64, producers }); // max payload 24
  const good = framesOf([bytes(5, 1)], 1); // 16 bytes
  const withBad = (header: [number, number], extra = 8): Uint8Array => {
    const frames = new Uint8Array(good.length + 8 + extra);
    frames.set(good);
    const view = new DataView(frames.buffer);
    view.setUint32(good.length, header[0], true);
    view.setUint32(good.length + 4, header[1], true);
    return frames;
  };
  assertInvalid(() => ring.pushFrames(withBad([4, 0])), /record 1 at byte 16: expected a length .* from 8 to 32, received 4/);
  assertInvalid(() => ring.pushFrames(withBad([33, 0], 32)), /record 1 .*received 33/);
  assertInvalid(() => ring.pushFrames(withBad([9, 0x8000_0000])), /record 1 .*type from 0 to 2147483647, received 2147483648/);
  assertInvalid(() => ring.pushFrames(withBad([9, 0xffff_ffff])), /received 4294967295/);
  assertInvalid(() => ring.pushFrames(withBad([24, 0])), /record 1 at byte 16: expected 24 bytes .*received 16/);
  assertInvalid(() => ring.pushFrames(good.subarray(0, 12)), /record 0 at byte 0: expected 16 bytes/);
  assertInvalid(() => ring.pushFrames(good.subarray(0, 4)), /expected an 8-byte header, received 4 bytes/);
  assertInvalid(() => ring.pushFrames([1, 2] as never), /frames: expected a Uint8Array/);
  assert.equal(ring.depth(), 0, "a rejected buffer writes nothing");
  assert.equal(ring.pushFrames(good), 1);
  assert.deepEqual(popAll(ring), [{ payload: [...bytes(5, 1)], type: 1 }]);
  ring.close();
});

ringTest("pushFrames of more than a ring's worth stops at the prefix that fits", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 1 << 12, producers });
  const payloads = Array.from({ length: 600 }, (_, i) => bytes(8, i)); // 16 bytes each: 256 fit
  const frames = framesOf(payloads, 9);
  assert.equal(ring.pushFrames(frames), 256);
  let i = 0;
  ring.popBatchInPlace(1000, (b, offset, length, type) => {
    assert.equal(type, 9);
    assert.deepEqual([...b.subarray(offset, offset + length)], [...payloads[i++]]);
  });
  assert.equal(i, 256);
  ring.close();
});

for (const backend of backends) {
  const attach = (backend as Partial<AbiRingBackend>).attachRing?.bind(backend);
  if (!attach) continue;
  test(`ring conformance [${backend.name}]: a ring attached by handle shares records; closing it frees nothing`, () => {
    const owner = backend.createRing({ capacityBytes: 256, producers: "multi" });
    const attached = attach(ringHandle(owner));
    assert.equal(attached.capacityBytes, 256);
    assert.equal(attached.tryPush(bytes(5, 1), 1), true);
    assert.equal(owner.tryPush(bytes(6, 2), 2), true);
    assert.deepEqual(popAll(owner), [{ payload: [...bytes(5, 1)], type: 1 }, { payload: [...bytes(6, 2)], type: 2 }]);
    attached.close();
    assertClosed(() => attached.tryPush(new Uint8Array(1)), "RecordRing", "tryPush", backend);
    assert.equal(owner.tryPush(bytes(3, 3), 3), true, "the owner's ring is still alive");
    const handle = ringHandle(owner);
    owner.close();
    assertInvalid(() => attach(handle), /^meshos_ring_info\(\d+\) failed with bad_handle; expected a live ring$/);
    assertInvalid(() => attach(-1), /handle: expected a ring handle/);
    const jsRing = backends.find((b) => b.name === "js")!.createRing({ capacityBytes: 64, producers: "single" });
    assertInvalid(() => ringHandle(jsRing), /^ringHandle: expected a ring of the bun-ffi or deno-ffi backend, received a JsRecordRing$/);
    jsRing.close();
  });
}

ringTest("tryPush of a payload larger than any staging buffer still arrives intact", (backend, producers) => {
  const ring = backend.createRing({ capacityBytes: 1 << 14, producers });
  const large = bytes(6000, 7);
  assert.equal(ring.tryPush(large, 1), true);
  assert.equal(ring.tryPush(bytes(3, 8), 2), true);
  assert.deepEqual(popAllInPlace(ring), [{ payload: [...large], type: 1 }, { payload: [...bytes(3, 8)], type: 2 }]);
  ring.close();
});
