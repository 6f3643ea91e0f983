/**
 * Causal links and chains (upstream §3.14, `state/causal.rs`). Every event an origin emits carries
 * a 32-byte link — `originHash`, `horizonEncoded`, `sequence`, `parentHash`, each u64
 * little-endian — where `parentHash = xxh3_64(previous link bytes ‖ previous payload)` and the
 * sequence grows by one from the genesis link (sequence 0, parent 0).
 *
 * Checked against net-mesh 0.45.1: the chain head that upstream's `DaemonRuntime` stores in its
 * snapshots is reproduced byte for byte (see `tests/causal_chain_test.ts`).
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { xxh3_64_into, Xxh3Hasher } from "./xxh3.ts";

/**
 * Size of an encoded `CausalLink` (upstream `CAUSAL_LINK_SIZE`).
 *
 * @example
 * ```ts
 * encodeCausalLink(link).length === CAUSAL_LINK_BYTES; // true
 * ```
 */
export const CAUSAL_LINK_BYTES = 32;

/**
 * Size of a frame's u32 length prefix.
 *
 * @example
 * ```ts
 * encodeCausalFrame(entry).length === CAUSAL_FRAME_HEADER_BYTES + CAUSAL_LINK_BYTES + entry.payload.length;
 * ```
 */
export const CAUSAL_FRAME_HEADER_BYTES = 4;

const U64_MAX = 0xffffffffffffffffn;
const U32_MAX = 0xffffffff;
/** Above this many bytes the parent hash streams instead of copying into the scratch buffer. */
const SCRATCH_LIMIT_BYTES = 64 * 1024;

/**
 * One event's position in its origin's chain. All fields are u64.
 *
 * @example
 * ```ts
 * const link: CausalLink = { originHash: 1n, horizonEncoded: 0n, sequence: 0n, parentHash: 0n };
 * ```
 */
export interface CausalLink {
  /** The emitting identity's origin hash. */
  originHash: bigint;
  /** The emitter's observed horizon when it emitted (a 64-bit bloom, see `horizon.ts`). */
  horizonEncoded: bigint;
  /** 0 for genesis, then +1 per event. */
  sequence: bigint;
  /** `xxh3_64(previous link bytes ‖ previous payload)`; 0 for genesis. */
  parentHash: bigint;
}

/**
 * A link and the payload it carries.
 *
 * @example
 * ```ts
 * const entry: ChainEntry = chain.append(new TextEncoder().encode("hi"));
 * entry.link.sequence; // 1n on a fresh chain
 * ```
 */
export interface ChainEntry {
  link: CausalLink;
  payload: Uint8Array;
}

/**
 * Why `validateChainLink` rejected a link (upstream `ChainError`). `expected`/`received` are the
 * origin hashes, sequences or parent hashes being compared.
 *
 * @example
 * ```ts
 * const failure: ChainLinkError | null = validateChainLink(prev, prevPayload, next);
 * if (failure?.kind === "sequence_gap") console.log(failure.expected, failure.received);
 * ```
 */
export interface ChainLinkError {
  kind: "origin_mismatch" | "sequence_gap" | "parent_hash_mismatch";
  expected: bigint;
  received: bigint;
  /** One line saying what was expected and what was received. */
  message: string;
}

function checkU64(name: string, value: unknown): void {
  if (typeof value !== "bigint" || value < 0n || value > U64_MAX) {
    throw new MeshOsSdkError(
      "invalid_argument",
      `${name}: expected a bigint in 0..2^64-1; got ${describeValue(value)}`,
    );
  }
}

function checkBytes(name: string, value: unknown): void {
  if (!(value instanceof Uint8Array)) {
    throw new MeshOsSdkError("invalid_argument", `${name}: expected a Uint8Array; got ${describeValue(value)}`);
  }
}

function checkLink(link: CausalLink): void {
  if (typeof link !== "object" || link === null) {
    throw new MeshOsSdkError("invalid_argument", `link: expected a CausalLink; got ${describeValue(link)}`);
  }
  checkU64("link.originHash", link.originHash);
  checkU64("link.horizonEncoded", link.horizonEncoded);
  checkU64("link.sequence", link.sequence);
  checkU64("link.parentHash", link.parentHash);
}

function writeLink(view: DataView, offset: number, link: CausalLink): void {
  view.setBigUint64(offset, link.originHash, true);
  view.setBigUint64(offset + 8, link.horizonEncoded, true);
  view.setBigUint64(offset + 16, link.sequence, true);
  view.setBigUint64(offset + 24, link.parentHash, true);
}

function hex(value: bigint): string {
  return `0x${value.toString(16).padStart(16, "0")}`;
}

/**
 * The 32 wire bytes of `link`: origin, horizon, sequence, parent, each u64 little-endian.
 *
 * @example
 * ```ts
 * const bytes = encodeCausalLink(genesisLink(0xc162c80da6be3de4n));
 * bytes.length; // 32
 * ```
 */
export function encodeCausalLink(link: CausalLink): Uint8Array {
  checkLink(link);
  const bytes = new Uint8Array(CAUSAL_LINK_BYTES);
  writeLink(new DataView(bytes.buffer), 0, link);
  return bytes;
}

/**
 * Reads the link at `bytes[offset, offset + 32)`.
 *
 * @example
 * ```ts
 * const link = decodeCausalLink(encodeCausalLink(genesisLink(7n)));
 * link.originHash; // 7n
 * ```
 */
export function decodeCausalLink(bytes: Uint8Array, offset = 0): CausalLink {
  checkBytes("bytes", bytes);
  if (!Number.isInteger(offset) || offset < 0 || offset + CAUSAL_LINK_BYTES > bytes.length) {
    throw new MeshOsSdkError(
      "invalid_argument",
      `bytes: expected ${CAUSAL_LINK_BYTES} bytes of link at offset ${offset}; got ${bytes.length} bytes in all`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, CAUSAL_LINK_BYTES);
  return {
    originHash: view.getBigUint64(0, true),
    horizonEncoded: view.getBigUint64(8, true),
    sequence: view.getBigUint64(16, true),
    parentHash: view.getBigUint64(24, true),
  };
}

/**
 * The link every chain starts from: sequence 0, parent hash 0, horizon 0.
 *
 * @example
 * ```ts
 * genesisLink(0x3de724ba65112490n).sequence; // 0n
 * ```
 */
export function genesisLink(originHash: bigint): CausalLink {
  checkU64("originHash", originHash);
  return { originHash, horizonEncoded: 0n, sequence: 0n, parentHash: 0n };
}

// Shared scratch for `prev link ‖ prev payload`; grows up to SCRATCH_LIMIT_BYTES, then streams.
let scratch = new Uint8Array(256);
let scratchView = new DataView(scratch.buffer);
const hashOut = new Uint32Array(2);
const bigintScratch = new DataView(new ArrayBuffer(8));

function ensureScratch(bytes: number): void {
  if (bytes <= scratch.length) return;
  let size = scratch.length;
  while (size < bytes) size *= 2;
  scratch = new Uint8Array(size);
  scratchView = new DataView(scratch.buffer);
}

/** Writes xxh3_64(link bytes ‖ payload) into `out` as [lo, hi]; the link must be valid. */
function parentHashInto(link: CausalLink, payload: Uint8Array, out: Uint32Array): void {
  const total = CAUSAL_LINK_BYTES + payload.length;
  if (total > SCRATCH_LIMIT_BYTES) {
    const head = new Uint8Array(CAUSAL_LINK_BYTES);
    writeLink(new DataView(head.buffer), 0, link);
    const digest = new Xxh3Hasher().update(head).update(payload).digest();
    out[0] = Number(digest & 0xffffffffn);
    out[1] = Number(digest >> 32n);
    return;
  }
  ensureScratch(total);
  writeLink(scratchView, 0, link);
  scratch.set(payload, CAUSAL_LINK_BYTES);
  xxh3_64_into(scratch, out, { offset: 0, length: total });
}

function wordsToBigint(words: Uint32Array): bigint {
  bigintScratch.setUint32(0, words[0], true);
  bigintScratch.setUint32(4, words[1], true);
  return bigintScratch.getBigUint64(0, true);
}

/**
 * The parent hash a successor of (`link`, `payload`) must carry: `xxh3_64(link bytes ‖ payload)`.
 *
 * @example
 * ```ts
 * causalParentHash(genesisLink(1n), new Uint8Array(0)); // parentHash of sequence 1
 * ```
 */
export function causalParentHash(link: CausalLink, payload: Uint8Array): bigint {
  checkLink(link);
  checkBytes("payload", payload);
  parentHashInto(link, payload, hashOut);
  return wordsToBigint(hashOut);
}

function overflowError(link: CausalLink): MeshOsSdkError {
  return new MeshOsSdkError(
    "invalid_argument",
    `sequence: chain of origin ${hex(link.originHash)} is at 2^64-1 and cannot grow; got sequence ${link.sequence}n`,
  );
}

/**
 * The link after `prev` (which carried `prevPayload`): same origin, `sequence + 1`, parent hash
 * over `prev`'s bytes and payload. Throws `invalid_argument` when the sequence would pass 2^64-1.
 *
 * @example
 * ```ts
 * const first = nextLink(genesisLink(origin), new Uint8Array(0), 0n);
 * const second = nextLink(first, payloadOfFirst, horizon.encode());
 * ```
 */
export function nextLink(prev: CausalLink, prevPayload: Uint8Array, horizonEncoded: bigint): CausalLink {
  checkLink(prev);
  checkBytes("prevPayload", prevPayload);
  checkU64("horizonEncoded", horizonEncoded);
  if (prev.sequence === U64_MAX) throw overflowError(prev);
  parentHashInto(prev, prevPayload, hashOut);
  return {
    originHash: prev.originHash,
    horizonEncoded,
    sequence: prev.sequence + 1n,
    parentHash: wordsToBigint(hashOut),
  };
}

/**
 * Checks that `next` follows `prev` (which carried `prevPayload`), in upstream's order: origin,
 * then sequence, then parent hash. Returns the first failure, or `null` when `next` is valid; use
 * `assertChainLink` to throw instead.
 *
 * @example
 * ```ts
 * const failure = validateChainLink(prev, prevPayload, next);
 * if (failure) console.warn(failure.kind, failure.message);
 * ```
 */
export function validateChainLink(
  prev: CausalLink,
  prevPayload: Uint8Array,
  next: CausalLink,
): ChainLinkError | null {
  checkLink(prev);
  checkLink(next);
  checkBytes("prevPayload", prevPayload);
  if (next.originHash !== prev.originHash) {
    return failure(
      "origin_mismatch",
      prev.originHash,
      next.originHash,
      `origin mismatch: expected origin ${hex(prev.originHash)}; got ${hex(next.originHash)}`,
    );
  }
  const expectedSequence = prev.sequence + 1n;
  if (next.sequence !== expectedSequence) {
    return failure(
      "sequence_gap",
      expectedSequence,
      next.sequence,
      `sequence gap: expected sequence ${expectedSequence}n after ${prev.sequence}n; got ${next.sequence}n`,
    );
  }
  parentHashInto(prev, prevPayload, hashOut);
  const expectedParent = wordsToBigint(hashOut);
  if (next.parentHash !== expectedParent) {
    return failure(
      "parent_hash_mismatch",
      expectedParent,
      next.parentHash,
      `parent hash mismatch at sequence ${next.sequence}n: expected ${hex(expectedParent)}; got ${
        hex(next.parentHash)
      }`,
    );
  }
  return null;
}

function failure(
  kind: ChainLinkError["kind"],
  expected: bigint,
  received: bigint,
  message: string,
): ChainLinkError {
  return { kind, expected, received, message };
}

/**
 * `validateChainLink` that throws: a `MeshOsSdkError` of kind `invalid_argument` whose detail is
 * the failure's message (it starts with `origin mismatch`, `sequence gap` or `parent hash mismatch`).
 *
 * @example
 * ```ts
 * assertChainLink(prev, prevPayload, next); // throws on a broken chain
 * ```
 */
export function assertChainLink(prev: CausalLink, prevPayload: Uint8Array, next: CausalLink): void {
  const found = validateChainLink(prev, prevPayload, next);
  if (found) throw new MeshOsSdkError("invalid_argument", found.message);
}

/**
 * An origin's chain head, producing the next link for each payload (upstream
 * `CausalChainBuilder`). The parent hash of the next link is computed during `append` (over a
 * scratch buffer the chain reuses, holding the head link and a copy of the payload), so the chain
 * keeps no reference to the payloads it was given; the entry `append` returns holds the caller's
 * payload object itself.
 *
 * @example
 * ```ts
 * const chain = new CausalChain(identity.originHash);
 * const { link } = chain.append(new TextEncoder().encode("out-1"), horizon.encode());
 * link.sequence; // 1n
 * ```
 */
export class CausalChain {
  readonly #originHash: bigint;
  #head: CausalLink;
  /** `head link bytes ‖ head payload`, hashed on append; bytes 0–7 hold the origin for good. */
  #scratch = new Uint8Array(256);
  #view = new DataView(this.#scratch.buffer);
  /** xxh3_64(head bytes ‖ head payload) as [lo, hi]: the parent hash of the next link. */
  readonly #nextParent = new Uint32Array(2);

  /** A chain at genesis for `originHash`. */
  constructor(originHash: bigint) {
    checkU64("originHash", originHash);
    this.#originHash = originHash;
    this.#head = genesisLink(originHash);
    this.#view.setBigUint64(0, originHash, true);
    this.#hashHead(new Uint8Array(0));
  }

  /**
   * A chain continuing after `head`, which carried `headPayload` (for restoring from a snapshot).
   *
   * @example
   * ```ts
   * const chain = CausalChain.resume(savedHead, savedHeadPayload);
   * ```
   */
  static resume(head: CausalLink, headPayload: Uint8Array): CausalChain {
    checkLink(head);
    checkBytes("headPayload", headPayload);
    const chain = new CausalChain(head.originHash);
    chain.#head = { ...head };
    chain.#hashHead(headPayload);
    return chain;
  }

  /** The origin every link of this chain carries. */
  get originHash(): bigint {
    return this.#originHash;
  }

  /** The latest link (the genesis link before the first append). */
  get head(): CausalLink {
    return { ...this.#head };
  }

  /** The head's sequence: how many payloads the chain holds. */
  get sequence(): bigint {
    return this.#head.sequence;
  }

  /**
   * Appends `payload` with the emitter's current `horizonEncoded` (default 0). Returns the new link
   * with the same `payload` object. Throws `invalid_argument` past sequence 2^64-1.
   */
  append(payload: Uint8Array, horizonEncoded: bigint = 0n): ChainEntry {
    checkBytes("payload", payload);
    const head = this.#head;
    const view = this.#view;
    // The horizon rarely changes between appends; it is checked and rewritten only when it does.
    const horizonChanged = horizonEncoded !== head.horizonEncoded;
    if (horizonChanged) checkU64("horizonEncoded", horizonEncoded);
    if (head.sequence === U64_MAX) throw overflowError(head);
    if (horizonChanged) view.setBigUint64(8, horizonEncoded, true);
    const sequence = head.sequence + 1n;
    view.setBigUint64(16, sequence, true);
    view.setUint32(24, this.#nextParent[0], true);
    view.setUint32(28, this.#nextParent[1], true);
    const link: CausalLink = {
      originHash: this.#originHash,
      horizonEncoded,
      sequence,
      parentHash: view.getBigUint64(24, true),
    };
    this.#head = link;
    this.#hashScratch(payload);
    return { link, payload };
  }

  /** Writes the head link into the scratch, then hashes it with `payload`. */
  #hashHead(payload: Uint8Array): void {
    const head = this.#head;
    this.#view.setBigUint64(8, head.horizonEncoded, true);
    this.#view.setBigUint64(16, head.sequence, true);
    this.#view.setBigUint64(24, head.parentHash, true);
    this.#hashScratch(payload);
  }

  /** nextParent = xxh3_64(scratch link bytes ‖ payload). */
  #hashScratch(payload: Uint8Array): void {
    const total = CAUSAL_LINK_BYTES + payload.length;
    if (total > SCRATCH_LIMIT_BYTES) {
      parentHashInto(this.#head, payload, this.#nextParent);
      return;
    }
    if (total > this.#scratch.length) {
      let size = this.#scratch.length;
      while (size < total) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#scratch.subarray(0, CAUSAL_LINK_BYTES));
      this.#scratch = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#scratch.set(payload, CAUSAL_LINK_BYTES);
    xxh3_64_into(this.#scratch, this.#nextParent, { offset: 0, length: total });
  }
}

/**
 * One frame `[u32 LE length = 32 + payload bytes][link 32][payload]`.
 *
 * @example
 * ```ts
 * const frame = encodeCausalFrame(chain.append(payload));
 * ```
 */
export function encodeCausalFrame(entry: ChainEntry): Uint8Array {
  checkLink(entry.link);
  checkBytes("entry.payload", entry.payload);
  const length = CAUSAL_LINK_BYTES + entry.payload.length;
  if (length > U32_MAX) {
    throw new MeshOsSdkError(
      "invalid_argument",
      `entry.payload: expected at most ${U32_MAX - CAUSAL_LINK_BYTES} bytes; got ${entry.payload.length}`,
    );
  }
  const frame = new Uint8Array(CAUSAL_FRAME_HEADER_BYTES + length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, length, true);
  writeLink(view, CAUSAL_FRAME_HEADER_BYTES, entry.link);
  frame.set(entry.payload, CAUSAL_FRAME_HEADER_BYTES + CAUSAL_LINK_BYTES);
  return frame;
}

/**
 * Reads the frame at `bytes[offset…]`. The payload is a view into `bytes` (copy it if the buffer
 * is reused); `bytesRead` is the frame's full size, so frames can be walked back to back.
 *
 * @example
 * ```ts
 * const { entry, bytesRead } = decodeCausalFrame(frame);
 * ```
 */
export function decodeCausalFrame(
  bytes: Uint8Array,
  offset = 0,
): { entry: ChainEntry; bytesRead: number } {
  checkBytes("bytes", bytes);
  const available = bytes.length - offset;
  if (!Number.isInteger(offset) || offset < 0 || available < CAUSAL_FRAME_HEADER_BYTES) {
    throw new MeshOsSdkError(
      "invalid_argument",
      `bytes: expected a 4-byte frame header at offset ${offset}; got ${bytes.length} bytes in all`,
    );
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, true);
  if (length < CAUSAL_LINK_BYTES || length > available - CAUSAL_FRAME_HEADER_BYTES) {
    throw new MeshOsSdkError(
      "invalid_argument",
      `frame length: expected 32..${available - CAUSAL_FRAME_HEADER_BYTES} at offset ${offset}; got ${length}`,
    );
  }
  const linkStart = offset + CAUSAL_FRAME_HEADER_BYTES;
  const link = decodeCausalLink(bytes, linkStart);
  const payload = bytes.subarray(linkStart + CAUSAL_LINK_BYTES, linkStart + length);
  return { entry: { link, payload }, bytesRead: CAUSAL_FRAME_HEADER_BYTES + length };
}

/**
 * Every frame of a buffer holding frames back to back; throws on a truncated or malformed frame.
 *
 * @example
 * ```ts
 * for (const { link, payload } of decodeCausalFrames(batch)) console.log(link.sequence, payload);
 * ```
 */
export function* decodeCausalFrames(bytes: Uint8Array): Generator<ChainEntry> {
  let offset = 0;
  while (offset < bytes.length) {
    const { entry, bytesRead } = decodeCausalFrame(bytes, offset);
    offset += bytesRead;
    yield entry;
  }
}
