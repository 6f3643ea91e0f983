/**
 * Milliseconds as callers give them: a `number` or a `bigint` (product decision, issue 9), checked
 * once here for every argument, option and config field. Values the SDK returns stay `bigint`.
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { U64_MAX } from "./u64.ts";

/** A duration in milliseconds: a non-negative integer `number` or `bigint` up to 2^64−1. */
export type Milliseconds = number | bigint;

const TWO_POW_64 = 2 ** 64;

/** True for an integer `number` or `bigint` in `min..2^64-1`. */
export function isMilliseconds(value: unknown, min: number): value is Milliseconds {
  if (typeof value === "bigint") return value >= BigInt(min) && value <= U64_MAX;
  return typeof value === "number" && Number.isInteger(value) && value >= min && value < TWO_POW_64;
}

/** What a millisecond field expects, as error messages say it. */
export function expectedMilliseconds(min: number): string {
  return `an integer number or bigint of ms in ${min}..2^64-1`;
}

/**
 * Converts a millisecond value to a `number` (values past 2^53 saturate at `MAX_SAFE_INTEGER`,
 * some 285 000 years), or throws `kind` naming `field`, the value and the accepted range.
 */
export function toMilliseconds(
  kind: "invalid_argument" | "invalid_config",
  field: string,
  value: unknown,
  min: number,
): number {
  if (!isMilliseconds(value, min)) {
    throw new MeshOsSdkError(kind, `${field}: expected ${expectedMilliseconds(min)}; got ${describeValue(value)}`);
  }
  const ms = Number(value);
  return ms > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : ms;
}

/** {@link toMilliseconds} for an optional argument: `undefined` and `null` give `fallback`. */
export function optionalMilliseconds(field: string, value: unknown, min: number, fallback: number): number;
export function optionalMilliseconds(field: string, value: unknown, min: number, fallback: null): number | null;
export function optionalMilliseconds(field: string, value: unknown, min: number, fallback: number | null): number | null {
  if (value === undefined || value === null) return fallback;
  return toMilliseconds("invalid_argument", field, value, min);
}

/**
 * The grace a control event carries for a deadline: whole ms from `now` until `deadline`, 0 when
 * the deadline has already passed (never negative; upstream CT-3).
 *
 * @example
 * ```ts
 * graceUntil(1_500.9, 1_000); // 500n
 * graceUntil(0, 1_000); // 0n
 * ```
 */
export function graceUntil(deadline: number, now: number): bigint {
  return BigInt(Math.max(0, Math.floor(deadline - now)));
}
