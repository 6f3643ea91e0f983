// Frames (src/bus/event_frame.ts): many events in one bus message, and the checks that keep a
// truncated or lying frame from being read past its end.
import assert from "node:assert/strict";
import { decodeOutputFrame, decodePayloadFrame, encodeOutputFrame, encodePayloadFrame } from "../src/bus/event_frame.ts";
import type { CausalEvent } from "../mod.ts";
import { test } from "./_harness.ts";

const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)];

test("a payload frame carries every payload, empty ones included, byte for byte", () => {
  const decoded = decodePayloadFrame(encodePayloadFrame(payloads));
  assert.ok("payloads" in decoded);
  assert.deepEqual(decoded.payloads, payloads);
  assert.deepEqual(decodePayloadFrame(encodePayloadFrame([])), { payloads: [] });
});

test("a payload frame decodes from a view at an offset into a larger buffer", () => {
  const frame = encodePayloadFrame(payloads);
  const big = new Uint8Array(frame.byteLength + 11);
  big.set(frame, 5);
  const decoded = decodePayloadFrame(big.subarray(5, 5 + frame.byteLength));
  assert.ok("payloads" in decoded);
  assert.deepEqual(decoded.payloads, payloads);
});

test("a truncated, lying or padded payload frame is rejected with the reason", () => {
  const frame = encodePayloadFrame(payloads);
  const problem = (bytes: Uint8Array) => {
    const decoded = decodePayloadFrame(bytes);
    assert.ok("problem" in decoded, "expected a rejection");
    return decoded.problem;
  };
  assert.equal(problem(new Uint8Array(3)), "frame of 3 bytes has no event count");
  assert.equal(problem(frame.subarray(0, frame.byteLength - 1)), `event 2 of 3 runs past the frame's ${frame.byteLength - 1} bytes`);
  const lying = frame.slice();
  new DataView(lying.buffer).setUint32(0, 1_000_000, true); // claims a million events
  assert.equal(problem(lying), `event 3 of 1000000 runs past the frame's ${frame.byteLength} bytes`);
  const huge = frame.slice();
  new DataView(huge.buffer).setUint32(4, 0xffff_ffff, true); // first payload claims 4 GiB
  assert.equal(problem(huge), `event 0 of 3 runs past the frame's ${frame.byteLength} bytes`);
  const padded = new Uint8Array(frame.byteLength + 2);
  padded.set(frame);
  assert.equal(problem(padded), "2 bytes after the last of 3 events");
});

test("an output frame carries each event's link fields and payload; a truncated one is rejected", () => {
  const events: CausalEvent[] = [
    { originHash: 0xffff_ffff_ffff_ffffn, sequence: 1n, parentHash: 2n, horizonEncoded: 3n, payload: new Uint8Array([9]) },
    { originHash: 4n, sequence: 5n, parentHash: 0n, horizonEncoded: 0n, payload: new Uint8Array(0) },
  ];
  const frame = encodeOutputFrame(events);
  assert.deepEqual(decodeOutputFrame(frame), { events });
  const decoded = decodeOutputFrame(frame.subarray(0, 20));
  assert.deepEqual(decoded, { problem: "event 0 of 2 runs past the frame's 20 bytes" });
});
