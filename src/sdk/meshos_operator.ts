/**
 * The operator's client for a whole mesh (upstream's `DeckClient` role): signed commands to any
 * node by its id — enter / exit maintenance, stop / restart a daemon — each answered with the
 * target's commit record once it applied the command (also: restart all daemons, cordon / uncordon,
 * trust / distrust an operator key), or a `MeshOsSdkError` (`unauthorized`,
 * `invalid_transition`, `unknown_daemon`, `unknown_node`, `bus_unavailable`) within the timeout;
 * the mesh's audit trail, queried by time, node and operator; and the nodes' log lines and
 * failures as live feeds.
 *
 * @module
 */

import { type BusChoice, type MeshOsBusOption, openMeshBus, resolveBusOption } from "../bus/open_mesh_bus.ts";
import type { MeshBus } from "../bus/mesh_bus.ts";
import {
  type AuditRecord,
  type CommitRecord,
  decodeAuditRecord,
  decodeCommandReply,
  encodeSignedCommand,
  type OperatorCommand,
  type OperatorCommandKind,
  commandSigningBytes,
} from "../bus/operator_command.ts";
import { expectObject, rejectUnknownKeys } from "../contract/config.ts";
import { type Milliseconds, optionalMilliseconds } from "../contract/milliseconds.ts";
import { isU64, randomU64, U64_EXPECTED } from "../contract/u64.ts";
import { randomHex } from "../contract/byte_text.ts";
import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { OperatorIdentity } from "../identity/operator_identity.ts";
import type { MeshFailure, MeshLogLine } from "../bus/mesh_telemetry.ts";
import type { PeerSnapshot } from "../contract/types.ts";

/** How long a command waits for its target's reply by default (ms). */
const DEFAULT_TIMEOUT_MS = 10_000;
/** A live feed keeps this many items for a reader that is behind; older ones are dropped, counted. */
const FEED_CAPACITY = 10_000;

/**
 * Log lines or failures as they happen, from subscription on. Iterate it; `dropped` counts what a
 * reader fell too far behind to get; it ends when the operator closes or `close()` is called.
 */
export interface LiveFeed<T> extends AsyncIterable<T> {
  readonly dropped: number;
  close(): void;
}

/** Which records `audit()` returns; every field narrows. */
export interface AuditQuery {
  node?: bigint;
  operatorId?: string;
  sinceMs?: number;
  untilMs?: number;
}

/**
 * An operator connected to a mesh.
 *
 * @example
 * ```ts
 * const operator = await MeshOsOperator.connect(OperatorIdentity.generate(), { bus: { nats: { servers: url, mesh: "lab" } } });
 * const commit = await operator.enterMaintenance(2n, { drainForMs: 30_000 });
 * const trail = await operator.audit({ node: 2n });
 * await operator.close();
 * ```
 */
export class MeshOsOperator {
  readonly identity: OperatorIdentity;
  readonly #bus: MeshBus;
  readonly #timeoutMs: number;
  readonly #feeds = new Set<() => void>();
  #closed = false;

  private constructor(identity: OperatorIdentity, bus: MeshBus, timeoutMs: number) {
    this.identity = identity;
    this.#bus = bus;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Joins the mesh `options.bus` names (as `MeshOsDaemonSdk.start` does, but as no node: peers
   * never list an operator). `timeoutMs` bounds every command (default 10 s).
   */
  static async connect(identity: OperatorIdentity, options: { bus: MeshOsBusOption; timeoutMs?: Milliseconds }): Promise<MeshOsOperator> {
    if (!(identity instanceof OperatorIdentity)) {
      throw new MeshOsSdkError("invalid_argument", `identity: expected an OperatorIdentity; got ${describeValue(identity)}`);
    }
    const checked = expectObject("options", options, "invalid_argument");
    rejectUnknownKeys("options", checked, ["bus", "timeoutMs"], "invalid_argument");
    const choice: BusChoice = resolveBusOption(options.bus);
    const timeoutMs = optionalMilliseconds("timeoutMs", options.timeoutMs, 1, DEFAULT_TIMEOUT_MS);
    return new MeshOsOperator(identity, await openMeshBus(choice, randomU64(), Date.now), timeoutMs);
  }

  /** Every node of the mesh as its latest heartbeat shows it (maintenance, health, capabilities…). */
  nodes(): Map<bigint, PeerSnapshot> {
    this.#live();
    return this.#bus.peers(Date.now());
  }

  /** Node `node` starts draining (as `sdk.admin.enterMaintenance` there). */
  async enterMaintenance(node: bigint, options: { drainForMs?: Milliseconds } = {}): Promise<CommitRecord> {
    const drainForMs = optionalMilliseconds("drainForMs", expectObject("options", options, "invalid_argument").drainForMs, 1, null);
    return await this.#send("enterMaintenance", node, { drainForMs });
  }

  /** Node `node` leaves Maintenance or DrainFailed. */
  async exitMaintenance(node: bigint): Promise<CommitRecord> {
    return await this.#send("exitMaintenance", node, {});
  }

  /** Stops daemon `daemonId` on node `node`; the commit comes once it acknowledged or the grace ran out. */
  async stopDaemon(node: bigint, daemonId: bigint, options: { graceMs?: Milliseconds } = {}): Promise<CommitRecord> {
    const graceMs = optionalMilliseconds("graceMs", expectObject("options", options, "invalid_argument").graceMs, 0, null);
    return await this.#send("stopDaemon", node, { daemonId: requireId("daemonId", daemonId), graceMs });
  }

  /** Restarts daemon `daemonId` on node `node` now, clearing its restart gate. */
  async restartDaemon(node: bigint, daemonId: bigint): Promise<CommitRecord> {
    return await this.#send("restartDaemon", node, { daemonId: requireId("daemonId", daemonId) });
  }

  /** Restarts every daemon on node `node`. */
  async restartAllDaemons(node: bigint): Promise<CommitRecord> {
    return await this.#send("restartAllDaemons", node, {});
  }

  /** Cordons node `node`: no daemon is to be placed on it (its own keep running). */
  async cordon(node: bigint): Promise<CommitRecord> {
    return await this.#send("cordon", node, {});
  }

  /** Lifts a cordon. */
  async uncordon(node: bigint): Promise<CommitRecord> {
    return await this.#send("uncordon", node, {});
  }

  /** Node `node` trusts the operator with public key `operatorKey` from now on. */
  async trustOperator(node: bigint, operatorKey: string): Promise<CommitRecord> {
    return await this.#send("trustOperator", node, { operatorKey });
  }

  /** Node `node` stops trusting `operatorKey` (refused for its last trusted key). */
  async distrustOperator(node: bigint, operatorKey: string): Promise<CommitRecord> {
    return await this.#send("distrustOperator", node, { operatorKey });
  }

  /** The mesh's audit trail (every command to any node, accepted or refused), oldest first. */
  async audit(query: AuditQuery = {}): Promise<AuditRecord[]> {
    this.#live();
    const { node, operatorId, sinceMs, untilMs } = expectObject("query", query, "invalid_argument");
    rejectUnknownKeys("query", query, ["node", "operatorId", "sinceMs", "untilMs"], "invalid_argument");
    const records: AuditRecord[] = [];
    for (const bytes of await this.#bus.readAudit()) {
      const decoded = decodeAuditRecord(bytes);
      if ("problem" in decoded) continue; // not a record this SDK wrote: nothing to show
      const r = decoded.record;
      if (node !== undefined && r.targetNode !== node) continue;
      if (operatorId !== undefined && r.operatorId !== operatorId) continue;
      if (typeof sinceMs === "number" && r.atMs < sinceMs) continue;
      if (typeof untilMs === "number" && r.atMs > untilMs) continue;
      records.push(r);
    }
    return records;
  }

  /** The log lines of node `node` (or of every node) from now on. */
  logs(query: { node?: bigint } = {}): LiveFeed<MeshLogLine> {
    this.#live();
    const node = optionalNode(expectObject("query", query, "invalid_argument").node);
    return this.#feed<MeshLogLine>((push) => this.#bus.watchLogs(node, (lines) => lines.forEach(push)));
  }

  /** The failures (daemon crashes, dead letters, failed drains) of node `node` (or of every node) from now on. */
  failures(query: { node?: bigint } = {}): LiveFeed<MeshFailure> {
    this.#live();
    const node = optionalNode(expectObject("query", query, "invalid_argument").node);
    return this.#feed<MeshFailure>((push) => this.#bus.watchFailures(node, push));
  }

  /** Leaves the mesh, ending every feed; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const end of [...this.#feeds]) end();
    await this.#bus.close();
  }

  #feed<T>(watch: (push: (item: T) => void) => () => void): LiveFeed<T> {
    const items: T[] = [];
    let dropped = 0;
    let ended = false;
    let wake: (() => void) | null = null;
    const unwatch = watch((item) => {
      items.push(item);
      if (items.length > FEED_CAPACITY) {
        items.shift();
        dropped++;
      }
      wake?.();
    });
    const end = () => {
      if (ended) return;
      ended = true;
      unwatch();
      this.#feeds.delete(end);
      wake?.();
    };
    this.#feeds.add(end);
    return {
      get dropped() {
        return dropped;
      },
      close: end,
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (items.length > 0) yield items.shift()!;
            if (ended) return;
            await new Promise<void>((resolve) => (wake = resolve));
            wake = null;
          }
        } finally {
          end();
        }
      },
    };
  }

  async #send(kind: OperatorCommandKind, node: bigint, args: Partial<Pick<OperatorCommand, "drainForMs" | "daemonId" | "graceMs" | "operatorKey">>): Promise<CommitRecord> {
    this.#live();
    const command: OperatorCommand = {
      id: randomHex(16),
      operatorId: this.identity.publicKeyHex,
      kind,
      targetNode: requireId("node", node),
      issuedAtMs: Date.now(),
      drainForMs: args.drainForMs ?? null,
      daemonId: args.daemonId ?? null,
      graceMs: args.graceMs ?? null,
      operatorKey: args.operatorKey ?? null,
    };
    const signature = this.identity.sign(commandSigningBytes(command));
    const answer = await this.#bus.request("command", command.targetNode, encodeSignedCommand({ command, signature }), this.#timeoutMs);
    const decoded = decodeCommandReply(answer);
    if ("problem" in decoded) throw new MeshOsSdkError("bus_unavailable", `node ${node}: unreadable reply (${decoded.problem})`);
    if (!decoded.reply.ok) throw new MeshOsSdkError(decoded.reply.kind as never, decoded.reply.message);
    return decoded.reply.commit;
  }

  #live(): void {
    if (this.#closed) throw new MeshOsSdkError("already_shutdown", "MeshOsOperator was already closed");
  }
}

function optionalNode(value: unknown): bigint | null {
  return value === undefined ? null : requireId("node", value);
}

function requireId(field: string, value: unknown): bigint {
  if (isU64(value)) return value;
  throw new MeshOsSdkError("invalid_argument", `${field}: expected ${U64_EXPECTED}; got ${describeValue(value)}`);
}
