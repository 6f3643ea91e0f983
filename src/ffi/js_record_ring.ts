/**
 * A record ring in plain TypeScript over one `SharedArrayBuffer`, so the same buffer can be handed
 * to Workers ({@link JsRecordRing.attach}). Same record format as the Zig ring: 8-byte header
 * (`i32` length of header + payload, `i32` type), 8-byte aligned, a padding record at the wrap.
 *
 * Byte positions only grow and are kept modulo 2^32 (`| 0`); with at most 1 GiB of data the
 * distance `tail - head` is always exact.
 *
 * Where `Atomics` are used, and why no more: an atomic access costs ~3 ns in Bun and ~20 ns in
 * Deno, a plain one under 1 ns. Each side keeps a cached copy of the other's position and reads
 * the real one (atomically) only when the cache says "full" or "empty". Single producer: records
 * are written with plain stores and published all at once by an `Atomics.store` of `TAIL` (a
 * sequentially consistent store orders the plain stores before it for any thread that reads it
 * atomically). The consumer reads records plainly after an atomic read of `TAIL`, and hands space
 * back with an `Atomics.store` of `HEAD`.
 *
 * Multi-producer mode: producers claim space with a CAS on `TAIL`, write their records, then
 * commit by storing the first header's length with `Atomics.store` (the other headers of a batch
 * are plain: the consumer reaches them only through the first). The consumer reads each header
 * atomically, stops at one whose length is not yet positive, and zeroes what it consumed before
 * releasing it, so a header slot always reads 0 until its producer commits.
 *
 * @module
 */

import { byteLengthOf, dataViewOf } from "../contract/byte_view.ts";
import {
  alignRecord,
  checkFrames,
  checkPayload,
  checkPayloads,
  checkPopArguments,
  checkRecordType,
  checkRingOptions,
  closedError,
  CommitWatch,
  corruptError,
  frameSize,
  maxPayloadBytesFor,
  PADDING_TYPE,
  RECORD_HEADER_BYTES,
  reenteredError,
} from "./_ring_format.ts";
import type { InPlaceVisitor, RecordRing, RecordRingOptions } from "./ring_backend.ts";

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
type PayloadVisitor = (payload: Uint8Array, type: number) => void;

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
  readonly #commits = new CommitWatch();
  readonly #mask: number;
  #control: Int32Array;
  #bytes: Uint8Array;
  #words: Int32Array;
  #cachedHead = 0; // Producer's last view of HEAD.
  #cachedTail = 0; // Consumer's last view of TAIL.
  #closed = false;
  #popping = false;
  #planEnd = 0; // Where the records counted by the last #plan end.

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
    if (this.#closed) throw closedError("RecordRing", "js", "tryPush");
    checkPayload(payload, this.maxPayloadBytes);
    checkRecordType(type);
    const recordBytes = alignRecord(RECORD_HEADER_BYTES + byteLengthOf(payload));
    const control = this.#control;
    for (;;) {
      // The single producer owns TAIL: its own last store is the value.
      const tail = this.#multi ? Atomics.load(control, TAIL) : control[TAIL];
      const span = this.#spanAt(tail, recordBytes);
      if (((tail - this.#cachedHead) >>> 0) + span > this.capacityBytes) {
        this.#cachedHead = Atomics.load(control, HEAD);
        if (((tail - this.#cachedHead) >>> 0) + span > this.capacityBytes) return false;
      }
      const end = (tail + span) | 0;
      if (this.#multi && Atomics.compareExchange(control, TAIL, tail, end) !== tail) continue;
      this.#beginWrite(tail);
      this.#writeOne(payload, type, tail);
      this.#publish(1, end);
      return true;
    }
  }

  pushBatch(payloads: readonly Uint8Array[], type = 0): number {
    if (this.#closed) throw closedError("RecordRing", "js", "pushBatch");
    checkPayloads(payloads, this.maxPayloadBytes);
    checkRecordType(type);
    return payloads.length === 0 ? 0 : this.#push(payloads, type);
  }

  pushFrames(frames: Uint8Array): number {
    if (this.#closed) throw closedError("RecordRing", "js", "pushFrames");
    if (!(frames instanceof Uint8Array)) checkFrames(frames, this.maxPayloadBytes); // throws
    if (byteLengthOf(frames) === 0) return 0;
    const view = dataViewOf(frames);
    const control = this.#control;
    for (;;) {
      const tail = this.#multi ? Atomics.load(control, TAIL) : control[TAIL];
      const plan = this.#framePlan;
      this.#planFrames(frames, view, tail, this.#cachedHead);
      if (plan.fitting < plan.records) {
        this.#cachedHead = Atomics.load(control, HEAD);
        this.#planFrames(frames, view, tail, this.#cachedHead);
        if (plan.fitting === 0) return 0;
      }
      if (this.#multi && Atomics.compareExchange(control, TAIL, tail, plan.end) !== tail) continue;
      this.#beginWrite(tail);
      const offset = tail & this.#mask;
      if (plan.splitAt < 0) {
        this.#copyRun(frames, view, 0, plan.prefixBytes, offset);
      } else {
        this.#copyRun(frames, view, 0, plan.splitAt, offset);
        if (plan.paddingBytes > 0) this.#setHeader(plan.splitOffset, plan.paddingBytes, PADDING_TYPE_I32);
        this.#copyRun(frames, view, plan.splitAt, plan.prefixBytes, 0);
      }
      this.#publish(plan.fitting, plan.end);
      return plan.fitting;
    }
  }

  popBatch(maxRecords: number, visit: PayloadVisitor): number {
    checkPopArguments(maxRecords, visit);
    const buffer = this.buffer;
    return this.#pop("popBatch", maxRecords, (_bytes, offset, length, type) => {
      visit(new Uint8Array(buffer, CONTROL_BYTES + offset, length), type);
    });
  }

  popBatchInPlace(maxRecords: number, visit: InPlaceVisitor): number {
    checkPopArguments(maxRecords, visit);
    return this.#pop("popBatchInPlace", maxRecords, visit);
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

  /** Visits up to `maxRecords` records in place, then releases what was visited (even on a throw). */
  #pop(method: string, maxRecords: number, visit: InPlaceVisitor): number {
    this.#assertOpen(method);
    if (this.#popping) throw reenteredError("js", method);
    this.#popping = true;
    const control = this.#control;
    const words = this.#words;
    const bytes = this.#bytes;
    const mask = this.#mask;
    const multi = this.#multi;
    const start = control[HEAD]; // The consumer owns HEAD.
    let head = start;
    let popped = 0;
    try {
      while (popped < maxRecords) {
        // Never read past the claimed tail: within one batch, bytes already consumed are zeroed
        // only at release, so a header there still holds the old record.
        if (head === this.#cachedTail) {
          this.#cachedTail = Atomics.load(control, TAIL);
          if (head === this.#cachedTail) break;
        }
        const offset = head & mask;
        const word = offset >> 2;
        const length = multi ? Atomics.load(words, word) : words[word];
        // 0: claimed, not committed yet. A negative length is no commit but corruption (a header
        // above 2^31): it must fail below, not stall the consumer for good.
        if (length === 0 && multi) {
          this.#commits.stuck("js", `record at offset ${offset}`);
          break;
        }
        // Only a visitor writing outside its payload could break these (popBatchInPlace hands it
        // the whole region): fail instead of walking garbage.
        if (
          length < RECORD_HEADER_BYTES || length > this.capacityBytes - offset ||
          length > ((this.#cachedTail - head) >>> 0)
        ) {
          throw corruptError("js", offset, length);
        }
        const type = words[word + 1];
        if (type === PADDING_TYPE_I32) {
          head = (head + length) | 0;
          continue;
        }
        // Counted before the visit: a visitor that throws has still received the record.
        head = (head + alignRecord(length)) | 0;
        popped++;
        visit(bytes, offset + RECORD_HEADER_BYTES, length - RECORD_HEADER_BYTES, type);
      }
    } finally {
      this.#popping = false;
      this.#release(start, head, popped);
    }
    if (popped > 0) this.#commits.moved();
    return popped;
  }

  /** Hands `[start, head)` back to producers (zeroed first in multi-producer mode). */
  #release(start: number, head: number, popped: number): void {
    if (head === start || this.#closed) return;
    const control = this.#control;
    if (this.#multi) {
      const from = start & this.#mask;
      const bytes = (head - start) | 0;
      const first = Math.min(bytes, this.capacityBytes - from);
      this.#bytes.fill(0, from, from + first);
      if (first < bytes) this.#bytes.fill(0, 0, bytes - first);
      Atomics.add(control, POPPED, popped);
    } else {
      control[POPPED] = (control[POPPED] + popped) | 0; // published by the store of HEAD
    }
    Atomics.store(control, HEAD, head);
  }

  /** Bytes a record of `recordBytes` takes when written at position `at` (plus any wrap padding). */
  #spanAt(at: number, recordBytes: number): number {
    const toEnd = this.capacityBytes - (at & this.#mask);
    return recordBytes <= toEnd ? recordBytes : toEnd + recordBytes;
  }

  /** How many leading `payloads` fit from `tail` given `head` (their end goes to #planEnd). */
  #plan(payloads: readonly Uint8Array[], tail: number, head: number): number {
    let end = tail;
    let fitting = 0;
    while (fitting < payloads.length) {
      const span = this.#spanAt(end, alignRecord(RECORD_HEADER_BYTES + byteLengthOf(payloads[fitting])));
      if (((end - head) >>> 0) + span > this.capacityBytes) break;
      end = (end + span) | 0;
      fitting++;
    }
    this.#planEnd = end;
    return fitting;
  }

  /** What the last #planFrames found (reused: no allocation per call). */
  readonly #framePlan = {
    records: 0, // frames in the buffer
    fitting: 0, // leading frames that fit
    prefixBytes: 0, // their bytes in the buffer
    end: 0, // position after them in the ring
    splitAt: -1, // byte in the buffer of the first frame placed at offset 0 after the wrap, or -1
    splitOffset: 0, // ring offset where the run before the wrap ends
    paddingBytes: 0, // padding record written there (0: the run meets the end exactly)
  };

  /**
   * One walk over `frames`: checks every frame (throwing `invalid_argument` on a malformed one)
   * and plans the prefix that fits from `tail` given `head`, with where it wraps.
   */
  #planFrames(frames: Uint8Array, view: DataView, tail: number, head: number): void {
    const plan = this.#framePlan;
    const max = this.maxPayloadBytes;
    plan.fitting = 0;
    plan.prefixBytes = 0;
    plan.splitAt = -1;
    let records = 0;
    let end = tail;
    let fits = true;
    for (let at = 0; at < view.byteLength; records++) {
      const size = frameSize(view, at, max);
      if (size < 0) checkFrames(frames, max); // throws, naming the frame
      if (fits) {
        const offset = end & this.#mask;
        const toEnd = this.capacityBytes - offset;
        const span = size <= toEnd ? size : toEnd + size;
        fits = ((end - head) >>> 0) + span <= this.capacityBytes;
        if (fits) {
          if (size > toEnd || (offset === 0 && end !== tail)) {
            plan.splitAt = at;
            plan.splitOffset = offset;
            plan.paddingBytes = size > toEnd ? toEnd : 0;
          }
          end = (end + span) | 0;
          plan.fitting++;
          plan.prefixBytes = at + size;
        }
      }
      at += size;
    }
    plan.records = records;
    plan.end = end;
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
      this.#beginWrite(tail);
      for (let i = 0, at = tail; i < fitting; i++) at = this.#writeOne(payloads[i], type, at);
      this.#publish(fitting, end);
      return fitting;
    }
  }

  #commitWord = -1; // Multi-producer: header word at the start of the claim being written.
  #commitLength = 0; // Its length, stored last (the commit).

  /** Starts writing a claim at position `tail`: in multi-producer mode its first header is the commit. */
  #beginWrite(tail: number): void {
    this.#commitWord = this.#multi ? (tail & this.#mask) >> 2 : -1;
  }

  /** Writes a header; the length of the claim's first header waits for #publish (multi-producer). */
  #setHeader(offset: number, length: number, type: number): void {
    const word = offset >> 2;
    this.#words[word + 1] = type;
    if (word === this.#commitWord) this.#commitLength = length;
    else this.#words[word] = length;
  }

  /** Writes one record at position `at` (after a padding record if it would straddle the end);
   * returns the position after it. */
  #writeOne(payload: Uint8Array, type: number, at: number): number {
    const length = RECORD_HEADER_BYTES + byteLengthOf(payload);
    let offset = at & this.#mask;
    const toEnd = this.capacityBytes - offset;
    if (alignRecord(length) > toEnd) {
      this.#setHeader(offset, toEnd, PADDING_TYPE_I32);
      at = (at + toEnd) | 0;
      offset = 0;
    }
    this.#bytes.set(payload, offset + RECORD_HEADER_BYTES);
    this.#setHeader(offset, length, type);
    return (at + alignRecord(length)) | 0;
  }

  /** Copies frames `[from, to)` to `offset`, holding back the commit header's length (multi). */
  #copyRun(frames: Uint8Array, view: DataView, from: number, to: number, offset: number): void {
    if (from === to) return;
    if (offset >> 2 !== this.#commitWord) {
      this.#bytes.set(frames.subarray(from, to), offset);
      return;
    }
    this.#commitLength = view.getUint32(from, true);
    this.#bytes.set(frames.subarray(from + 4, to), offset + 4);
  }

  /**
   * Makes `count` written records visible. Single producer: one store of TAIL. Multi-producer:
   * the store of the claim's first header length commits the whole claim.
   */
  #publish(count: number, end: number): void {
    const control = this.#control;
    if (this.#multi) {
      Atomics.store(this.#words, this.#commitWord, this.#commitLength);
      Atomics.add(control, PUSHED, count);
    } else {
      control[PUSHED] = (control[PUSHED] + count) | 0; // published by the store of TAIL
      Atomics.store(control, TAIL, end);
    }
  }
}
