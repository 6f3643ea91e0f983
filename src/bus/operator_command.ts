/**
 * Operator commands as they travel the mesh: a command, its operator's signature over a
 * canonical form of it, the target's reply (a commit record or a refusal), and the audit record
 * every command leaves, accepted or refused. JSON, u64s as decimal strings; every decoder checks
 * every field and says what is wrong instead of throwing.
 *
 * @module
 */

import { parseU64Text } from "../contract/u64.ts";

/** What an operator can ask of a node. */
export type OperatorCommandKind =
  | "enterMaintenance"
  | "exitMaintenance"
  | "stopDaemon"
  | "restartDaemon"
  | "restartAllDaemons"
  | "cordon"
  | "uncordon"
  | "trustOperator"
  | "distrustOperator";

export const OPERATOR_COMMAND_KINDS: readonly OperatorCommandKind[] = [
  "enterMaintenance",
  "exitMaintenance",
  "stopDaemon",
  "restartDaemon",
  "restartAllDaemons",
  "cordon",
  "uncordon",
  "trustOperator",
  "distrustOperator",
];

/** One command, as signed. */
export interface OperatorCommand {
  /** Unique per command (32 hex digits): a second command with the same id is a replay. */
  id: string;
  /** The operator's public key (64 hex digits). */
  operatorId: string;
  kind: OperatorCommandKind;
  targetNode: bigint;
  /** When the operator issued it (wall clock, ms since the epoch): stale commands are refused. */
  issuedAtMs: number;
  drainForMs: number | null;
  daemonId: bigint | null;
  graceMs: number | null;
  /** The operator key a `trustOperator` / `distrustOperator` command adds or removes. */
  operatorKey: string | null;
}

/** A command and its operator's signature (hex) over {@link commandSigningBytes}. */
export interface SignedCommand {
  command: OperatorCommand;
  signature: string;
}

/** What the target answers once it applied a command. */
export interface CommitRecord {
  commitId: string;
  operatorId: string;
  kind: OperatorCommandKind;
  targetNode: bigint;
  committedAtMs: number;
}

/** The target's answer: the commit, or the error kind and message of a refusal. */
export type CommandReply = { ok: true; commit: CommitRecord } | { ok: false; kind: string; message: string };

/** One line of a mesh's audit trail: who asked what of which node, and what became of it. */
export interface AuditRecord {
  atMs: number;
  operatorId: string;
  kind: string;
  targetNode: bigint;
  commandId: string;
  result: "committed" | "refused";
  /** The commit id, or the refusal's `kind: message`. */
  detail: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The bytes an operator signs: the command's fields in a fixed order. */
export function commandSigningBytes(command: OperatorCommand): Uint8Array {
  const { id, operatorId, kind, targetNode, issuedAtMs, drainForMs, daemonId, graceMs, operatorKey } = command;
  return encoder.encode(JSON.stringify([
    "meshos-operator-command-v2",
    id,
    operatorId,
    kind,
    String(targetNode),
    issuedAtMs,
    drainForMs,
    daemonId === null ? null : String(daemonId),
    graceMs,
    operatorKey,
  ]));
}

/** A signed command on the wire. */
export function encodeSignedCommand({ command, signature }: SignedCommand): Uint8Array {
  return encoder.encode(JSON.stringify({
    ...command,
    targetNode: String(command.targetNode),
    daemonId: command.daemonId === null ? null : String(command.daemonId),
    signature,
  }));
}

/** The signed command in `bytes`, or why it is not one. */
export function decodeSignedCommand(bytes: Uint8Array): { signed: SignedCommand } | { problem: string } {
  const fields = parseObject(bytes);
  if (typeof fields === "string") return { problem: fields };
  const { id, operatorId, kind, targetNode, issuedAtMs, drainForMs, daemonId, graceMs, operatorKey, signature } = fields;
  if (typeof id !== "string" || !/^[0-9a-f]{32}$/.test(id)) return { problem: "id: expected 32 hex digits" };
  if (typeof operatorId !== "string") return { problem: "operatorId: expected a string" };
  if (!OPERATOR_COMMAND_KINDS.includes(kind as OperatorCommandKind)) return { problem: `kind: expected one of ${OPERATOR_COMMAND_KINDS.join(", ")}` };
  const node = parseU64Text(targetNode);
  if (node === null) return { problem: "targetNode: expected a u64 as a decimal string" };
  if (typeof issuedAtMs !== "number" || !Number.isFinite(issuedAtMs)) return { problem: "issuedAtMs: expected a number" };
  const daemon = daemonId === null ? null : parseU64Text(daemonId);
  if (daemonId !== null && daemon === null) return { problem: "daemonId: expected a u64 as a decimal string or null" };
  for (const [name, value] of [["drainForMs", drainForMs], ["graceMs", graceMs]] as const) {
    if (value !== null && !(typeof value === "number" && Number.isSafeInteger(value) && value >= 0)) {
      return { problem: `${name}: expected a whole number of ms or null` };
    }
  }
  if (operatorKey !== null && typeof operatorKey !== "string") return { problem: "operatorKey: expected a string or null" };
  if (typeof signature !== "string") return { problem: "signature: expected a string" };
  return {
    signed: {
      command: {
        id,
        operatorId,
        kind: kind as OperatorCommandKind,
        targetNode: node,
        issuedAtMs,
        drainForMs: drainForMs as number | null,
        daemonId: daemon,
        graceMs: graceMs as number | null,
        operatorKey: operatorKey as string | null,
      },
      signature,
    },
  };
}

/** A reply on the wire. */
export function encodeCommandReply(reply: CommandReply): Uint8Array {
  if (!reply.ok) return encoder.encode(JSON.stringify(reply));
  return encoder.encode(JSON.stringify({ ok: true, commit: { ...reply.commit, targetNode: String(reply.commit.targetNode) } }));
}

/** The reply in `bytes`, or why it is not one. */
export function decodeCommandReply(bytes: Uint8Array): { reply: CommandReply } | { problem: string } {
  const fields = parseObject(bytes);
  if (typeof fields === "string") return { problem: fields };
  if (fields.ok === false && typeof fields.kind === "string" && typeof fields.message === "string") {
    return { reply: { ok: false, kind: fields.kind, message: fields.message } };
  }
  const commit = fields.commit as Record<string, unknown> | undefined;
  const node = commit && parseU64Text(commit.targetNode);
  if (
    fields.ok !== true || !commit || node === null || node === undefined || typeof commit.commitId !== "string" ||
    typeof commit.operatorId !== "string" || !OPERATOR_COMMAND_KINDS.includes(commit.kind as OperatorCommandKind) ||
    typeof commit.committedAtMs !== "number"
  ) {
    return { problem: "expected { ok: true, commit } or { ok: false, kind, message }" };
  }
  return {
    reply: {
      ok: true,
      commit: {
        commitId: commit.commitId,
        operatorId: commit.operatorId,
        kind: commit.kind as OperatorCommandKind,
        targetNode: node,
        committedAtMs: commit.committedAtMs,
      },
    },
  };
}

/** An audit record on the wire. */
export function encodeAuditRecord(record: AuditRecord): Uint8Array {
  return encoder.encode(JSON.stringify({ ...record, targetNode: String(record.targetNode) }));
}

/** The audit record in `bytes`, or why it is not one. */
export function decodeAuditRecord(bytes: Uint8Array): { record: AuditRecord } | { problem: string } {
  const fields = parseObject(bytes);
  if (typeof fields === "string") return { problem: fields };
  const { atMs, operatorId, kind, targetNode, commandId, result, detail } = fields;
  const node = parseU64Text(targetNode);
  if (
    typeof atMs !== "number" || typeof operatorId !== "string" || typeof kind !== "string" || node === null ||
    typeof commandId !== "string" || (result !== "committed" && result !== "refused") || typeof detail !== "string"
  ) {
    return { problem: "expected { atMs, operatorId, kind, targetNode, commandId, result, detail }" };
  }
  return { record: { atMs, operatorId, kind, targetNode: node, commandId, result, detail } };
}

function parseObject(bytes: Uint8Array): Record<string, unknown> | string {
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    return "not a JSON object";
  } catch (err) {
    return `not UTF-8 JSON (${(err as Error).message})`;
  }
}
