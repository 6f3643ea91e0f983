/**
 * Causal chains (upstream §3.14, `state/causal.rs`): an origin's links, where each link's
 * `parentHash = xxh3_64(previous link bytes ‖ previous payload)` and the sequence grows by one from
 * the genesis link (sequence 0, parent 0).
 *
 * Checked against net-mesh 0.45.1: the chain head that upstream's `DaemonRuntime` stores in its
 * snapshots is reproduced byte for byte (see `tests/causal_chain_test.ts`).
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { checkU64, hexId, U64_MAX } from "../contract/u64.ts";
import { CAUSAL_LINK_BYTES, type CausalLink, checkCausalLink, writeCausalLink } from "./causal_link.ts";
import { xxh3_64_into, Xxh3Hasher } from "./xxh3.ts";

/** Above this many bytes the parent hash streams instead of copying the payload into the scratch. */
const SCRATCH_LIMIT_BYTES = 64 * 1024;

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

function checkBytes(name: string, value: unknown): void {
  if (!(value instanceof Uint8Array)) {
    throw new MeshOsSdkError("invalid_argument", `${name}: expected a Uint8Array; got ${describeValue(value)}`);
  }
}

function overflowError(link: CausalLink): MeshOsSdkError {
  return new MeshOsSdkError(
    "invalid_argument",
    `sequence: chain of origin ${hexId(link.originHash)} is at 2^64-1 and cannot grow; got sequence ${link.sequence}n`,
  );
}

/**
 * An origin's chain head, producing the next link for each payload (upstream
 * `CausalChainBuilder`). The parent hash of the next link is computed during `append` (over a
 * scratch buffer the chain reuses, holding the head link and a copy of the payload; a payload past
 * 64 KiB is streamed through the hasher instead), so the chain keeps no reference to the payloads it
 * was given; the entry `append` returns holds the caller's payload object itself.
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
    checkCausalLink(head);
    checkBytes("headPayload", headPayload);
    const chain = new CausalChain(head.originHash);
    chain.#head = { ...head };
    chain.#hashHead(headPayload);
    return chain;
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
    writeCausalLink(this.#view, 0, this.#head);
    this.#hashScratch(payload);
  }

  /** nextParent = xxh3_64(scratch link bytes ‖ payload); the scratch holds the head link. */
  #hashScratch(payload: Uint8Array): void {
    const total = CAUSAL_LINK_BYTES + payload.length;
    if (total > SCRATCH_LIMIT_BYTES) {
      const linkBytes = this.#scratch.subarray(0, CAUSAL_LINK_BYTES);
      const digest = new Xxh3Hasher().update(linkBytes).update(payload).digest();
      this.#nextParent[0] = Number(digest & 0xffffffffn);
      this.#nextParent[1] = Number(digest >> 32n);
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
