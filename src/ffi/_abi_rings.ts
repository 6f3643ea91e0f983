/**
 * Record rings and log rings over the Zig library, shared by every host (bun:ffi, Deno.dlopen,
 * wasm). Producers write payloads straight into ring memory (claim → write through a view →
 * commit) and consumers read them there (read → visit views → release): two library calls per
 * batch whatever its size, no copy but the one into the ring.
 *
 * @module
 */

import { byteLengthOf } from "../contract/byte_view.ts";
import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { Status, statusError } from "./_abi.ts";
import type { AbiCall, AbiCalls, AbiHost, HostMemory } from "./_abi_host.ts";
import { decodeUtf8, encodeMessage, scratchBytesFor } from "./_log_text.ts";
import {
  alignRecord,
  checkFrames,
  checkLogAppend,
  checkLogOptions,
  checkPayload,
  checkPayloads,
  checkPopArguments,
  checkRecordType,
  checkRingOptions,
  closedError,
  CommitWatch,
  corruptError,
  reenteredError,
  LOG_SLOT_HEADER_BYTES,
  maxPayloadBytesFor,
  PADDING_TYPE,
  RECORD_HEADER_BYTES,
} from "./_ring_format.ts";
import type {
  InPlaceVisitor,
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
  /** Payload lengths of a claim; also where `tryPush` stages a payload (hosts without JS memory). */
  lengths: HostMemory;
  offsets: HostMemory;
  /**
   * Destroys closed rings whose memory views can outlive them (FFI), once the last view is
   * collected: until then the memory stays valid and the library refuses the closed handle.
   */
  destroyLater: FinalizationRegistry<number>;
}

/** Throws unless `status` is ok (hot paths test inline so their messages are built only on failure). */
function check(status: number, what: string, expected: string): void {
  if (status !== Status.ok) throw statusError(status, what, expected);
}

type PayloadVisitor = (payload: Uint8Array, type: number) => void;

class AbiRecordRing implements RecordRing {
  readonly capacityBytes: number;
  readonly maxPayloadBytes: number;
  readonly #host: AbiHost;
  readonly #scratch: Scratch;
  readonly #handle: number;
  // The calls of the hot path, looked up once.
  readonly #push: AbiCall;
  readonly #claim: AbiCall;
  readonly #commit: AbiCall;
  readonly #read: AbiCall;
  readonly #release: AbiCall;
  #region: HostMemory | undefined;
  #popping = false;
  readonly #commits = new CommitWatch();

  /** Destroys the ring on close (false for a ring attached from another thread's handle). */
  readonly #owned: boolean;

  constructor(host: AbiHost, scratch: Scratch, handle: number, capacityBytes: number, owned = true) {
    this.#host = host;
    this.#scratch = scratch;
    this.#handle = handle;
    this.#owned = owned;
    const calls = host.calls;
    this.#push = calls.meshos_ring_push;
    this.#claim = calls.meshos_ring_claim;
    this.#commit = calls.meshos_ring_commit;
    this.#read = calls.meshos_ring_read;
    this.#release = calls.meshos_ring_release;
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
    check(this.#host.calls.meshos_ring_depth(this.#handle, out.arg), "meshos_ring_depth", "a live ring");
    return out.u32()[0];
  }

  tryPush(payload: Uint8Array, type = 0): boolean {
    const region = this.#open("tryPush");
    checkPayload(payload, this.maxPayloadBytes);
    checkRecordType(type);
    let source: unknown = payload;
    if (!this.#host.passesJsMemory) {
      // Stage the payload in library memory and push it in one call (claim + commit take two).
      const staging = this.#scratch.lengths;
      if (byteLengthOf(payload) > staging.byteLength) return this.#claimAndWrite(region, [payload], 0, 1, type) === 1;
      staging.u8().set(payload);
      source = staging.arg;
    }
    const status = this.#push(this.#handle, source, byteLengthOf(payload), type);
    if (status === Status.ok) return true;
    if (status === Status.full) return false;
    throw statusError(status, `meshos_ring_push(payload of ${byteLengthOf(payload)} bytes, type ${type})`, "ok or full");
  }

  pushBatch(payloads: readonly Uint8Array[], type = 0): number {
    const region = this.#open("pushBatch");
    checkPayloads(payloads, this.maxPayloadBytes);
    checkRecordType(type);
    // bun:ffi: one call per payload, the library copying it, beats claiming and copying in JS
    // (a TypedArray `set` of a small payload costs more than the call).
    if (this.#host.passesJsMemory) return this.#pushEach(payloads, type);
    let pushed = 0;
    while (pushed < payloads.length) {
      const count = Math.min(CLAIM_CHUNK_RECORDS, payloads.length - pushed);
      const claimed = this.#claimAndWrite(region, payloads, pushed, count, type);
      pushed += claimed;
      if (claimed < count) break;
    }
    return pushed;
  }

  /** Pushes payloads one library call each, the library copying them (hosts that pass JS memory). */
  #pushEach(payloads: readonly Uint8Array[], type: number): number {
    const push = this.#push;
    const handle = this.#handle;
    for (let i = 0; i < payloads.length; i++) {
      const payload = payloads[i];
      const status = push(handle, payload, byteLengthOf(payload), type);
      if (status === Status.ok) continue;
      if (status === Status.full) return i;
      throw statusError(status, `meshos_ring_push(payloads[${i}] of ${byteLengthOf(payload)} bytes, type ${type})`, "ok or full");
    }
    return payloads.length;
  }

  pushFrames(frames: Uint8Array): number {
    this.#open("pushFrames");
    if (!(frames instanceof Uint8Array)) checkFrames(frames, this.maxPayloadBytes); // throws
    if (byteLengthOf(frames) === 0) return 0;
    const out = this.#scratch.out;
    const status = this.#host.pushFrames(this.#handle, frames, this.capacityBytes, out.arg);
    if (status === Status.ok) return out.u32()[0];
    // The library says what is wrong; the TypeScript check says where, with the same rules.
    if (status === Status.bad_length || status === Status.bad_type) checkFrames(frames, this.maxPayloadBytes);
    throw statusError(status, `meshos_ring_push_frames(${byteLengthOf(frames)} bytes)`, "ok");
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
    for (let i = 0; i < count; i++) lengthView[i] = byteLengthOf(payloads[first + i]);
    const status = this.#claim(this.#handle, lengths.arg, count, type, offsets.arg, out.arg);
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
      committed = this.#commit(this.#handle, firstOffset, claimed);
    }
    if (committed !== Status.ok) {
      throw statusError(committed, `meshos_ring_commit(offset ${firstOffset}, ${claimed} records)`, "ok");
    }
    return claimed;
  }

  popBatch(maxRecords: number, visit: PayloadVisitor): number {
    checkPopArguments(maxRecords, visit);
    return this.#pop("popBatch", maxRecords, (bytes, offset, length, type) => {
      visit(new Uint8Array(bytes.buffer, bytes.byteOffset + offset, length), type);
    });
  }

  popBatchInPlace(maxRecords: number, visit: InPlaceVisitor): number {
    checkPopArguments(maxRecords, visit);
    return this.#pop("popBatchInPlace", maxRecords, visit);
  }

  #pop(method: string, maxRecords: number, visit: InPlaceVisitor): number {
    const region = this.#open(method);
    if (this.#popping) throw reenteredError(this.#host.name, method);
    this.#popping = true;
    try {
      let popped = 0;
      // Two runs at most: to the end of the data region, then from its start.
      for (let run = 0; run < 2 && popped < maxRecords; run++) {
        const out = this.#scratch.out;
        const status = this.#read(this.#handle, maxRecords - popped, out.arg);
        if (status !== Status.ok) throw statusError(status, "meshos_ring_read", "ok");
        const span = out.u32();
        const offset = span[0];
        const bytes = span[1];
        const records = span[2];
        if (bytes === 0) break;
        popped += this.#visitSpan(region, offset, bytes, records, visit);
        if (offset + bytes !== this.capacityBytes) break;
      }
      if (popped > 0) this.#commits.moved();
      else if (this.depth() > 0) this.#commits.stuck(this.#host.name, "oldest record");
      return popped;
    } finally {
      this.#popping = false;
    }
  }

  /** Hands each record of a span to `visit`, then releases what was visited (even on a throw). */
  #visitSpan(region: HostMemory, offset: number, bytes: number, records: number, visit: InPlaceVisitor): number {
    let consumed = 0;
    let visited = 0;
    let released: number = Status.ok;
    try {
      let u8 = region.u8();
      let u32 = region.u32();
      while (consumed < bytes) {
        // A visitor that grows wasm memory detaches the views (they read as empty): re-make them.
        if (u32.length === 0) {
          u8 = region.u8();
          u32 = region.u32();
        }
        const at = offset + consumed;
        const length = u32[at >>> 2];
        const type = u32[(at >>> 2) + 1];
        // The library checked the span; only a visitor writing outside its payload could break it.
        if (length < RECORD_HEADER_BYTES || length > bytes - consumed) {
          throw corruptError(this.#host.name, at, length);
        }
        if (type === PADDING_TYPE) {
          consumed += length;
          continue;
        }
        // Counted before the visit: a visitor that throws has still received its record.
        consumed += alignRecord(length);
        visited++;
        visit(u8, at + RECORD_HEADER_BYTES, length - RECORD_HEADER_BYTES, type);
      }
    } finally {
      // Runs on a throwing visitor too (whose error then wins over a release failure).
      released = this.#release(this.#handle, consumed, null);
    }
    if (released !== Status.ok) throw statusError(released, `meshos_ring_release(${consumed} bytes)`, "ok");
    if (visited !== records) {
      throw new MeshOsSdkError(
        "backend_unavailable",
        `meshos_ring_read described ${records} records, found ${visited}; expected the records it described`,
      );
    }
    return visited;
  }

  /** The library's handle of this ring (what another thread attaches to). */
  get handle(): number {
    this.#open("handle");
    return this.#handle;
  }

  /**
   * Closes the ring: every later call on it throws, and the library refuses its handle at once.
   * Its memory is freed now when no view can outlive it (wasm); on FFI, views a visitor kept
   * (`popBatch` payloads, `popBatchInPlace` bytes) stay readable, and the memory is freed once the
   * last of them is collected — never read after it is freed.
   */
  close(): void {
    const region = this.#region;
    if (region === undefined) return;
    this.#region = undefined;
    region.free();
    if (!this.#owned) return;
    const calls = this.#host.calls;
    if (region.pins === null) {
      check(calls.meshos_ring_destroy(this.#handle), "meshos_ring_destroy", "a live ring");
      return;
    }
    check(calls.meshos_ring_close(this.#handle), "meshos_ring_close", "a live ring");
    this.#scratch.destroyLater.register(region.pins, this.#handle);
  }
}

/**
 * The library handle of a ring of an FFI backend, for {@link AbiRingBackend.attachRing} in another
 * Worker (the handle is a plain number; the library is one per process). Throws for other rings.
 */
export function ringHandle(ring: RecordRing): number {
  if (!(ring instanceof AbiRecordRing)) {
    throw new MeshOsSdkError(
      "invalid_argument",
      `ringHandle: expected a ring of the bun-ffi or deno-ffi backend, received ${
        typeof ring === "object" && ring !== null ? `a ${ring.constructor.name}` : describeValue(ring)
      }`,
    );
  }
  return ring.handle;
}

class AbiLogRing implements LogRing {
  readonly capacityRecords: number;
  readonly #host: AbiHost;
  readonly #calls: AbiCalls;
  readonly #out: HostMemory;
  readonly #handle: number;
  #message: HostMemory | undefined;
  /** The last daemon id appended, split into the two u32 halves the call takes. */
  #daemonId: bigint | null = null;
  #daemonHigh = 0;
  #daemonLow = 0;

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
    if (daemonId !== null && daemonId !== this.#daemonId) {
      // Split once per daemon, not per line: BigInt arithmetic costs tens of ns.
      this.#daemonId = daemonId;
      this.#daemonHigh = Number(daemonId >> 32n);
      this.#daemonLow = Number(daemonId & 0xffff_ffffn);
    }
    const hasDaemon = daemonId !== null;
    const status = this.#calls.meshos_log_append(
      this.#handle,
      level,
      hasDaemon ? 1 : 0,
      hasDaemon ? this.#daemonHigh : 0,
      hasDaemon ? this.#daemonLow : 0,
      tsMs,
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

/** A backend over the Zig library, whose rings other threads of the process can open. */
export interface AbiRingBackend extends RingBackend {
  /**
   * Opens the ring behind `handle` ({@link ringHandle} of a ring created in another Worker)
   * without owning it: `close()` drops this thread's views only. The creator's `close()` frees
   * the ring's memory, so it must come after every attached Worker has stopped using it.
   * Throws when `handle` is not a live ring of this library instance (wasm: of this thread).
   */
  attachRing(handle: number): RecordRing;
}

/** A `RingBackend` over a loaded library. */
export function createAbiBackend(host: AbiHost): AbiRingBackend {
  const scratch: Scratch = {
    out: host.allocate(64),
    lengths: host.allocate(4 * CLAIM_CHUNK_RECORDS),
    offsets: host.allocate(4 * CLAIM_CHUNK_RECORDS),
    destroyLater: new FinalizationRegistry((handle) => void host.calls.meshos_ring_destroy(handle)),
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
    attachRing(handle: number): RecordRing {
      if (!Number.isInteger(handle) || handle <= 0 || handle > 0xffff_ffff) {
        throw new MeshOsSdkError("invalid_argument", `handle: expected a ring handle (a u32), received ${describeValue(handle)}`);
      }
      const status = calls.meshos_ring_info(handle, scratch.out.arg);
      if (status !== Status.ok) throw statusError(status, `meshos_ring_info(${handle})`, "a live ring");
      return new AbiRecordRing(host, scratch, handle, scratch.out.u32()[0], false);
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
