/**
 * Packs records into ring format for `RecordRing.pushFrames`: per record an 8-byte header (`u32`
 * length of header + payload, `u32` type), the payload, zero padding to 8 bytes. A producer that
 * sends many small records packs them here (or writes payloads in place with `reserve`) and hands
 * the whole buffer over in one call.
 *
 * @module
 */

import { byteLengthOf } from "../contract/byte_view.ts";
import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { alignRecord, checkPayload, checkRecordType, MAX_CAPACITY_BYTES, RECORD_HEADER_BYTES } from "./_ring_format.ts";

/**
 * A reusable buffer of records in ring format. Its memory is allocated once, at construction.
 *
 * @example
 * ```ts
 * const frames = new FrameBuilder(64 * 1024);
 * frames.add(new TextEncoder().encode("hello"), 1);
 * const pushed = ring.pushFrames(frames.frames);
 * frames.discard(pushed); // what did not fit stays for the next try
 * ```
 */
export class FrameBuilder {
  /** Bytes the builder can hold. */
  readonly capacityBytes: number;
  readonly #bytes: Uint8Array;
  readonly #words: Int32Array;
  #length = 0;
  #records = 0;

  /** A builder of `capacityBytes` (a multiple of 8, at most 1 GiB). */
  constructor(capacityBytes: number) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes <= 0 || capacityBytes % RECORD_HEADER_BYTES !== 0 ||
      capacityBytes > MAX_CAPACITY_BYTES) {
      throw new MeshOsSdkError(
        "invalid_argument",
        `capacityBytes: expected a multiple of 8 from 8 to ${MAX_CAPACITY_BYTES}, received ${describeValue(capacityBytes)}`,
      );
    }
    this.capacityBytes = capacityBytes;
    const buffer = new ArrayBuffer(capacityBytes);
    this.#bytes = new Uint8Array(buffer);
    this.#words = new Int32Array(buffer);
  }

  /** Bytes packed so far. */
  get byteLength(): number {
    return this.#length;
  }

  /** Records packed so far. */
  get records(): number {
    return this.#records;
  }

  /** The packed records, for `pushFrames` (a view: valid until the builder changes). */
  get frames(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  /** The builder's whole memory: where payloads reserved with {@link reserve} are written. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /** Packs one record (copying `payload`); false when it does not fit (nothing is written). */
  add(payload: Uint8Array, type = 0): boolean {
    checkPayload(payload, MAX_CAPACITY_BYTES);
    const at = this.reserve(byteLengthOf(payload), type);
    if (at < 0) return false;
    this.#bytes.set(payload, at);
    return true;
  }

  /**
   * Makes room for one record of `payloadBytes` and returns where its payload goes in
   * {@link bytes} (the caller writes it), or -1 when it does not fit. Padding is zeroed.
   */
  reserve(payloadBytes: number, type = 0): number {
    if (!Number.isSafeInteger(payloadBytes) || payloadBytes < 0 || payloadBytes > MAX_CAPACITY_BYTES) {
      throw new MeshOsSdkError(
        "invalid_argument",
        `payloadBytes: expected an integer from 0 to ${MAX_CAPACITY_BYTES}, received ${describeValue(payloadBytes)}`,
      );
    }
    checkRecordType(type);
    const at = this.#length;
    const length = RECORD_HEADER_BYTES + payloadBytes;
    const end = at + alignRecord(length);
    if (end > this.capacityBytes) return -1;
    const word = at >> 2;
    this.#words[word] = length;
    this.#words[word + 1] = type;
    for (let i = at + length; i < end; i++) this.#bytes[i] = 0;
    this.#length = end;
    this.#records++;
    return at + RECORD_HEADER_BYTES;
  }

  /** Forgets every packed record. */
  clear(): void {
    this.#length = 0;
    this.#records = 0;
  }

  /** Drops the first `records` packed records (e.g. those a ring accepted); the rest move up. */
  discard(records: number): void {
    if (!Number.isSafeInteger(records) || records < 0 || records > this.#records) {
      throw new MeshOsSdkError(
        "invalid_argument",
        `records: expected an integer from 0 to ${this.#records} (records packed), received ${describeValue(records)}`,
      );
    }
    let at = 0;
    for (let i = 0; i < records; i++) at += alignRecord(this.#words[at >> 2]);
    this.#bytes.copyWithin(0, at, this.#length);
    this.#length -= at;
    this.#records -= records;
  }
}
