/**
 * Frames: many events in one bus message, so the mesh is not one message per event.
 *
 * A payload frame (events sent to a daemon) is `u32 count`, then per payload `u32 length` and the
 * bytes. An output frame (a daemon's outputs) is `u32 count`, then per event its four u64 link
 * fields (`originHash`, `sequence`, `parentHash`, `horizonEncoded`), `u32 length` and the
 * payload. All integers little-endian. Decoding checks every length against the bytes present,
 * so a truncated or lying frame is rejected with a reason, never read past its end.
 *
 * @module
 */

import { byteLengthOf } from "../contract/byte_view.ts";
import type { CausalEvent } from "../contract/types.ts";

const COUNT_BYTES = 4;
const LENGTH_BYTES = 4;
const LINK_BYTES = 32;

/**
 * `payloads` as one payload frame.
 *
 * @example
 * ```ts
 * const frame = encodePayloadFrame([new Uint8Array([1]), new Uint8Array([2, 3])]);
 * decodePayloadFrame(frame); // { payloads: [Uint8Array [1], Uint8Array [2, 3]] }
 * ```
 */
export function encodePayloadFrame(payloads: readonly Uint8Array[]): Uint8Array {
  let size = COUNT_BYTES;
  for (const payload of payloads) size += LENGTH_BYTES + byteLengthOf(payload);
  const frame = new Uint8Array(size);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payloads.length, true);
  let at = COUNT_BYTES;
  for (const payload of payloads) {
    view.setUint32(at, byteLengthOf(payload), true);
    frame.set(payload, at + LENGTH_BYTES);
    at += LENGTH_BYTES + byteLengthOf(payload);
  }
  return frame;
}

/** The payloads of a payload frame (views into `frame`), or why it is not one. */
export function decodePayloadFrame(frame: Uint8Array): { payloads: Uint8Array[] } | { problem: string } {
  const reader = new FrameReader(frame);
  const count = reader.u32();
  if (count === null) return { problem: `frame of ${frame.byteLength} bytes has no event count` };
  const payloads: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const payload = reader.bytes();
    if (payload === null) return { problem: `event ${i} of ${count} runs past the frame's ${frame.byteLength} bytes` };
    payloads.push(payload);
  }
  if (!reader.done()) return { problem: `${frame.byteLength - reader.at} bytes after the last of ${count} events` };
  return { payloads };
}

/** `events` as one output frame. */
export function encodeOutputFrame(events: readonly CausalEvent[]): Uint8Array {
  let size = COUNT_BYTES;
  for (const event of events) size += LINK_BYTES + LENGTH_BYTES + byteLengthOf(event.payload);
  const frame = new Uint8Array(size);
  const view = new DataView(frame.buffer);
  view.setUint32(0, events.length, true);
  let at = COUNT_BYTES;
  for (const event of events) {
    view.setBigUint64(at, event.originHash, true);
    view.setBigUint64(at + 8, event.sequence, true);
    view.setBigUint64(at + 16, event.parentHash, true);
    view.setBigUint64(at + 24, event.horizonEncoded, true);
    view.setUint32(at + LINK_BYTES, byteLengthOf(event.payload), true);
    frame.set(event.payload, at + LINK_BYTES + LENGTH_BYTES);
    at += LINK_BYTES + LENGTH_BYTES + byteLengthOf(event.payload);
  }
  return frame;
}

/** The events of an output frame (payloads copied out of `frame`), or why it is not one. */
export function decodeOutputFrame(frame: Uint8Array): { events: CausalEvent[] } | { problem: string } {
  const reader = new FrameReader(frame);
  const count = reader.u32();
  if (count === null) return { problem: `frame of ${frame.byteLength} bytes has no event count` };
  const events: CausalEvent[] = [];
  for (let i = 0; i < count; i++) {
    const link = reader.link();
    const payload = link && reader.bytes();
    if (!link || !payload) return { problem: `event ${i} of ${count} runs past the frame's ${frame.byteLength} bytes` };
    events.push({ ...link, payload: payload.slice() });
  }
  if (!reader.done()) return { problem: `${frame.byteLength - reader.at} bytes after the last of ${count} events` };
  return { events };
}

/** A bounds-checked cursor over a frame: every read returns null instead of passing the end. */
class FrameReader {
  readonly #frame: Uint8Array;
  readonly #view: DataView;
  at = 0;

  constructor(frame: Uint8Array) {
    this.#frame = frame;
    this.#view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  }

  u32(): number | null {
    if (this.at + 4 > this.#frame.byteLength) return null;
    const value = this.#view.getUint32(this.at, true);
    this.at += 4;
    return value;
  }

  bytes(): Uint8Array | null {
    const length = this.u32();
    if (length === null || this.at + length > this.#frame.byteLength) return null;
    const bytes = this.#frame.subarray(this.at, this.at + length);
    this.at += length;
    return bytes;
  }

  link(): Omit<CausalEvent, "payload"> | null {
    if (this.at + LINK_BYTES > this.#frame.byteLength) return null;
    const v = this.#view;
    const link = {
      originHash: v.getBigUint64(this.at, true),
      sequence: v.getBigUint64(this.at + 8, true),
      parentHash: v.getBigUint64(this.at + 16, true),
      horizonEncoded: v.getBigUint64(this.at + 24, true),
    };
    this.at += LINK_BYTES;
    return link;
  }

  done(): boolean {
    return this.at === this.#frame.byteLength;
  }
}
