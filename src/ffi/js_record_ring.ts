/**
 * A record ring in plain TypeScript over one `SharedArrayBuffer`, with `Atomics` on the positions
 * so the same buffer can be handed to Workers ({@link JsRecordRing.attach}). Same record format as
 * the Zig ring: 8-byte header (`i32` length of header + payload, `i32` type), 8-byte aligned, a
 * padding record at the wrap.
 *
 * Byte positions only grow and are kept modulo 2^32 (`| 0`); with at most 1 GiB of data the
 * distance `tail - head` is always exact.
 *
 * Multi-producer mode: producers claim space with a CAS on `tail`, write the payload, then publish
 * the header length with `Atomics.store` (the commit). The consumer stops at a header whose length
 * is not yet positive, and zeroes what it consumed before releasing it, so a header slot always
 * reads 0 until its producer commits.
 *
 * @module
 */

import {
  alignRecord,
  checkPayload,
  checkPayloads,
  checkPopArguments,
  checkRecordType,
  checkRingOptions,
  closedError,
  reenteredError,
  maxPayloadBytesFor,
  PADDING_TYPE,
  RECORD_HEADER_BYTES,
} from "./_ring_format.ts";
import type { RecordRing, RecordRingOptions } from "./ring_backend.ts";

/** Bytes between the producer's and the consumer's control words (two 64-byte lines, against
 * adjacent-line prefetch). */
const CONTROL_LINE_BYTES = 128;
/** Control block: producer line, consumer line, then the data region. */
const CONTROL_BYTES = 2 * CONTROL_LINE_BYTES;
const TAIL = 0; // Int32 index: next byte position producers claim.
const PUSHED = 1; // Records committed, modulo 2^32.
const MULTI = 2; // 1 for a multi-producer ring (read by attach).
const HEAD = CONTROL_LINE_BYTES / 4; // Next byte position the consumer reads.
const POPPED = HEAD + 1; // Records consumed, modulo 2^32.
const PADDING_TYPE_I32 = PADDING_TYPE | 0;

type Producers = RecordRingOptions["producers"];

/**
 * A record ring backed by a `SharedArrayBuffer`.
 *
 * @example
 * ```ts
 * const ring = JsRecordRing.create({ capacityBytes: 4096, producers: "single" });
 * ring.tryPush(new Uint8Array([1, 2, 3]), 7);
 * ring.popBatch(16, (payload, type) => console.log(type, payload));
 * ```
 */
export class JsRecordRing implements RecordRing {
  readonly capacityBytes: number;
  readonly maxPayloadBytes: number;
  /** The memory of the ring: pass it to a Worker and {@link JsRecordRing.attach} it there. */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  readonly #multi: boolean;
  readonly #mask: number;
  #control: Int32Array;
  #bytes: Uint8Array;
  #words: Int32Array;
  #cachedHead = 0; // Producer's last view of HEAD.
  #cachedTail = 0; // Consumer's last view of TAIL.
  #closed = false;
  #popping = false;

  private constructor(buffer: SharedArrayBuffer | ArrayBuffer, multi: boolean) {
    this.buffer = buffer;
    this.capacityBytes = buffer.byteLength - CONTROL_BYTES;
    this.maxPayloadBytes = maxPayloadBytesFor(this.capacityBytes);
    this.#multi = multi;
    this.#mask = this.capacityBytes - 1;
    this.#control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.#bytes = new Uint8Array(buffer, CONTROL_BYTES);
    this.#words = new Int32Array(buffer, CONTROL_BYTES);
    this.#cachedHead = Atomics.load(this.#control, HEAD);
    this.#cachedTail = Atomics.load(this.#control, TAIL);
  }

  /** Allocates a ring (all memory at once; nothing is allocated while it runs). */
  static create(options: RecordRingOptions): JsRecordRing {
    checkRingOptions(options);
    const bytes = CONTROL_BYTES + options.capacityBytes;
    const buffer = typeof SharedArrayBuffer === "function" ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    const multi = options.producers === "multi";
    new Int32Array(buffer, 0, CONTROL_BYTES / 4)[MULTI] = multi ? 1 : 0;
    return new JsRecordRing(buffer, multi);
  }

  /** Opens a ring whose `buffer` was created elsewhere (e.g. received by a Worker). */
  static attach(buffer: SharedArrayBuffer): JsRecordRing {
    const capacityBytes = buffer.byteLength - CONTROL_BYTES;
    checkRingOptions({ capacityBytes, producers: "single" });
    return new JsRecordRing(buffer, Atomics.load(new Int32Array(buffer, 0, CONTROL_BYTES / 4), MULTI) === 1);
  }

  /** `single` or `multi`, as created. */
  get producers(): Producers {
    return this.#multi ? "multi" : "single";
  }

  depth(): number {
    this.#assertOpen("depth");
    // A record can be popped before its producer counts it (multi): never report below zero.
    return Math.max(0, (Atomics.load(this.#control, PUSHED) - Atomics.load(this.#control, POPPED)) | 0);
  }

  tryPush(payload: Uint8Array, type = 0): boolean {
    this.#assertOpen("tryPush");
    checkPayload(payload, this.maxPayloadBytes);
    checkRecordType(type);
    const control = this.#control;
    const recordBytes = alignRecord(RECORD_HEADER_BYTES + payload.length);
    for (;;) {
      // The single producer owns TAIL: its own last store is the value.
      const tail = this.#multi ? Atomics.load(control, TAIL) : control[TAIL];
      const span = this.#spanAt(tail, recordBytes);
      if (((tail - this.#cachedHead) | 0) + span > this.capacityBytes) {
        this.#cachedHead = Atomics.load(control, HEAD);
        if (((tail - this.#cachedHead) | 0) + span > this.capacityBytes) return false;
      }
      const end = (tail + span) | 0;
      if (this.#multi && Atomics.compareExchange(control, TAIL, tail, end) !== tail) continue;
      this.#writeOne(payload, type, tail);
      this.#publish(1, end);
      return true;
    }
  }

  pushBatch(payloads: readonly Uint8Array[], type = 0): number {
    this.#assertOpen("pushBatch");
    checkPayloads(payloads, this.maxPayloadBytes);
    checkRecordType(type);
    return payloads.length === 0 ? 0 : this.#push(payloads, type);
  }

  popBatch(maxRecords: number, visit: (payload: Uint8Array, type: number) => void): number {
    this.#assertOpen("popBatch");
    checkPopArguments(maxRecords, visit);
    if (this.#popping) throw reenteredError("js");
    this.#popping = true;
    const start = this.#control[HEAD]; // The consumer owns HEAD.
    let head = start;
    let popped = 0;
    try {
      while (popped < maxRecords) {
        const length = this.#committedLength(head);
        if (length === 0) break;
        const offset = head & this.#mask;
        const type = this.#words[(offset >> 2) + 1];
        if (type === PADDING_TYPE_I32) {
          head = (head + length) | 0;
          continue;
        }
        // Counted before the visit: a visitor that throws has still received the record.
        head = (head + alignRecord(length)) | 0;
        popped++;
        visit(
          new Uint8Array(this.buffer, CONTROL_BYTES + offset + RECORD_HEADER_BYTES, length - RECORD_HEADER_BYTES),
          type,
        );
      }
    } finally {
      this.#popping = false;
      this.#release(start, head, popped);
    }
    return popped;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#control = new Int32Array(0);
    this.#bytes = new Uint8Array(0);
    this.#words = new Int32Array(0);
  }

  #assertOpen(method: string): void {
    if (this.#closed) throw closedError("RecordRing", "js", method);
  }

  /** Length of the committed record at `head`, or 0 when there is none (yet). */
  #committedLength(head: number): number {
    // Never read past the claimed tail: within one batch, bytes already consumed are zeroed only
    // at release, so the header there still holds the old record.
    if (head === this.#cachedTail) {
      this.#cachedTail = Atomics.load(this.#control, TAIL);
      if (head === this.#cachedTail) return 0;
    }
    const word = (head & this.#mask) >> 2;
    if (!this.#multi) return this.#words[word];
    const length = Atomics.load(this.#words, word);
    return length > 0 ? length : 0;
  }

  /** Hands `[start, head)` back to producers (zeroed first in multi-producer mode). */
  #release(start: number, head: number, popped: number): void {
    if (head === start) return;
    if (this.#multi) {
      const from = start & this.#mask;
      const bytes = (head - start) | 0;
      const first = Math.min(bytes, this.capacityBytes - from);
      this.#bytes.fill(0, from, from + first);
      if (first < bytes) this.#bytes.fill(0, 0, bytes - first);
    }
    Atomics.store(this.#control, POPPED, (this.#control[POPPED] + popped) | 0);
    Atomics.store(this.#control, HEAD, head);
  }

  /** Bytes a record of `recordBytes` takes when written at position `at` (plus any wrap padding). */
  #spanAt(at: number, recordBytes: number): number {
    const toEnd = this.capacityBytes - (at & this.#mask);
    return recordBytes <= toEnd ? recordBytes : toEnd + recordBytes;
  }

  #planEnd = 0; // Where the records counted by the last #plan end.

  /** How many leading `payloads` fit from `tail` given `head` (their end goes to #planEnd). */
  #plan(payloads: readonly Uint8Array[], tail: number, head: number): number {
    let end = tail;
    let fitting = 0;
    while (fitting < payloads.length) {
      const span = this.#spanAt(end, alignRecord(RECORD_HEADER_BYTES + payloads[fitting].length));
      if (((end - head) | 0) + span > this.capacityBytes) break;
      end = (end + span) | 0;
      fitting++;
    }
    this.#planEnd = end;
    return fitting;
  }

  /** Claims room for the longest prefix of `payloads` that fits, writes and commits it. */
  #push(payloads: readonly Uint8Array[], type: number): number {
    const control = this.#control;
    for (;;) {
      const tail = this.#multi ? Atomics.load(control, TAIL) : control[TAIL];
      let fitting = this.#plan(payloads, tail, this.#cachedHead);
      if (fitting < payloads.length) {
        this.#cachedHead = Atomics.load(control, HEAD);
        fitting = this.#plan(payloads, tail, this.#cachedHead);
        if (fitting === 0) return 0;
      }
      const end = this.#planEnd;
      if (this.#multi && Atomics.compareExchange(control, TAIL, tail, end) !== tail) continue;
      for (let i = 0, at = tail; i < fitting; i++) at = this.#writeOne(payloads[i], type, at);
      this.#publish(fitting, end);
      return fitting;
    }
  }

  /** Makes `count` written records visible: multi-producer records are already committed. */
  #publish(count: number, end: number): void {
    const control = this.#control;
    if (this.#multi) {
      Atomics.add(control, PUSHED, count);
    } else {
      Atomics.store(control, PUSHED, (control[PUSHED] + count) | 0);
      Atomics.store(control, TAIL, end);
    }
  }

  /** Writes one record at position `at` (after a padding record if it would straddle the end);
   * the header length is stored last (the commit). Returns the position after it. */
  #writeOne(payload: Uint8Array, type: number, at: number): number {
    const length = RECORD_HEADER_BYTES + payload.length;
    let offset = at & this.#mask;
    const toEnd = this.capacityBytes - offset;
    if (alignRecord(length) > toEnd) {
      this.#commit(offset, toEnd, PADDING_TYPE_I32);
      at = (at + toEnd) | 0;
      offset = 0;
    }
    this.#bytes.set(payload, offset + RECORD_HEADER_BYTES);
    this.#commit(offset, length, type);
    return (at + alignRecord(length)) | 0;
  }

  #commit(offset: number, length: number, type: number): void {
    const word = offset >> 2;
    this.#words[word + 1] = type;
    if (this.#multi) Atomics.store(this.#words, word, length);
    else this.#words[word] = length;
  }
}
