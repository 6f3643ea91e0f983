/**
 * The one interface of the hot path. Four implementations sit behind it — `bun:ffi` and
 * `Deno.dlopen` over the Zig library, the same Zig compiled to wasm32, and pure TypeScript over a
 * SharedArrayBuffer — and one conformance suite (`tests/ring_conformance_test.ts`) runs them all.
 *
 * @module
 */

/** Which implementation is serving the rings. */
export type BackendName = "bun-ffi" | "deno-ffi" | "wasm" | "js";

/** Options for a record ring. */
export interface RecordRingOptions {
  /** Data region size in bytes; a power of two, at least 64. */
  capacityBytes: number;
  /** `single`: one producer thread (SPSC); `multi`: any number of producer threads (MPSC). */
  producers: "single" | "multi";
}

/**
 * Visits one record without copying it: its payload is `bytes[offset, offset + length)`, where
 * `bytes` views the ring's memory (only valid during the call; copy what you keep).
 */
export type InPlaceVisitor = (bytes: Uint8Array, offset: number, length: number, type: number) => void;

/**
 * A bounded ring of variable-length records (8-byte header + payload, 8-byte aligned, a padding
 * record at the wrap). Pushing never blocks and never overwrites: a full ring says so.
 */
export interface RecordRing {
  /** Data region size in bytes. */
  readonly capacityBytes: number;
  /** Largest payload one record may carry. */
  readonly maxPayloadBytes: number;
  /** Records pushed and not yet popped. */
  depth(): number;
  /** Appends one record; `false` when it does not fit now (nothing is written). */
  tryPush(payload: Uint8Array, type?: number): boolean;
  /**
   * Appends records in order until one does not fit (every payload is checked first: a bad one
   * throws and nothing is written). Returns how many were accepted (a prefix of `payloads`).
   */
  pushBatch(payloads: readonly Uint8Array[], type?: number): number;
  /**
   * Pops up to `maxRecords` records, oldest first, handing each to `visit`. The payload view is only
   * valid during the call (it points into the ring); copy it to keep it. Returns the count popped.
   */
  popBatch(maxRecords: number, visit: (payload: Uint8Array, type: number) => void): number;
  /**
   * `popBatch` without a view object per record: each record is handed over as the ring's bytes
   * with its offset and length (see {@link InPlaceVisitor}). Same order, limits and rules as
   * `popBatch` (a visitor that throws has consumed its record; the rest stay queued).
   */
  popBatchInPlace(maxRecords: number, visit: InPlaceVisitor): number;
  /**
   * Appends records already packed in ring format — per record an 8-byte header (`u32` length of
   * header + payload, `u32` type, little-endian), the payload, zero padding to 8 bytes; see
   * `FrameBuilder` — in order until one does not fit; returns how many were accepted (a prefix).
   * Every frame is checked before any is written: a malformed buffer throws `invalid_argument`.
   */
  pushFrames(frames: Uint8Array): number;
  /** Frees the ring's memory; any later call throws. Idempotent. */
  close(): void;
}

/** One record of the log ring, as read back. */
export interface LogRingRecord {
  /** Per-ring sequence number, from 1, strictly increasing. */
  seq: bigint;
  /** Wall-clock ms since the Unix epoch when appended. */
  tsMs: number;
  /** 0 trace … 4 error. */
  level: number;
  /** The daemon that logged, or null for the runtime itself. */
  daemonId: bigint | null;
  /** The line (UTF-8, cut at `maxMessageBytes`). */
  message: string;
}

/** Options for a log ring. */
export interface LogRingOptions {
  /** Records kept; the oldest is dropped when a new one arrives at capacity. Default 2048. */
  capacityRecords: number;
  /** Longest message kept, in UTF-8 bytes; longer ones are cut and the cut is counted. */
  maxMessageBytes: number;
}

/** Keeps the newest N log records; never blocks, counts what it drops. */
export interface LogRing {
  readonly capacityRecords: number;
  /** Stamps and stores one record; returns its sequence number. */
  append(level: number, daemonId: bigint | null, tsMs: number, message: string): bigint;
  /** The kept records, oldest first. */
  records(): LogRingRecord[];
  /** Records evicted to make room, since creation. */
  dropped(): bigint;
  /** Messages cut to `maxMessageBytes`, since creation. */
  truncated(): bigint;
  close(): void;
}

/** A loaded implementation. */
export interface RingBackend {
  readonly name: BackendName;
  createRing(options: RecordRingOptions): RecordRing;
  createLogRing(options: LogRingOptions): LogRing;
}
