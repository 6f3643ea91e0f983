/**
 * The log ring in plain TypeScript: a fixed array of slots overwritten oldest-first, with the same
 * stamping, truncation and counting rules as `zig/src/log_ring.zig`.
 *
 * @module
 */

import { checkLogAppend, checkLogOptions, closedError } from "./_ring_format.ts";
import { decodeUtf8, encodeMessage, scratchBytesFor, utf8CutLength, wellFormed } from "./_log_text.ts";
import type { LogRing, LogRingOptions, LogRingRecord } from "./ring_backend.ts";

/**
 * Keeps the newest `capacityRecords` log records.
 *
 * @example
 * ```ts
 * const log = JsLogRing.create({ capacityRecords: 2048, maxMessageBytes: 1024 });
 * log.append(2, null, Date.now(), "started");
 * console.log(log.records()[0].seq); // 1n
 * ```
 */
export class JsLogRing implements LogRing {
  readonly capacityRecords: number;
  readonly #maxMessageBytes: number;
  // One slot per record, as parallel arrays: no object per line. Messages are kept as given and
  // made well-formed when read (the same text a UTF-8 round trip would give).
  #seqs: Float64Array;
  #times: Float64Array;
  #levels: Uint8Array;
  #daemons: (bigint | null)[];
  #messages: string[];
  #scratch: Uint8Array;
  #next = 0; // Slot the next record goes to.
  #count = 0; // Slots in use.
  #seq = 0; // Last sequence number given out (exact up to 2^53).
  #dropped = 0;
  #truncated = 0;
  #closed = false;

  private constructor(options: LogRingOptions) {
    const capacity = options.capacityRecords;
    this.capacityRecords = capacity;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#seqs = new Float64Array(capacity);
    this.#times = new Float64Array(capacity);
    this.#levels = new Uint8Array(capacity);
    this.#daemons = new Array(capacity).fill(null);
    this.#messages = new Array(capacity).fill("");
    this.#scratch = new Uint8Array(scratchBytesFor(options.maxMessageBytes));
  }

  /** Allocates a log ring. */
  static create(options: LogRingOptions): JsLogRing {
    checkLogOptions(options);
    return new JsLogRing(options);
  }

  append(level: number, daemonId: bigint | null, tsMs: number, message: string): bigint {
    if (this.#closed) throw closedError("LogRing", "js", "append");
    checkLogAppend(level, daemonId, tsMs, message);
    const slot = this.#next;
    const seq = ++this.#seq;
    this.#seqs[slot] = seq;
    this.#times[slot] = tsMs;
    this.#levels[slot] = level;
    this.#daemons[slot] = daemonId;
    this.#messages[slot] = this.#cut(message);
    this.#next = slot + 1 === this.capacityRecords ? 0 : slot + 1;
    if (this.#count === this.capacityRecords) this.#dropped++;
    else this.#count++;
    return BigInt(seq);
  }

  records(): LogRingRecord[] {
    if (this.#closed) throw closedError("LogRing", "js", "records");
    const out: LogRingRecord[] = [];
    let slot = (this.#next - this.#count + this.capacityRecords) % this.capacityRecords;
    for (let i = 0; i < this.#count; i++) {
      out.push({
        seq: BigInt(this.#seqs[slot]),
        tsMs: this.#times[slot],
        level: this.#levels[slot],
        daemonId: this.#daemons[slot],
        message: wellFormed(this.#messages[slot]),
      });
      slot = slot + 1 === this.capacityRecords ? 0 : slot + 1;
    }
    return out;
  }

  dropped(): bigint {
    if (this.#closed) throw closedError("LogRing", "js", "dropped");
    return BigInt(this.#dropped);
  }

  truncated(): bigint {
    if (this.#closed) throw closedError("LogRing", "js", "truncated");
    return BigInt(this.#truncated);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#seqs = new Float64Array(0);
    this.#times = new Float64Array(0);
    this.#levels = new Uint8Array(0);
    this.#daemons = [];
    this.#messages = [];
    this.#scratch = new Uint8Array(0);
  }

  /** The message as kept: whole if it fits, else cut at a code point boundary (and counted). */
  #cut(message: string): string {
    // Each UTF-16 unit encodes to at most 3 bytes: short messages cannot need a cut.
    if (message.length * 3 <= this.#maxMessageBytes) return message;
    const written = encodeMessage(message, this.#scratch);
    if (written <= this.#maxMessageBytes) return message;
    this.#truncated++;
    const cut = utf8CutLength(this.#scratch, written, this.#maxMessageBytes);
    return decodeUtf8(this.#scratch.subarray(0, cut));
  }
}
