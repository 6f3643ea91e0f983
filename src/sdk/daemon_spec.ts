/**
 * Checks a daemon object once, at registration, the way upstream's Node bridge does (§2.6.3),
 * and normalises what the supervisor later reads from it (health, saturation).
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import type { CapabilityAdvert, MeshOsDaemon } from "./types.ts";

/** A registered daemon's checked shape. */
export interface DaemonSpec {
  daemon: MeshOsDaemon;
  name: string;
  requiredCapabilities: string[];
  optionalCapabilities: string[];
}

const OPTIONAL_METHODS = ["snapshot", "restore", "onControl", "health", "saturation"] as const;

/** Validates `daemon` or throws `invalid_daemon` naming the member and what it held. */
export function checkDaemon(daemon: unknown): DaemonSpec {
  if (typeof daemon !== "object" || daemon === null) {
    throw new MeshOsSdkError("invalid_daemon", `daemon: expected an object; got ${describeValue(daemon)}`);
  }
  const d = daemon as Record<string, unknown>;
  if (typeof d.name !== "string") {
    throw new MeshOsSdkError(
      "invalid_daemon",
      `daemon \`name\` must be a string property; got ${describeValue(d.name)}`,
    );
  }
  if (d.name.length === 0) {
    throw new MeshOsSdkError("invalid_daemon", `daemon \`name\` must not be empty; got ""`);
  }
  if (typeof d.process !== "function") {
    throw new MeshOsSdkError(
      "invalid_daemon",
      `daemon has no \`process\` method: expected a function; got ${describeValue(d.process)}`,
    );
  }
  for (const method of OPTIONAL_METHODS) {
    if (d[method] !== undefined && d[method] !== null && typeof d[method] !== "function") {
      throw new MeshOsSdkError(
        "invalid_daemon",
        `daemon \`${method}\` must be a function when present; got ${describeValue(d[method])}`,
      );
    }
  }
  return {
    daemon: daemon as MeshOsDaemon,
    name: d.name,
    requiredCapabilities: resolveAdvert("requiredCapabilities", d.requiredCapabilities, daemon),
    optionalCapabilities: resolveAdvert("optionalCapabilities", d.optionalCapabilities, daemon),
  };
}

function resolveAdvert(member: string, advert: unknown, owner: object): string[] {
  if (advert === undefined || advert === null) return [];
  let tags: unknown = advert;
  if (typeof advert === "function") {
    try {
      tags = (advert as () => unknown).call(owner);
    } catch (err) {
      throw new MeshOsSdkError("invalid_daemon", `\`${member}()\` threw: ${errorText(err)}`);
    }
  }
  if (!isStringArray(tags)) {
    const what = typeof advert === "function" ? `\`${member}()\` returned` : `\`${member}\` is`;
    throw new MeshOsSdkError(
      "invalid_daemon",
      `${what} ${describeValue(tags)}; expected an array of tag strings`,
    );
  }
  return [...tags] satisfies CapabilityAdvert;
}

/** True for an array whose every element is a string. */
export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((x) => typeof x === "string");
}

/** The message of anything thrown. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Health normalised for the snapshot and the maintenance machine. */
export interface HealthReading {
  kind: "healthy" | "degraded" | "unhealthy";
  reason: string | null;
}

const HEALTH_KINDS = new Set(["healthy", "degraded", "unhealthy"]);

/**
 * Reads `health()` as upstream's Node bridge does: lowercase kinds only, a degraded reading without
 * reason gets `"(unspecified)"`. Anything else (or a throw) is healthy, and `problem` says why.
 */
export function readHealth(daemon: MeshOsDaemon): { reading: HealthReading; problem: string | null } {
  if (typeof daemon.health !== "function") return { reading: { kind: "healthy", reason: null }, problem: null };
  let raw: unknown;
  try {
    raw = daemon.health();
  } catch (err) {
    return { reading: { kind: "healthy", reason: null }, problem: `health() threw: ${errorText(err)}` };
  }
  const kind = typeof raw === "string" ? raw : (raw as { kind?: unknown } | null)?.kind;
  if (typeof kind !== "string" || !HEALTH_KINDS.has(kind)) {
    return {
      reading: { kind: "healthy", reason: null },
      problem: `health() returned ${describeValue(raw)}; expected "healthy" | "degraded" | "unhealthy" or {kind, reason?}`,
    };
  }
  const given = typeof raw === "object" && raw !== null ? (raw as { reason?: unknown }).reason : undefined;
  const reason = typeof given === "string" ? given : kind === "degraded" ? "(unspecified)" : null;
  return { reading: { kind: kind as HealthReading["kind"], reason }, problem: null };
}

/** Reads `saturation()` clamped to [0, 1]; a throw or a non-number reads 0 and `problem` says why. */
export function readSaturation(daemon: MeshOsDaemon): { value: number; problem: string | null } {
  if (typeof daemon.saturation !== "function") return { value: 0, problem: null };
  let raw: unknown;
  try {
    raw = daemon.saturation();
  } catch (err) {
    return { value: 0, problem: `saturation() threw: ${errorText(err)}` };
  }
  if (typeof raw !== "number" || Number.isNaN(raw)) {
    return { value: 0, problem: `saturation() returned ${describeValue(raw)}; expected a number in [0, 1]` };
  }
  return { value: Math.min(1, Math.max(0, raw)), problem: null };
}
