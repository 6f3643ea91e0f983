/**
 * What nodes tell operators as it happens: their log lines and their failures (a daemon crash, a
 * dead letter, a drain that failed), and the wire form both travel in (JSON, u64s as decimal
 * strings; decoding checks every field). Operators subscribe with `MeshOsOperator.logs()` and
 * `.failures()`.
 *
 * @module
 */

import { parseU64Text } from "../contract/u64.ts";

/** One log line of a node's log ring. */
export interface MeshLogLine {
  nodeId: bigint;
  daemonId: bigint | null;
  level: "trace" | "debug" | "info" | "warn" | "error";
  tsMs: number;
  message: string;
}

/**
 * Something that went wrong on a node: a daemon crashed, an event became a dead letter, a drain
 * missed its deadline; a daemon was restored here after its node died (`failover`), or left here
 * because another node took it over (`lost`).
 */
export interface MeshFailure {
  nodeId: bigint;
  daemonId: bigint | null;
  kind: MeshFailureKind;
  detail: string;
  atMs: number;
}

const LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
const FAILURES = ["crash", "deadLetter", "drainFailed", "failover", "lost"] as const;
/** What kind of thing went wrong. */
export type MeshFailureKind = typeof FAILURES[number];
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

const idText = (id: bigint | null) => (id === null ? null : String(id));

/** Log lines as one message. */
export function encodeLogLines(lines: readonly MeshLogLine[]): Uint8Array {
  return encoder.encode(JSON.stringify(lines.map((line) => ({ ...line, nodeId: String(line.nodeId), daemonId: idText(line.daemonId) }))));
}

/** The log lines of a message; lines that are not one are left out (and counted by the caller). */
export function decodeLogLines(bytes: Uint8Array): { lines: MeshLogLine[]; rejected: number } {
  const list = parse(bytes);
  if (!Array.isArray(list)) return { lines: [], rejected: 1 };
  const lines: MeshLogLine[] = [];
  for (const item of list) {
    const nodeId = parseU64Text(item?.nodeId);
    const daemonId = item?.daemonId === null ? null : parseU64Text(item?.daemonId);
    if (
      nodeId === null || (item.daemonId !== null && daemonId === null) || !LEVELS.includes(item.level) ||
      typeof item.tsMs !== "number" || typeof item.message !== "string"
    ) {
      continue;
    }
    lines.push({ nodeId, daemonId, level: item.level, tsMs: item.tsMs, message: item.message });
  }
  return { lines, rejected: list.length - lines.length };
}

/** A failure as one message. */
export function encodeFailure(failure: MeshFailure): Uint8Array {
  return encoder.encode(JSON.stringify({ ...failure, nodeId: String(failure.nodeId), daemonId: idText(failure.daemonId) }));
}

/** The failure in a message, or null when it is not one. */
export function decodeFailure(bytes: Uint8Array): MeshFailure | null {
  const item = parse(bytes);
  const nodeId = parseU64Text(item?.nodeId);
  const daemonId = item?.daemonId === null ? null : parseU64Text(item?.daemonId);
  if (
    nodeId === null || (item.daemonId !== null && daemonId === null) || !FAILURES.includes(item.kind) ||
    typeof item.detail !== "string" || typeof item.atMs !== "number"
  ) {
    return null;
  }
  return { nodeId, daemonId, kind: item.kind, detail: item.detail, atMs: item.atMs };
}

// deno-lint-ignore no-explicit-any
function parse(bytes: Uint8Array): any {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    return null;
  }
}
