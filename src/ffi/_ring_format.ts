/**
 * The record and log formats every backend agrees on, and the argument checks they share, so a
 * bad argument is rejected with the same message whichever backend is loaded. The numbers mirror
 * `zig/src/ring.zig` and `zig/src/log_ring.zig`.
 *
 * @module
 */

import { bufferOf, byteLengthOf, dataViewOf } from "../contract/byte_view.ts";
import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import type { LogRingOptions, RecordRingOptions } from "./ring_backend.ts";

/** Bytes of a record header: `u32` length (header + payload) then `u32` type. */
export const RECORD_HEADER_BYTES = 8;
/** Records start on 8-byte boundaries. */
export const RECORD_ALIGN_BYTES = 8;
/** Header type of the filler record written at the wrap; never handed to a consumer. */
export const PADDING_TYPE = 0xffff_ffff;
/** Largest type a caller may give a record (types fit an `i32`; the top bit is reserved). */
export const MAX_RECORD_TYPE = 0x7fff_ffff;
/** Smallest data region of a record ring. */
export const MIN_CAPACITY_BYTES = 64;
/** Largest data region of a record ring (1 GiB keeps byte positions exact in 32-bit arithmetic). */
export const MAX_CAPACITY_BYTES = 1 << 30;
/** Default number of records a log ring keeps (as upstream). */
export const DEFAULT_LOG_CAPACITY_RECORDS = 2048;
/** Default longest log message, in UTF-8 bytes. */
export const DEFAULT_LOG_MAX_MESSAGE_BYTES = 1024;
/** Largest log ring, in records. */
export const MAX_LOG_CAPACITY_RECORDS = 1 << 20;
/** Largest `maxMessageBytes` a log ring accepts. */
export const MAX_LOG_MESSAGE_BYTES = 1 << 16;
/** Largest memory a log ring may take (records × slot bytes). */
export const MAX_LOG_RING_BYTES = 1 << 28;
/** Bytes of a log slot before its message: seq, ts, daemon id (u64 each), level, flags, length, pad. */
export const LOG_SLOT_HEADER_BYTES = 40;
/** Highest log level (error). */
export const MAX_LOG_LEVEL = 4;
/** Largest `maxRecords` one `popBatch` call accepts. */
export const MAX_POP_BATCH_RECORDS = 0x7fff_ffff;

/** Rounds a byte count up to the record alignment. */
export function alignRecord(bytes: number): number {
  return (bytes + (RECORD_ALIGN_BYTES - 1)) & ~(RECORD_ALIGN_BYTES - 1);
}

/**
 * Largest payload of a ring of `capacityBytes`: half the ring minus a header, so an empty ring
 * always accepts a maximal record wherever the wrap falls.
 */
export function maxPayloadBytesFor(capacityBytes: number): number {
  return capacityBytes / 2 - RECORD_HEADER_BYTES;
}

/** Bytes a log slot takes for messages of up to `maxMessageBytes`. */
export function logSlotBytes(maxMessageBytes: number): number {
  return LOG_SLOT_HEADER_BYTES + alignRecord(maxMessageBytes);
}

function invalid(detail: string): MeshOsSdkError {
  return new MeshOsSdkError("invalid_argument", detail);
}

function isPowerOfTwo(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0 && (value & (value - 1)) === 0;
}

/** Throws `invalid_argument` unless the options describe a ring this SDK can build. */
export function checkRingOptions(options: RecordRingOptions): void {
  if (typeof options !== "object" || options === null) {
    throw invalid(`ring options: expected an object, received ${describeValue(options)}`);
  }
  const { capacityBytes, producers } = options;
  if (
    !isPowerOfTwo(capacityBytes) || capacityBytes < MIN_CAPACITY_BYTES ||
    capacityBytes > MAX_CAPACITY_BYTES
  ) {
    throw invalid(
      `capacityBytes: expected a power of two from ${MIN_CAPACITY_BYTES} to ${MAX_CAPACITY_BYTES}, ` +
        `received ${describeValue(capacityBytes)}`,
    );
  }
  if (producers !== "single" && producers !== "multi") {
    throw invalid(`producers: expected "single" or "multi", received ${describeValue(producers)}`);
  }
}

/**
 * Throws `invalid_argument` unless `payload` is a `Uint8Array` of at most `maxPayloadBytes` whose
 * buffer is not detached. Sizes are the view's true ones (`byte_view.ts`), whatever its own
 * properties say.
 */
export function checkPayload(payload: Uint8Array, maxPayloadBytes: number, what = "payload"): void {
  if (payload instanceof Uint8Array) {
    const bytes = byteLengthOf(payload);
    if (bytes > 0 && bytes <= maxPayloadBytes) return;
    if (bytes === 0 && !isDetached(bufferOf(payload))) return;
  }
  if (!(payload instanceof Uint8Array)) {
    throw invalid(`${what}: expected a Uint8Array, received ${describeValue(payload)}`);
  }
  if (byteLengthOf(payload) === 0) {
    throw invalid(`${what}: expected a Uint8Array over live memory, received one whose ArrayBuffer is detached (transferred or resized away)`);
  }
  throw invalid(
    `${what}: expected at most ${maxPayloadBytes} bytes (maxPayloadBytes), received ${byteLengthOf(payload)}`,
  );
}

/** Whether `buffer` was detached (transferred): a detached buffer reads as 0 bytes. */
function isDetached(buffer: ArrayBufferLike): boolean {
  if (buffer.byteLength !== 0 || !(buffer instanceof ArrayBuffer)) return false;
  try {
    new Uint8Array(buffer); // a detached ArrayBuffer cannot be viewed again
    return false;
  } catch {
    return true;
  }
}

/**
 * Throws `invalid_argument` unless every payload of a batch is acceptable. The hot loop builds no
 * strings: the message naming the bad element is made only when there is one.
 */
export function checkPayloads(payloads: readonly Uint8Array[], maxPayloadBytes: number): void {
  if (!Array.isArray(payloads)) {
    throw invalid(`payloads: expected an array of Uint8Array, received ${describeValue(payloads)}`);
  }
  for (let i = 0; i < payloads.length; i++) {
    const payload = payloads[i];
    const bytes = payload instanceof Uint8Array ? byteLengthOf(payload) : -1;
    if (bytes <= 0 || bytes > maxPayloadBytes) checkPayload(payload, maxPayloadBytes, `payloads[${i}]`); // 0: detached or empty
  }
}

/** Throws `invalid_argument` unless `type` is an integer from 0 to {@link MAX_RECORD_TYPE}. */
export function checkRecordType(type: number): void {
  // One mask test for the common case: it fails for non-integers, negatives, NaN and > 2^31-1.
  if ((type & MAX_RECORD_TYPE) === type) return;
  throw invalid(`type: expected an integer from 0 to ${MAX_RECORD_TYPE}, received ${describeValue(type)}`);
}

/**
 * Checks a buffer of records in ring format (see `RecordRing.pushFrames`) for a ring whose
 * largest payload is `maxPayloadBytes`; returns how many records it holds, or throws
 * `invalid_argument` naming the first bad frame.
 */
export function checkFrames(frames: Uint8Array, maxPayloadBytes: number): number {
  if (!(frames instanceof Uint8Array)) {
    throw invalid(`frames: expected a Uint8Array of records in ring format, received ${describeValue(frames)}`);
  }
  const view = dataViewOf(frames);
  let at = 0;
  let records = 0;
  while (at < byteLengthOf(frames)) {
    const size = frameSize(view, at, maxPayloadBytes);
    if (size < 0) throw frameError(view, at, records, maxPayloadBytes);
    at += size;
    records++;
  }
  return records;
}

/** Bytes of the longest run of whole frames at the start of `frames` (checked) of at most `maxBytes`. */
export function framePrefixBytes(frames: Uint8Array, maxBytes: number): number {
  if (byteLengthOf(frames) <= maxBytes) return byteLengthOf(frames);
  const view = dataViewOf(frames);
  let at = 0;
  for (;;) {
    const next = at + alignRecord(view.getUint32(at, true));
    if (next > maxBytes) return at;
    at = next;
  }
}

/** Bytes the frame at `at` takes (header, payload, padding), or -1 when it is malformed. */
export function frameSize(view: DataView, at: number, maxPayloadBytes: number): number {
  if (view.byteLength - at < RECORD_HEADER_BYTES) return -1;
  const length = view.getUint32(at, true);
  const type = view.getUint32(at + 4, true);
  if (length < RECORD_HEADER_BYTES || length - RECORD_HEADER_BYTES > maxPayloadBytes || type > MAX_RECORD_TYPE) {
    return -1;
  }
  const size = alignRecord(length);
  return view.byteLength - at < size ? -1 : size;
}

function frameError(view: DataView, at: number, index: number, maxPayloadBytes: number): MeshOsSdkError {
  const where = `frames: record ${index} at byte ${at}`;
  if (view.byteLength - at < RECORD_HEADER_BYTES) {
    return invalid(`${where}: expected an ${RECORD_HEADER_BYTES}-byte header, received ${view.byteLength - at} bytes`);
  }
  const length = view.getUint32(at, true);
  const type = view.getUint32(at + 4, true);
  if (length < RECORD_HEADER_BYTES || length - RECORD_HEADER_BYTES > maxPayloadBytes) {
    return invalid(
      `${where}: expected a length (header + payload) from ${RECORD_HEADER_BYTES} to ` +
        `${RECORD_HEADER_BYTES + maxPayloadBytes}, received ${length}`,
    );
  }
  if (type > MAX_RECORD_TYPE) {
    return invalid(`${where}: expected a type from 0 to ${MAX_RECORD_TYPE}, received ${type}`);
  }
  return invalid(
    `${where}: expected ${alignRecord(length)} bytes (length ${length} padded to ${RECORD_ALIGN_BYTES}), ` +
      `received ${view.byteLength - at}`,
  );
}

/** Throws `invalid_argument` unless `maxRecords` is a non-negative integer and `visit` a function. */
export function checkPopArguments(maxRecords: number, visit: unknown): void {
  // The common case in two tests; the full check (and message) only when one fails.
  if ((maxRecords & MAX_POP_BATCH_RECORDS) === maxRecords && typeof visit === "function") return;
  if (!Number.isInteger(maxRecords) || maxRecords < 0 || maxRecords > MAX_POP_BATCH_RECORDS) {
    throw invalid(
      `maxRecords: expected an integer from 0 to ${MAX_POP_BATCH_RECORDS}, received ${describeValue(maxRecords)}`,
    );
  }
  if (typeof visit !== "function") {
    throw invalid(`visit: expected a function, received ${describeValue(visit)}`);
  }
}

/** Throws `invalid_argument` unless the options describe a log ring this SDK can build. */
export function checkLogOptions(options: LogRingOptions): void {
  if (typeof options !== "object" || options === null) {
    throw invalid(`log ring options: expected an object, received ${describeValue(options)}`);
  }
  const { capacityRecords, maxMessageBytes } = options;
  if (!Number.isInteger(capacityRecords) || capacityRecords < 1 || capacityRecords > MAX_LOG_CAPACITY_RECORDS) {
    throw invalid(
      `capacityRecords: expected an integer from 1 to ${MAX_LOG_CAPACITY_RECORDS}, ` +
        `received ${describeValue(capacityRecords)}`,
    );
  }
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1 || maxMessageBytes > MAX_LOG_MESSAGE_BYTES) {
    throw invalid(
      `maxMessageBytes: expected an integer from 1 to ${MAX_LOG_MESSAGE_BYTES}, ` +
        `received ${describeValue(maxMessageBytes)}`,
    );
  }
  const ringBytes = capacityRecords * logSlotBytes(maxMessageBytes);
  if (ringBytes > MAX_LOG_RING_BYTES) {
    throw invalid(
      `log ring size: expected capacityRecords × (${LOG_SLOT_HEADER_BYTES} + maxMessageBytes) ` +
        `of at most ${MAX_LOG_RING_BYTES} bytes, received ${capacityRecords} × ${maxMessageBytes} ` +
        `(${ringBytes} bytes)`,
    );
  }
}

/** Throws `invalid_argument` unless the arguments of `LogRing.append` are acceptable. */
export function checkLogAppend(level: number, daemonId: bigint | null, tsMs: number, message: string): void {
  if (!Number.isInteger(level) || level < 0 || level > MAX_LOG_LEVEL) {
    throw invalid(
      `level: expected an integer from 0 (trace) to ${MAX_LOG_LEVEL} (error), received ${describeValue(level)}`,
    );
  }
  if (daemonId !== null && (typeof daemonId !== "bigint" || daemonId < 0n || daemonId > 0xffff_ffff_ffff_ffffn)) {
    throw invalid(`daemonId: expected null or a bigint from 0n to 2^64-1, received ${describeValue(daemonId)}`);
  }
  if (!Number.isSafeInteger(tsMs) || tsMs < 0) {
    throw invalid(`tsMs: expected a non-negative integer of milliseconds, received ${describeValue(tsMs)}`);
  }
  if (typeof message !== "string") {
    throw invalid(`message: expected a string, received ${describeValue(message)}`);
  }
}

/**
 * The error every backend throws when a closed ring is used: `loop_closed`, as upstream says of a
 * queue whose loop has exited (nothing reads or writes a closed ring again).
 */
export function closedError(kind: "RecordRing" | "LogRing", backend: string, method: string): MeshOsSdkError {
  return new MeshOsSdkError(
    "loop_closed",
    `${kind}.${method}: the ${backend} ring is closed; expected a ring that is still open`,
  );
}

/**
 * The error every backend throws when a `popBatch` visitor calls `popBatch` on the same ring:
 * `invalid_argument` (the visitor passed in is what misbehaves).
 */
export function reenteredError(backend: string, method = "popBatch"): MeshOsSdkError {
  return invalid(
    `RecordRing.${method}: called from a visitor of the same ${backend} ring; expected one consumer at a time`,
  );
}

/**
 * The error a ring throws when its memory fails a consistency check while being read:
 * `backend_unavailable` (the ring can no longer be served; no argument of the call is at fault).
 */
export function corruptError(backend: string, offset: number, length: number): MeshOsSdkError {
  return new MeshOsSdkError(
    "backend_unavailable",
    `RecordRing: the ${backend} ring's record at offset ${offset} has length ${length}; expected a ` +
      `committed record inside the data region (the ring memory was overwritten)`,
  );
}

/**
 * How long the oldest record of a ring may stay claimed but uncommitted before the consumer calls
 * the ring broken (ms). A producer commits microseconds after it claims; one that died between the
 * two, or memory overwritten with zeros, would otherwise leave the consumer waiting forever.
 */
export const UNCOMMITTED_LIMIT_MS = 5_000;

/**
 * Watches a ring's consumer for a record that never commits: `stuck` each time a pop found
 * records claimed but none committed, `moved` when a pop took something.
 */
export class CommitWatch {
  #sinceMs: number | null = null;

  /** Nothing committed at `where` though records are claimed: throws once that lasted too long. */
  stuck(backend: string, where: string): void {
    const now = performance.now();
    if (this.#sinceMs === null) {
      this.#sinceMs = now;
      return;
    }
    const waited = now - this.#sinceMs;
    if (waited < UNCOMMITTED_LIMIT_MS) return;
    throw new MeshOsSdkError(
      "backend_unavailable",
      `RecordRing: the ${backend} ring's ${where} was claimed but not committed for ${Math.round(waited)} ms; ` +
        `expected a commit within ${UNCOMMITTED_LIMIT_MS} ms (a producer died while writing it, or the ring ` +
        `memory was overwritten)`,
    );
  }

  /** The consumer took records: whatever was stuck is not. */
  moved(): void {
    this.#sinceMs = null;
  }
}
