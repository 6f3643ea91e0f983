/**
 * Config and option parsing for `MeshOsDaemonSdk.start`. Schemas are plain valibot values; every
 * rejection becomes one `MeshOsSdkError` naming the field, the value received and what was expected.
 *
 * @module
 */

import * as v from "valibot";
import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { expectedMilliseconds, isMilliseconds } from "./milliseconds.ts";
import type { MeshOsConfig } from "./types.ts";
import { isU64, U64_EXPECTED } from "./u64.ts";

function u64Field() {
  return v.custom<bigint>(isU64, (issue) => `expected ${U64_EXPECTED}; got ${describeValue(issue.input)}`);
}

function msField(min: number) {
  return v.custom<number | bigint>(
    (x) => isMilliseconds(x, min),
    (issue) => `expected ${expectedMilliseconds(min)}; got ${describeValue(issue.input)}`,
  );
}

function countField(max = 1 << 30) {
  return v.custom<number>(
    (x) => typeof x === "number" && Number.isInteger(x) && x >= 1 && x <= max,
    (issue) => `expected an integer in 1..${max}; got ${describeValue(issue.input)}`,
  );
}

const configSchema = v.looseObject({
  thisNode: v.optional(u64Field()),
  tickIntervalMs: v.optional(msField(1)),
  eventQueueCapacity: v.optional(countField()),
  actionQueueCapacity: v.optional(countField()),
  backpressureThreshold: v.optional(countField()),
  backpressureRelease: v.optional(v.custom<number>(
    (x) => typeof x === "number" && Number.isInteger(x) && x >= 0,
    (issue) => `expected an integer ≥ 0; got ${describeValue(issue.input)}`,
  )),
  logRingCapacity: v.optional(countField(1 << 24)),
  inboxCapacity: v.optional(countField(1 << 24)),
  defaultDrainDeadlineMs: v.optional(msField(1)),
  recoveryRampWindowMs: v.optional(msField(1)),
});

/** The longest tick the host's timers take in one step. */
const MAX_TICK_MS = 2 ** 31 - 1;

/** Every config field with its default applied. */
export interface ResolvedConfig {
  thisNode: bigint;
  tickIntervalMs: number;
  eventQueueCapacity: number;
  actionQueueCapacity: number;
  backpressureThreshold: number;
  backpressureRelease: number;
  logRingCapacity: number;
  inboxCapacity: number;
  defaultDrainDeadlineMs: number;
  recoveryRampWindowMs: number;
}

/** Upstream §6 defaults, plus ours. */
export const DEFAULT_CONFIG: Readonly<ResolvedConfig> = Object.freeze({
  thisNode: 0n,
  tickIntervalMs: 500,
  eventQueueCapacity: 1024,
  actionQueueCapacity: 1024,
  backpressureThreshold: 1000,
  backpressureRelease: 200,
  logRingCapacity: 2048,
  inboxCapacity: 4096,
  defaultDrainDeadlineMs: 600_000,
  recoveryRampWindowMs: 300_000,
});

/**
 * `value` as a record, or `kind` (default `invalid_config`) naming `field` when it is not a plain
 * object (null and arrays included).
 *
 * @example
 * ```ts
 * expectObject("options", null, "invalid_argument"); // throws "options: expected an object; got null"
 * ```
 */
export function expectObject(
  field: string,
  value: unknown,
  kind: "invalid_config" | "invalid_argument" = "invalid_config",
): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MeshOsSdkError(kind, `${field}: expected an object; got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Throws `kind` (default `invalid_config`) for the first key of `value` that is not in `known`, naming the nearest
 * known key (a typo such as `thisNod` must not be accepted silently).
 */
export function rejectUnknownKeys(
  field: string,
  value: object,
  known: readonly string[],
  kind: "invalid_config" | "invalid_argument" = "invalid_config",
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const nearest = known.reduce((best, name) => editDistance(key, name) < editDistance(key, best) ? name : best);
    throw new MeshOsSdkError(
      kind,
      `${field}: unknown key ${JSON.stringify(key)}; expected one of ${known.join(", ")} (did you mean ${JSON.stringify(nearest)}?)`,
    );
  }
}

/** Levenshtein distance: insertions, deletions and substitutions from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

/** Parses a user's config or throws `invalid_config`. */
export function resolveConfig(config: MeshOsConfig | undefined | null): ResolvedConfig {
  const input: unknown = config ?? {};
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new MeshOsSdkError("invalid_config", `config: expected an object; got ${describeValue(input)}`);
  }
  rejectUnknownKeys("config", input, Object.keys(DEFAULT_CONFIG));
  const parsed = v.safeParse(configSchema, input);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const field = issue.path?.map((p) => String(p.key)).join(".") ?? "config";
    throw new MeshOsSdkError("invalid_config", `${field}: ${issue.message}`);
  }
  const out = parsed.output;
  const resolved: ResolvedConfig = {
    ...DEFAULT_CONFIG,
    ...(Object.fromEntries(Object.entries(out).filter(([, x]) => x !== undefined))),
    tickIntervalMs: msValue(out.tickIntervalMs, DEFAULT_CONFIG.tickIntervalMs),
    defaultDrainDeadlineMs: msValue(out.defaultDrainDeadlineMs, DEFAULT_CONFIG.defaultDrainDeadlineMs),
    recoveryRampWindowMs: msValue(out.recoveryRampWindowMs, DEFAULT_CONFIG.recoveryRampWindowMs),
  };
  if (resolved.tickIntervalMs > MAX_TICK_MS) {
    throw new MeshOsSdkError(
      "invalid_config",
      `tickIntervalMs: expected at most ${MAX_TICK_MS} (timer range); got ${describeValue(out.tickIntervalMs)}`,
    );
  }
  if (resolved.backpressureRelease >= resolved.backpressureThreshold) {
    throw new MeshOsSdkError(
      "invalid_config",
      `backpressureRelease: expected less than backpressureThreshold (${resolved.backpressureThreshold}); got ${resolved.backpressureRelease}`,
    );
  }
  return resolved;
}

/** A parsed millisecond field as a number (past 2^53 saturates), or the default. */
function msValue(value: number | bigint | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return Math.min(Number(value), Number.MAX_SAFE_INTEGER);
}

/** Checks a positive integer option; throws `invalid_config` naming it. */
export function resolveCount(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 1 << 30) return value;
  throw new MeshOsSdkError("invalid_config", `${field}: expected an integer in 1..${1 << 30}; got ${describeValue(value)}`);
}
