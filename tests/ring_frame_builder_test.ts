/**
 * FrameBuilder packs records in the ring format every backend's `pushFrames` reads.
 */

import assert from "node:assert/strict";
import { test } from "./_harness.ts";
import { MeshOsSdkError } from "../src/errors/meshos_sdk_error.ts";
import { FrameBuilder } from "../src/ffi/frame_builder.ts";

function header(frames: Uint8Array, at: number): [number, number] {
  const view = new DataView(frames.buffer, frames.byteOffset, frames.byteLength);
  return [view.getUint32(at, true), view.getUint32(at + 4, true)];
}

function assertInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof MeshOsSdkError && err.kind === "invalid_argument" &&
    pattern.test(err.detail));
}

test("frame builder: records are packed as header, payload, zero padding to 8 bytes", () => {
  const builder = new FrameBuilder(64);
  builder.bytes.fill(0xee); // padding must be zeroed whatever was there
  assert.equal(builder.add(new Uint8Array([1, 2, 3]), 7), true);
  assert.equal(builder.add(new Uint8Array(0)), true);
  assert.equal(builder.records, 2);
  assert.equal(builder.byteLength, 24);
  const frames = builder.frames;
  assert.deepEqual(header(frames, 0), [11, 7]);
  assert.deepEqual([...frames.subarray(8, 16)], [1, 2, 3, 0, 0, 0, 0, 0]);
  assert.deepEqual(header(frames, 16), [8, 0]);
});

test("frame builder: reserve hands out the payload's place; a full builder refuses", () => {
  const builder = new FrameBuilder(32);
  const at = builder.reserve(12, 3);
  assert.equal(at, 8);
  builder.bytes.fill(9, at, at + 12);
  assert.equal(builder.reserve(9), -1, "17 bytes do not fit in the 8 left");
  assert.equal(builder.add(new Uint8Array(1)), false);
  assert.equal(builder.records, 1);
  assert.equal(builder.add(new Uint8Array(0), 5), true, "a bare header fills the last 8 bytes");
  assert.deepEqual(header(builder.frames, 0), [20, 3]);
  assert.deepEqual(header(builder.frames, 24), [8, 5]);
  builder.clear();
  assert.equal(builder.byteLength, 0);
  assert.equal(builder.frames.length, 0);
});

test("frame builder: discard drops the records a ring took and keeps the rest in order", () => {
  const builder = new FrameBuilder(256);
  for (let i = 0; i < 5; i++) builder.add(new Uint8Array(i * 3).fill(i), i);
  builder.discard(2);
  assert.equal(builder.records, 3);
  const frames = builder.frames;
  assert.deepEqual(header(frames, 0), [8 + 6, 2]);
  assert.deepEqual([...frames.subarray(8, 14)], [2, 2, 2, 2, 2, 2]);
  builder.discard(3);
  assert.equal(builder.byteLength, 0);
});

test("frame builder: bad arguments throw invalid_argument naming the value", () => {
  assertInvalid(() => new FrameBuilder(12), /capacityBytes: expected a multiple of 8.*received 12/);
  assertInvalid(() => new FrameBuilder(0), /capacityBytes/);
  const builder = new FrameBuilder(64);
  assertInvalid(() => builder.add("x" as never), /payload: expected a Uint8Array, received "x"/);
  assertInvalid(() => builder.add(new Uint8Array(1), -1), /type: expected an integer.*received -1/);
  assertInvalid(() => builder.reserve(1.5), /payloadBytes.*received 1.5/);
  assertInvalid(() => builder.discard(1), /records: expected an integer from 0 to 0.*received 1/);
  assert.equal(builder.records, 0);
});
