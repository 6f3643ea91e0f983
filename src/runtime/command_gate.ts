/**
 * Where an operator's command enters a node (the node's trusted keys can be changed by a trusted
 * operator's `trustOperator` / `distrustOperator`): the signature is checked against the node's trusted
 * operator keys, the command must be addressed to this node, fresh (issued within `freshnessMs`
 * of this node's wall clock) and not seen before (a replay); only then is it applied. Every
 * command — accepted, refused, or given through the node-local `sdk.admin` — leaves a record in
 * the mesh's audit trail.
 *
 * @module
 */

import { describeValue, MeshOsSdkError, thrownText } from "../errors/meshos_sdk_error.ts";
import { hexId } from "../contract/u64.ts";
import { randomHex } from "../contract/byte_text.ts";
import type { MeshBus } from "../bus/mesh_bus.ts";
import {
  type AuditRecord,
  type CommandReply,
  commandSigningBytes,
  decodeSignedCommand,
  encodeAuditRecord,
  encodeCommandReply,
  type OperatorCommand,
  type OperatorCommandKind,
} from "../bus/operator_command.ts";
import { isOperatorKey, verifyOperatorSignature } from "../identity/operator_identity.ts";

/** Who may command this node, and how old a command may be. */
export interface OperatorPolicy {
  /** Trusted operators' public keys (64 hex digits each). */
  trusted: readonly string[];
  /** The largest difference (ms) between a command's issue time and this node's clock. */
  freshnessMs: number;
}

/** What a command acts on: the node runtime. */
export interface CommandTarget {
  readonly nodeId: bigint;
  enterMaintenance(drainForMs: number | null): void;
  exitMaintenance(): void;
  stop(daemonId: bigint, graceMs: number): Promise<void>;
  restart(daemonId: bigint): void;
  /** Restarts every daemon of the node. */
  restartAll(): void;
  /** Marks the node cordoned (no daemon is to be placed on it) or not. */
  setCordoned(cordoned: boolean): void;
  /** Throws `unknown_daemon` (or `invalid_argument`) for a daemon that is not here. */
  requireSlot(daemonId: unknown): unknown;
}

/** How far a command's issue time may be from the node's clock unless the node says otherwise (ms). */
export const DEFAULT_FRESHNESS_MS = 30_000;
/** The grace a `stopDaemon` command without one gets (as `sdk.admin.stopDaemon`). */
const DEFAULT_STOP_GRACE_MS = 1_000;
/** The operator id `sdk.admin`'s node-local commands are audited under. */
export const LOCAL_OPERATOR = "local";

/** One node's gate for operator commands. */
export class CommandGate {
  readonly #target: CommandTarget;
  readonly #bus: MeshBus;
  readonly #trusted: Set<string>;
  readonly #freshnessMs: number;
  readonly #wallMs: () => number;
  /** Command ids seen, with when: kept for twice the freshness window (older ones are stale anyway). */
  readonly #seen = new Map<string, number>();

  constructor(target: CommandTarget, bus: MeshBus, policy: OperatorPolicy, wallMs: () => number) {
    this.#target = target;
    this.#bus = bus;
    this.#trusted = new Set(policy.trusted);
    this.#freshnessMs = policy.freshnessMs;
    this.#wallMs = wallMs;
  }

  /** Answers one command from the bus: checks, applies, audits; the reply says what happened. */
  async handle(request: Uint8Array): Promise<Uint8Array> {
    const decoded = decodeSignedCommand(request);
    if ("problem" in decoded) {
      return this.#refuse(null, new MeshOsSdkError("invalid_argument", `command: ${decoded.problem}`));
    }
    const { command, signature } = decoded.signed;
    const refusal = this.#check(command, signature);
    if (refusal) return this.#refuse(command, refusal);
    this.#seen.set(command.id, this.#wallMs());
    try {
      await this.#apply(command);
    } catch (err) {
      return this.#refuse(command, err instanceof MeshOsSdkError ? err : new MeshOsSdkError("invalid_argument", thrownText(err)));
    }
    const commit = { commitId: randomHex(16), operatorId: command.operatorId, kind: command.kind, targetNode: this.#target.nodeId, committedAtMs: this.#wallMs() };
    this.#audit({ operatorId: command.operatorId, kind: command.kind, commandId: command.id, result: "committed", detail: commit.commitId });
    return encodeCommandReply({ ok: true, commit });
  }

  /** Runs a node-local `sdk.admin` command and audits it like a remote one; errors pass through. */
  local<T>(kind: OperatorCommandKind, run: () => T): T {
    const commandId = randomHex(16);
    try {
      const result = run();
      if (result instanceof Promise) {
        return result.then(
          (value) => (this.#audit({ operatorId: LOCAL_OPERATOR, kind, commandId, result: "committed", detail: commandId }), value),
          (err) => {
            this.#audit({ operatorId: LOCAL_OPERATOR, kind, commandId, result: "refused", detail: refusalText(err) });
            throw err;
          },
        ) as T;
      }
      this.#audit({ operatorId: LOCAL_OPERATOR, kind, commandId, result: "committed", detail: commandId });
      return result;
    } catch (err) {
      this.#audit({ operatorId: LOCAL_OPERATOR, kind, commandId, result: "refused", detail: refusalText(err) });
      throw err;
    }
  }

  #check(command: OperatorCommand, signature: string): MeshOsSdkError | null {
    const node = hexId(this.#target.nodeId);
    if (!this.#trusted.has(command.operatorId)) {
      return new MeshOsSdkError(
        "unauthorized",
        `operatorId: ${describeValue(command.operatorId)} is not a trusted operator of node ${node}; expected one of the keys in its operators.trusted start option`,
      );
    }
    if (!verifyOperatorSignature(command.operatorId, commandSigningBytes(command), signature)) {
      return new MeshOsSdkError("unauthorized", `signature: does not verify for operator ${command.operatorId}; expected the operator's signature of this command`);
    }
    if (command.targetNode !== this.#target.nodeId) {
      return new MeshOsSdkError("invalid_argument", `targetNode: the command names node ${hexId(command.targetNode)}; expected this node, ${node}`);
    }
    const age = this.#wallMs() - command.issuedAtMs;
    if (Math.abs(age) > this.#freshnessMs) {
      return new MeshOsSdkError(
        "unauthorized",
        `issuedAtMs: the command was issued ${Math.round(age)} ms from node ${node}'s clock; expected within ${this.#freshnessMs} ms (a stale or replayed command)`,
      );
    }
    this.#forgetOld();
    if (this.#seen.has(command.id)) {
      return new MeshOsSdkError("unauthorized", `id: command ${command.id} was already received by node ${node}; expected a new command (a replay)`);
    }
    return null;
  }

  async #apply(command: OperatorCommand): Promise<void> {
    const target = this.#target;
    switch (command.kind) {
      case "enterMaintenance":
        return target.enterMaintenance(command.drainForMs);
      case "exitMaintenance":
        return target.exitMaintenance();
      case "stopDaemon":
        target.requireSlot(command.daemonId);
        return await target.stop(command.daemonId!, command.graceMs ?? DEFAULT_STOP_GRACE_MS);
      case "restartDaemon":
        target.requireSlot(command.daemonId);
        return target.restart(command.daemonId!);
      case "restartAllDaemons":
        return target.restartAll();
      case "cordon":
      case "uncordon":
        return target.setCordoned(command.kind === "cordon");
      case "trustOperator":
      case "distrustOperator":
        return this.#changeTrust(command.kind === "trustOperator", command.operatorKey);
    }
  }

  /** Adds or removes a trusted key; the last one cannot be removed (no one could command the node). */
  #changeTrust(trust: boolean, key: string | null): void {
    if (!isOperatorKey(key)) {
      throw new MeshOsSdkError("invalid_argument", `operatorKey: expected an operator public key (64 lowercase hex digits); got ${describeValue(key)}`);
    }
    if (trust) {
      this.#trusted.add(key);
      return;
    }
    if (this.#trusted.has(key) && this.#trusted.size === 1) {
      throw new MeshOsSdkError("invalid_argument", `operatorKey: ${key} is node ${hexId(this.#target.nodeId)}'s last trusted operator; expected another key to remain`);
    }
    this.#trusted.delete(key);
  }

  #refuse(command: OperatorCommand | null, error: MeshOsSdkError): Uint8Array {
    this.#audit({
      operatorId: command?.operatorId ?? "unknown",
      kind: command?.kind ?? "malformed",
      commandId: command?.id ?? "",
      result: "refused",
      detail: `${error.kind}: ${error.detail}`,
    });
    const reply: CommandReply = { ok: false, kind: error.kind, message: error.detail };
    return encodeCommandReply(reply);
  }

  #audit(fields: Omit<AuditRecord, "atMs" | "targetNode">): void {
    this.#bus.appendAudit(encodeAuditRecord({ atMs: this.#wallMs(), targetNode: this.#target.nodeId, ...fields }));
  }

  #forgetOld(): void {
    const horizon = this.#wallMs() - 2 * this.#freshnessMs;
    for (const [id, atMs] of this.#seen) {
      if (atMs >= horizon) break; // insertion order is time order
      this.#seen.delete(id);
    }
  }
}

function refusalText(err: unknown): string {
  return err instanceof MeshOsSdkError ? `${err.kind}: ${err.detail}` : thrownText(err);
}
