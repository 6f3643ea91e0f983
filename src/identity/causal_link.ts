/**
 * Causal links (upstream §3.14, `state/causal.rs`): every event an origin emits carries a 32-byte
 * link — `originHash`, `horizonEncoded`, `sequence`, `parentHash`, each u64 little-endian. The
 * bytes are never sent on their own here; they are what a successor's parent hash is computed
 * over (see `causal_chain.ts`).
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { checkU64 } from "../contract/u64.ts";

/**
 * Size of an encoded `CausalLink` (upstream `CAUSAL_LINK_SIZE`).
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(CAUSAL_LINK_BYTES);
 * writeCausalLink(new DataView(bytes.buffer), 0, link);
 * ```
 */
export const CAUSAL_LINK_BYTES = 32;

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
 * Throws `invalid_argument` unless `link` is an object whose four fields are u64, naming the
 * first field that is not (`link.sequence`, …).
 *
 * @example
 * ```ts
 * checkCausalLink({ originHash: 1n, horizonEncoded: 0n, sequence: -1n, parentHash: 0n }); // throws
 * ```
 */
export function checkCausalLink(link: CausalLink): void {
  if (typeof link !== "object" || link === null) {
    throw new MeshOsSdkError("invalid_argument", `link: expected a CausalLink; got ${describeValue(link)}`);
  }
  checkU64("link.originHash", link.originHash);
  checkU64("link.horizonEncoded", link.horizonEncoded);
  checkU64("link.sequence", link.sequence);
  checkU64("link.parentHash", link.parentHash);
}

/**
 * Writes the 32 wire bytes of `link` at `view[offset…]`: origin, horizon, sequence, parent, each
 * u64 little-endian. The link must be valid (`checkCausalLink`).
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(CAUSAL_LINK_BYTES);
 * writeCausalLink(new DataView(bytes.buffer), 0, link);
 * ```
 */
export function writeCausalLink(view: DataView, offset: number, link: CausalLink): void {
  view.setBigUint64(offset, link.originHash, true);
  view.setBigUint64(offset + 8, link.horizonEncoded, true);
  view.setBigUint64(offset + 16, link.sequence, true);
  view.setBigUint64(offset + 24, link.parentHash, true);
}
