/**
 * What a node tells the mesh about itself on every heartbeat, and the wire form it travels in.
 * The form is JSON (u64s as decimal strings); `decodeNodeAdvert` checks every field, so a
 * malformed heartbeat from another process is rejected with a reason instead of corrupting the
 * peer table.
 *
 * @module
 */

import { MAINTENANCE_STATES } from "../actors/maintenance_machine.ts";
import type { PeerMaintenance } from "../contract/types.ts";
import { parseU64Text } from "../contract/u64.ts";

/** One node's heartbeat. */
export interface NodeAdvert {
  nodeId: bigint;
  /** Random per runtime start: tells a restarted node (same id) from the one before it. */
  epochId: bigint;
  maintenance: PeerMaintenance;
  /** Host figures; null where the node could not read them. */
  cpuLoad1m: number | null;
  memUsedBytes: bigint | null;
  memTotalBytes: bigint | null;
  diskUsedBytes: bigint | null;
  diskTotalBytes: bigint | null;
  /** Mean saturation of the node's daemons, smoothed across heartbeats; 0..1. */
  saturationTrend: number;
  /** Sorted union of its daemons' required, optional and published capabilities. */
  capabilitySet: string[];
  softwareVersion: string;
  /** The daemons registered on the node, ascending: where events for them go. */
  daemons: bigint[];
  /** The daemon factories registered on the node, sorted: which movable daemons it can host. */
  factories: string[];
  /** An operator cordoned the node: no daemon is to be placed on it. */
  cordoned: boolean;
}

const MAINTENANCE_NAMES: readonly PeerMaintenance[] = [...MAINTENANCE_STATES, "Unknown"];

const ID_FIELDS = ["nodeId", "epochId"] as const;
const BYTE_FIELDS = ["memUsedBytes", "memTotalBytes", "diskUsedBytes", "diskTotalBytes"] as const;

/**
 * The advert as UTF-8 JSON bytes.
 *
 * @example
 * ```ts
 * const wire = encodeNodeAdvert(advert);
 * decodeNodeAdvert(wire); // { advert } equal to the original
 * ```
 */
export function encodeNodeAdvert(advert: NodeAdvert): Uint8Array {
  const plain: Record<string, unknown> = { ...advert };
  for (const field of [...ID_FIELDS, ...BYTE_FIELDS]) plain[field] = advert[field]?.toString() ?? null;
  plain.daemons = advert.daemons.map(String);
  return new TextEncoder().encode(JSON.stringify(plain));
}

/** The advert in `bytes`, or the reason it is not one. */
export function decodeNodeAdvert(bytes: Uint8Array): { advert: NodeAdvert } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    return { problem: `not UTF-8 JSON (${(err as Error).message})` };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { problem: "not a JSON object" };
  const fields = raw as Record<string, unknown>;
  const u64s: Partial<Record<(typeof ID_FIELDS)[number] | (typeof BYTE_FIELDS)[number], bigint | null>> = {};
  for (const field of [...ID_FIELDS, ...BYTE_FIELDS]) {
    const text = fields[field];
    if (text === null && (BYTE_FIELDS as readonly string[]).includes(field)) {
      u64s[field] = null;
      continue;
    }
    const value = parseU64Text(text);
    if (value === null) return { problem: `${field}: expected a u64 as a decimal string; got ${JSON.stringify(text)}` };
    u64s[field] = value;
  }
  const { maintenance, cpuLoad1m, saturationTrend, capabilitySet, softwareVersion, daemons, factories, cordoned } = fields;
  if (!MAINTENANCE_NAMES.includes(maintenance as PeerMaintenance)) {
    return { problem: `maintenance: expected a maintenance state name; got ${JSON.stringify(maintenance)}` };
  }
  if (cpuLoad1m !== null && (typeof cpuLoad1m !== "number" || !(cpuLoad1m >= 0))) {
    return { problem: `cpuLoad1m: expected a number ≥ 0 or null; got ${JSON.stringify(cpuLoad1m)}` };
  }
  if (typeof saturationTrend !== "number" || !(saturationTrend >= 0 && saturationTrend <= 1)) {
    return { problem: `saturationTrend: expected a number in 0..1; got ${JSON.stringify(saturationTrend)}` };
  }
  if (!Array.isArray(capabilitySet) || !capabilitySet.every((c) => typeof c === "string")) {
    return { problem: "capabilitySet: expected an array of strings" };
  }
  if (typeof softwareVersion !== "string") return { problem: `softwareVersion: expected a string; got ${JSON.stringify(softwareVersion)}` };
  if (!Array.isArray(daemons) || !daemons.every((d) => parseU64Text(d) !== null)) {
    return { problem: "daemons: expected an array of u64s as decimal strings" };
  }
  if (!Array.isArray(factories) || !factories.every((f) => typeof f === "string")) return { problem: "factories: expected an array of strings" };
  if (typeof cordoned !== "boolean") return { problem: `cordoned: expected true or false; got ${JSON.stringify(cordoned)}` };
  return {
    advert: {
      nodeId: u64s.nodeId!,
      epochId: u64s.epochId!,
      maintenance: maintenance as PeerMaintenance,
      cpuLoad1m,
      memUsedBytes: u64s.memUsedBytes ?? null,
      memTotalBytes: u64s.memTotalBytes ?? null,
      diskUsedBytes: u64s.diskUsedBytes ?? null,
      diskTotalBytes: u64s.diskTotalBytes ?? null,
      saturationTrend,
      capabilitySet: [...capabilitySet].sort(),
      softwareVersion,
      daemons: daemons.map((d) => parseU64Text(d)!).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      factories: [...factories].sort(),
      cordoned,
    },
  };
}
