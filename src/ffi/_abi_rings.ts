/**
 * Record rings and log rings over the Zig library, shared by every host (bun:ffi, Deno.dlopen,
 * wasm). Producers write payloads straight into ring memory (claim → write through a view →
 * commit) and consumers read them there (read → visit views → release): two library calls per
 * batch whatever its size, no copy but the one into the ring.
 *
 * @module
 */

import { Status, statusError } from "./_abi.ts";
import type { AbiCalls, AbiHost, HostMemory } from "./_abi_host.ts";
import { decodeUtf8, encodeMessage, scratchBytesFor } from "./_log_text.ts";
import {
  alignRecord,
  checkLogAppend,
  checkLogOptions,
  checkPayload,
  checkPayloads,
  checkPopArguments,
  checkRecordType,
  checkRingOptions,
  closedError,
  reenteredError,
  LOG_SLOT_HEADER_BYTES,
  maxPayloadBytesFor,
  PADDING_TYPE,
  RECORD_HEADER_BYTES,
} from "./_ring_format.ts";
import type {
  LogRing,
  LogRingOptions,
  LogRingRecord,
  RecordRing,
  RecordRingOptions,
  RingBackend,
} from "./ring_backend.ts";

/** Records claimed per library call; longer batches take several. */
const CLAIM_CHUNK_RECORDS = 1024;

/** Per-backend scratch: out-parameters and the claim arrays. Methods copy what they need out of
 * it before running user code, so a visitor may use any ring of the same backend. */
interface Scratch {
  out: HostMemory;
  lengths: HostMemory;
  offsets: HostMemory;
}

/** Throws unless `status` is ok (hot paths test inline so their messages are built only on failure). */
function check(status: number, what: string, expected: string): void {
  if (status !== Status.ok) throw statusError(status, what, expected);
}

class AbiRecordRing implements RecordRing {
  readonly capacityBytes: number;
  readonly maxPayloadBytes: number;
  readonly #host: AbiHost;
  readonly #calls: AbiCalls;
  readonly #scratch: Scratch;
  readonly #handle: number;
  #region: HostMemory | undefined;
  #popping = false;

  constructor(host: AbiHost, scratch: Scratch, handle: number, capacityBytes: number) {
    this.#host = host;
    this.#calls = host.calls;
    this.#scratch = scratch;
    this.#handle = handle;
    this.capacityBytes = capacityBytes;
    this.maxPayloadBytes = maxPayloadBytesFor(capacityBytes);
    this.#region = host.ringRegion(handle, capacityBytes);
  }

  #open(method: string): HostMemory {
    if (this.#region === undefined) throw closedError("RecordRing", this.#host.name, method);
    return this.#region;
  }

  depth(): number {
    this.#open("depth");
    const out = this.#scratch.out;
    check(this.#calls.meshos_ring_depth(this.#handle, out.arg), "meshos_ring_depth", "a live ring");
    return out.u32()[0];
  }

  tryPush(payload: Uint8Array, type = 0): boolean {
    const region = this.#open("tryPush");
    checkPayload(payload, this.maxPayloadBytes);
    checkRecordType(type);
    if (!this.#host.passesJsMemory) return this.#claimOne(region, payload, type);
    const status = this.#calls.meshos_ring_push(this.#handle, payload, payload.length, type);
    if (status === Status.full) return false;
    if (status !== Status.ok) {
      throw statusError(status, `meshos_ring_push(payload of ${payload.length} bytes, type ${type})`, "ok or full");
    }
    return true;
  }

  pushBatch(payloads: readonly Uint8Array[], type = 0): number {
    const region = this.#open("pushBatch");
    checkPayloads(payloads, this.maxPayloadBytes);
    checkRecordType(type);
    let pushed = 0;
    while (pushed < payloads.length) {
      const count = Math.min(CLAIM_CHUNK_RECORDS, payloads.length - pushed);
      const claimed = this.#claimAndWrite(region, payloads, pushed, count, type);
      pushed += claimed;
      if (claimed < count) break;
    }
    return pushed;
  }

  /** Claims room for `payloads[first..first+count]`, copies them in through the view, commits. */
  #claimAndWrite(
    region: HostMemory,
    payloads: readonly Uint8Array[],
    first: number,
    count: number,
    type: number,
  ): number {
    const { out, lengths, offsets } = this.#scratch;
    const lengthView = lengths.u32();
    for (let i = 0; i < count; i++) lengthView[i] = payloads[first + i].length;
    const status = this.#calls.meshos_ring_claim(this.#handle, lengths.arg, count, type, offsets.arg, out.arg);
    if (status !== Status.ok) throw statusError(status, `meshos_ring_claim(${count} records, type ${type})`, "ok");
    const claimed = out.u32()[0];
    if (claimed === 0) return 0;
    const offsetView = offsets.u32();
    const firstOffset = offsetView[0];
    let committed: number = Status.ok;
    try {
      const bytes = region.u8();
      for (let i = 0; i < claimed; i++) bytes.set(payloads[first + i], offsetView[i]);
    } finally {
      // Always commit: an uncommitted claim would block the consumer for good.
      committed = this.#calls.meshos_ring_commit(this.#handle, firstOffset, claimed);
    }
    if (committed !== Status.ok) {
      throw statusError(committed, `meshos_ring_commit(offset ${firstOffset}, ${claimed} records)`, "ok");
    }
    return claimed;
  }

  /** `tryPush` without passing JS memory: claim one record, copy in through the view, commit. */
  #claimOne(region: HostMemory, payload: Uint8Array, type: number): boolean {
    const { out, lengths, offsets } = this.#scratch;
    lengths.u32()[0] = payload.length;
    const status = this.#calls.meshos_ring_claim(this.#handle, lengths.arg, 1, type, offsets.arg, out.arg);
    if (status !== Status.ok) throw statusError(status, `meshos_ring_claim(1 record, type ${type})`, "ok");
    if (out.u32()[0] === 0) return false;
    const offset = offsets.u32()[0];
    region.u8().set(payload, offset); // cannot throw: payload is a checked Uint8Array that fits
    const committed = this.#calls.meshos_ring_commit(this.#handle, offset, 1);
    if (committed !== Status.ok) throw statusError(committed, `meshos_ring_commit(offset ${offset}, 1 record)`, "ok");
    return true;
  }

  popBatch(maxRecords: number, visit: (payload: Uint8Array, type: number) => void): number {
    const region = this.#open("popBatch");
    checkPopArguments(maxRecords, visit);
    if (this.#popping) throw reenteredError(this.#host.name);
    this.#popping = true;
    try {
      return this.#pop(region, maxRecords, visit);
    } finally {
      this.#popping = false;
    }
  }

  #pop(region: HostMemory, maxRecords: number, visit: (payload: Uint8Array, type: number) => void): number {
    let popped = 0;
    // Two runs at most: to the end of the data region, then from its start.
    for (let run = 0; run < 2 && popped < maxRecords; run++) {
      const out = this.#scratch.out;
      check(this.#calls.meshos_ring_read(this.#handle, maxRecords - popped, out.arg), "meshos_ring_read", "ok");
      const span = out.u32();
      const offset = span[0];
      const bytes = span[1];
      const records = span[2];
      if (bytes === 0) break;
      popped += this.#visitSpan(region, offset, bytes, records, visit);
      if (offset + bytes !== this.capacityBytes) break;
    }
    return popped;
  }

  /** Hands each record of a span to `visit`, then releases what was visited (even on a throw). */
  #visitSpan(
    region: HostMemory,
    offset: number,
    bytes: number,
    records: number,
    visit: (payload: Uint8Array, type: number) => void,
  ): number {
    let consumed = 0;
    let visited = 0;
    let released: number = Status.ok;
    try {
      let u32 = region.u32();
      let buffer = region.u8().buffer;
      let base = region.u8().byteOffset;
      while (consumed < bytes) {
        // A visitor that grows wasm memory detaches the views (they read as empty): re-make them.
        if (u32.length === 0) {
          u32 = region.u32();
          buffer = region.u8().buffer;
          base = region.u8().byteOffset;
        }
        const at = offset + consumed;
        const length = u32[at >>> 2];
        const type = u32[(at >>> 2) + 1];
        if (type === PADDING_TYPE) {
          consumed += length;
          continue;
        }
        // Counted before the visit: a visitor that throws has still received its record.
        consumed += alignRecord(length);
        visited++;
        visit(new Uint8Array(buffer, base + at + RECORD_HEADER_BYTES, length - RECORD_HEADER_BYTES), type);
      }
    } finally {
      // Runs on a throwing visitor too (whose error then wins over a release failure).
      released = this.#calls.meshos_ring_release(this.#handle, consumed, null);
    }
    if (released !== Status.ok) throw statusError(released, `meshos_ring_release(${consumed} bytes)`, "ok");
    if (visited !== records) throw new Error(`meshos_ring_read described ${records} records, found ${visited}`);
    return visited;
  }

  close(): void {
    if (this.#region === undefined) return;
    this.#region.free();
    this.#region = undefined;
    check(this.#calls.meshos_ring_destroy(this.#handle), "meshos_ring_destroy", "a live ring");
  }
}

class AbiLogRing implements LogRing {
  readonly capacityRecords: number;
  readonly #host: AbiHost;
  readonly #calls: AbiCalls;
  readonly #out: HostMemory;
  readonly #handle: number;
  #message: HostMemory | undefined;

  constructor(host: AbiHost, out: HostMemory, handle: number, options: LogRingOptions) {
    this.#host = host;
    this.#calls = host.calls;
    this.#out = out;
    this.#handle = handle;
    this.capacityRecords = options.capacityRecords;
    this.#message = host.allocate(scratchBytesFor(options.maxMessageBytes));
  }

  #open(method: string): HostMemory {
    if (this.#message === undefined) throw closedError("LogRing", this.#host.name, method);
    return this.#message;
  }

  append(level: number, daemonId: bigint | null, tsMs: number, message: string): bigint {
    const scratch = this.#open("append");
    checkLogAppend(level, daemonId, tsMs, message);
    const written = encodeMessage(message, scratch.u8());
    const status = this.#calls.meshos_log_append(
      this.#handle,
      level,
      daemonId === null ? 0 : 1,
      daemonId ?? 0n,
      BigInt(tsMs),
      scratch.arg,
      written,
      this.#out.arg,
    );
    if (status !== Status.ok) {
      throw statusError(status, `meshos_log_append(level ${level}, ${written} message bytes)`, "ok");
    }
    return this.#out.u64()[0];
  }

  /** `[records, seq, dropped, truncated, readBytes]`. */
  #stats(method: string): bigint[] {
    this.#open(method);
    check(this.#calls.meshos_log_stats(this.#handle, this.#out.arg), "meshos_log_stats", "a live log ring");
    return [...this.#out.u64().subarray(0, 5)];
  }

  records(): LogRingRecord[] {
    const readBytes = Number(this.#stats("records")[4]);
    if (readBytes === 0) return [];
    const buffer = this.#host.allocate(readBytes);
    try {
      const status = this.#calls.meshos_log_read(this.#handle, buffer.arg, readBytes, this.#out.arg);
      if (status !== Status.ok) throw statusError(status, `meshos_log_read(${readBytes} bytes)`, "ok");
      return parseLogRecords(buffer.u8().slice(0, this.#out.u32()[1]));
    } finally {
      buffer.free();
    }
  }

  dropped(): bigint {
    return this.#stats("dropped")[2];
  }

  truncated(): bigint {
    return this.#stats("truncated")[3];
  }

  close(): void {
    if (this.#message === undefined) return;
    this.#message.free();
    this.#message = undefined;
    check(this.#calls.meshos_log_destroy(this.#handle), "meshos_log_destroy", "a live log ring");
  }
}

/** Parses what `meshos_log_read` writes: per record a 40-byte entry, then the message padded to 8. */
function parseLogRecords(bytes: Uint8Array): LogRingRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: LogRingRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    const messageBytes = view.getUint32(at + 32, true);
    const hasDaemon = (view.getUint32(at + 28, true) & 1) === 1;
    const start = at + LOG_SLOT_HEADER_BYTES;
    records.push({
      seq: view.getBigUint64(at, true),
      tsMs: Number(view.getBigInt64(at + 8, true)),
      level: view.getUint32(at + 24, true),
      daemonId: hasDaemon ? view.getBigUint64(at + 16, true) : null,
      message: decodeUtf8(bytes.subarray(start, start + messageBytes)),
    });
    at = start + alignRecord(messageBytes);
  }
  return records;
}

/** A `RingBackend` over a loaded library. */
export function createAbiBackend(host: AbiHost): RingBackend {
  const scratch: Scratch = {
    out: host.allocate(64),
    lengths: host.allocate(4 * CLAIM_CHUNK_RECORDS),
    offsets: host.allocate(4 * CLAIM_CHUNK_RECORDS),
  };
  const { calls, name } = host;
  return {
    name,
    createRing(options: RecordRingOptions): RecordRing {
      checkRingOptions(options);
      const { capacityBytes, producers } = options;
      const status = calls.meshos_ring_create(capacityBytes, producers === "multi" ? 1 : 0, scratch.out.arg);
      if (status !== Status.ok) {
        throw statusError(status, `meshos_ring_create(${capacityBytes} bytes, ${producers})`, "ok");
      }
      const handle = scratch.out.u32()[0];
      try {
        return new AbiRecordRing(host, scratch, handle, capacityBytes);
      } catch (cause) {
        calls.meshos_ring_destroy(handle);
        throw cause;
      }
    },
    createLogRing(options: LogRingOptions): LogRing {
      checkLogOptions(options);
      const { capacityRecords, maxMessageBytes } = options;
      const status = calls.meshos_log_create(capacityRecords, maxMessageBytes, scratch.out.arg);
      if (status !== Status.ok) {
        throw statusError(status, `meshos_log_create(${capacityRecords} records, ${maxMessageBytes} bytes)`, "ok");
      }
      const handle = scratch.out.u32()[0];
      try {
        return new AbiLogRing(host, scratch.out, handle, options);
      } catch (cause) {
        calls.meshos_log_destroy(handle);
        throw cause;
      }
    },
  };
}
