/**
 * Unsigned 64-bit values as the SDK takes and shows them: origin hashes, node ids, sequences and
 * horizons are `bigint`s in 0..2^64-1, printed as `0x` and 16 lowercase hex digits.
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";

/**
 * The largest u64, 2^64-1.
 *
 * @example
 * ```ts
 * U64_MAX === 0xffff_ffff_ffff_ffffn; // true
 * ```
 */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/**
 * What a u64 field expects, as error messages say it.
 *
 * @example
 * ```ts
 * `thisNode: expected ${U64_EXPECTED}; got 1.5`; // "thisNode: expected a bigint in 0..2^64-1; got 1.5"
 * ```
 */
export const U64_EXPECTED = "a bigint in 0..2^64-1";

/**
 * Whether `value` is a `bigint` in 0..2^64-1.
 *
 * @example
 * ```ts
 * isU64(7n); // true
 * isU64(7); // false: a number, not a bigint
 * isU64(1n << 64n); // false
 * ```
 */
export function isU64(value: unknown): value is bigint {
  return typeof value === "bigint" && value >= 0n && value <= U64_MAX;
}

/**
 * Throws `invalid_argument` naming `field` and the value received unless `value` is a u64.
 *
 * @example
 * ```ts
 * checkU64("sequence", 3n); // passes
 * checkU64("sequence", -1n); // throws "sequence: expected a bigint in 0..2^64-1; got -1n"
 * ```
 */
export function checkU64(field: string, value: unknown): asserts value is bigint {
  if (!isU64(value)) {
    throw new MeshOsSdkError("invalid_argument", `${field}: expected ${U64_EXPECTED}; got ${describeValue(value)}`);
  }
}

/**
 * A u64 id as the SDK shows it: `0x` and 16 lowercase hex digits, zero-padded.
 *
 * @example
 * ```ts
 * hexId(123n); // "0x000000000000007b"
 * ```
 */
export function hexId(id: bigint): string {
  return `0x${id.toString(16).padStart(16, "0")}`;
}

/**
 * The u64 a wire form writes as a decimal string (JSON cannot carry a bigint), or null when
 * `value` is not one: not a string, not digits only, or above 2^64-1.
 *
 * @example
 * ```ts
 * parseU64Text("42"); // 42n
 * parseU64Text("-1"); // null
 * parseU64Text("18446744073709551616"); // null
 * ```
 */
export function parseU64Text(value: unknown): bigint | null {
  if (typeof value !== "string" || !/^[0-9]{1,20}$/.test(value)) return null;
  const parsed = BigInt(value);
  return parsed <= U64_MAX ? parsed : null;
}

/** A random u64 (epochs, an operator's node id on the bus). */
export function randomU64(): bigint {
  return new DataView(crypto.getRandomValues(new Uint8Array(8)).buffer).getBigUint64(0, true);
}
