/**
 * `publishCapabilities` input checking and its flattening into tag strings (what the snapshot,
 * the inspector and peers see).
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { isStringArray } from "./daemon_spec.ts";
import type { CapabilitySetJs } from "./types.ts";

const RECORD_FIELDS = ["hardware", "software", "limits"] as const;
const LIST_FIELDS = ["models", "tools"] as const;
const KNOWN = new Set<string>([...RECORD_FIELDS, ...LIST_FIELDS, "tags"]);

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/**
 * A capability value as tag text: a string, finite number, boolean or bigint as itself, plain
 * JSON (arrays, objects) as JSON; anything else — null, NaN, functions, cycles — is
 * `invalid_capabilities` naming `field`.
 */
function scalar(field: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "object" && value !== null) {
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) return json;
    } catch {
      // a cycle, a bigint inside, or a throwing toJSON: reported below
    }
  }
  throw new MeshOsSdkError(
    "invalid_capabilities",
    `${field}: expected a string, finite number, boolean, bigint or plain JSON; got ${describeValue(value)}`,
  );
}

/**
 * Checks a capability set and returns its sorted, de-duplicated tags, or throws
 * `invalid_capabilities` naming the field. `null`/`undefined` is the empty set.
 */
export function capabilityTags(caps: unknown): string[] {
  if (caps === undefined || caps === null) return [];
  if (!isPlainRecord(caps)) {
    throw new MeshOsSdkError("invalid_capabilities", `caps: expected an object or null; got ${describeValue(caps)}`);
  }
  for (const key of Object.keys(caps)) {
    if (!KNOWN.has(key)) {
      throw new MeshOsSdkError(
        "invalid_capabilities",
        `caps.${key}: unknown field; expected one of hardware, software, models, tools, tags, limits`,
      );
    }
  }
  const set = caps as CapabilitySetJs;
  const tags = new Set<string>();
  if (set.tags !== undefined) {
    if (!isStringArray(set.tags)) {
      throw new MeshOsSdkError("invalid_capabilities", `caps.tags: expected an array of strings; got ${describeValue(set.tags)}`);
    }
    for (const tag of set.tags) tags.add(tag);
  }
  for (const field of RECORD_FIELDS) {
    const value = set[field];
    if (value === undefined) continue;
    if (!isPlainRecord(value)) {
      throw new MeshOsSdkError("invalid_capabilities", `caps.${field}: expected an object; got ${describeValue(value)}`);
    }
    for (const [key, item] of Object.entries(value)) tags.add(`${field}.${key}=${scalar(`caps.${field}.${key}`, item)}`);
  }
  for (const field of LIST_FIELDS) {
    const value = set[field];
    if (value === undefined) continue;
    if (!Array.isArray(value)) {
      throw new MeshOsSdkError("invalid_capabilities", `caps.${field}: expected an array; got ${describeValue(value)}`);
    }
    for (const [i, item] of value.entries()) {
      const id = isPlainRecord(item) ? (item.id ?? item.name) : item;
      if (id === undefined) {
        throw new MeshOsSdkError("invalid_capabilities", `caps.${field}: each entry needs an id or name; got ${describeValue(item)}`);
      }
      tags.add(`${field.slice(0, -1)}.${scalar(`caps.${field}[${i}]`, id)}`);
    }
  }
  return [...tags].sort();
}
