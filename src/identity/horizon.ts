/**
 * Observed horizons (upstream §3.14, `state/horizon.rs`): what an emitter had seen from other
 * origins when it emitted, squeezed into the 64-bit bloom a causal link carries. Each origin sets
 * three bits: with `h = xxh3_64(origin as 8 LE bytes)`, `h1 = low 32 bits`, `h2 = high 32 bits | 1`,
 * bits `h1 % 64`, `(h1 + h2) % 64` and `(h1 + 2·h2) % 64` (u32 wrapping sums). Checked against
 * net-mesh 0.45.1's daemon snapshots.
 *
 * @module
 */

import { checkU64 } from "../contract/u64.ts";
import { xxh3_64_into } from "./xxh3.ts";

const originBytes = new Uint8Array(8);
const originView = new DataView(originBytes.buffer);
const originHash = new Uint32Array(2);
/** The origin's three bits, as [bits 0–31, bits 32–63] of the bloom. */
const originBits = new Uint32Array(2);

function setBit(bit: number): void {
  originBits[bit >>> 5] |= 1 << (bit & 31);
}

/** Fills `originBits` with the bloom bits of `origin` (already range-checked). */
function bitsOf(origin: bigint): void {
  originView.setBigUint64(0, origin, true);
  xxh3_64_into(originBytes, originHash);
  const h1 = originHash[0], h2 = originHash[1] | 1;
  originBits[0] = 0;
  originBits[1] = 0;
  setBit(h1 & 63);
  setBit((h1 + h2) & 63); // the low 6 bits of a u32 wrapping sum are those of the plain sum
  setBit((h1 + 2 * h2) & 63);
}

/**
 * Highest sequence seen per origin, plus its bloom encoding for causal links. `encode()` is O(1):
 * the bloom depends only on the set of origins, so it is updated when an origin is first seen.
 *
 * @example
 * ```ts
 * const horizon = new ObservedHorizon();
 * horizon.observe(event.originHash, event.sequence);
 * chain.append(output, horizon.encode());
 * ```
 */
export class ObservedHorizon {
  readonly #sequences = new Map<bigint, bigint>();
  #bloomLo = 0;
  #bloomHi = 0;
  #encoded: bigint | null = 0n;
  #logicalTime = 0;

  /** Records that `origin` reached `sequence`; lower or equal sequences change nothing. */
  observe(origin: bigint, sequence: bigint): void {
    checkU64("origin", origin);
    checkU64("sequence", sequence);
    const known = this.#sequences.get(origin);
    if (known !== undefined && known >= sequence) return;
    if (known === undefined) {
      bitsOf(origin);
      this.#bloomLo = (this.#bloomLo | originBits[0]) >>> 0;
      this.#bloomHi = (this.#bloomHi | originBits[1]) >>> 0;
      this.#encoded = null;
    }
    this.#sequences.set(origin, sequence);
    this.#logicalTime++;
  }

  /** The highest sequence observed from `origin`, or `undefined`. */
  highestSequence(origin: bigint): bigint | undefined {
    return this.#sequences.get(origin);
  }

  /** How many origins have been observed. */
  get size(): number {
    return this.#sequences.size;
  }

  /** Counts the `observe` calls that changed the horizon (a new origin or a higher sequence). */
  get logicalTime(): number {
    return this.#logicalTime;
  }

  /** `[origin, highest sequence]` pairs in first-seen order. */
  entries(): IterableIterator<[bigint, bigint]> {
    return this.#sequences.entries();
  }

  /** The 64-bit bloom of every observed origin (0 when none). */
  encode(): bigint {
    if (this.#encoded === null) {
      this.#encoded = (BigInt(this.#bloomHi) << 32n) | BigInt(this.#bloomLo);
    }
    return this.#encoded;
  }
}
