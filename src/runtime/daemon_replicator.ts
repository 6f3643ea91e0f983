/**
 * Keeps a movable daemon's replica on the bus: every `everyEvents` settled events, or
 * `everyMs` after the last replica when anything settled since, its slot's settled point is
 * written as a `DaemonTransfer` naming this node as host; once stored, the frames it covers are
 * acknowledged (they were held: until then a node restoring the daemon needs them).
 *
 * Each write names the revision this node wrote last; a write refused for it means another node
 * took the daemon over (this node was thought dead, or a move it started completed elsewhere) —
 * unless the replica stored still names this node (its own write, whose answer was lost):
 * `onLost` is called and nothing more is written.
 *
 * @module
 */

import type { MeshBus } from "../bus/mesh_bus.ts";
import { encodeDaemonTransfer, readTransferReplica } from "../bus/daemon_transfer.ts";
import type { DaemonSlot, SettledPoint } from "./daemon_slot.ts";

/** How movable daemons are replicated, and when a silent node's daemons are restored elsewhere. */
export interface FailoverPolicy {
  /** A replica after this many settled events (≥ 1). */
  everyEvents: number;
  /** …or this long after the last replica, when an event settled since (ms). */
  everyMs: number;
  /** A peer Unreachable this long (ms) has its movable daemons restored on other nodes. */
  afterUnreachableMs: number;
}

/** The defaults: a replica every 1000 events or 1 s; failover 1 s after a peer turned Unreachable. */
export const DEFAULT_FAILOVER: FailoverPolicy = { everyEvents: 1_000, everyMs: 1_000, afterUnreachableMs: 1_000 };

/** What the replicator of one daemon needs around it. */
export interface ReplicatorParts {
  bus: MeshBus;
  slot: DaemonSlot;
  /** This node's id: the host its replicas name. */
  nodeId: bigint;
  policy: FailoverPolicy;
  now: () => number;
  /** Another node wrote the daemon's replica: it is hosted there now. */
  onLost: () => void;
  /** A write failed (the bus is away): said once per run of failures. */
  onWriteFailed: (why: string) => void;
}

/**
 * The replica writer of one hosted movable daemon.
 *
 * @example
 * ```ts
 * const replicator = new DaemonReplicator({ bus, slot, nodeId, policy, now, onLost, onWriteFailed }, revision);
 * slot.onSettled = () => replicator.settled();
 * replicator.tick(clock.now()); // on every runtime tick
 * ```
 */
export class DaemonReplicator {
  readonly #parts: ReplicatorParts;
  /** The revision this node wrote last; null until it knows (it reads the stored one first). */
  #revision: bigint | null;
  #since = 0;
  #lastAtMs: number;
  #writing: Promise<void> | null = null;
  #again = false;
  #failing = false;
  #stopped = false;
  /** The point of the last replica stored, and when (for the snapshot). */
  #stored: { point: SettledPoint; revision: bigint; atMs: number } | null = null;

  /** `revision`: the stored replica this node owns (a take-over's), or null to claim the daemon now. */
  constructor(parts: ReplicatorParts, revision: bigint | null) {
    this.#parts = parts;
    this.#revision = revision;
    this.#lastAtMs = parts.now();
    this.#write(); // a first replica at once: the daemon can be restored from the start
  }

  /** The last replica stored: its revision, the bus position it covers and when (null: none yet). */
  get stored(): { revision: bigint; busPosition: bigint; atMs: number } | null {
    const stored = this.#stored;
    return stored && { revision: stored.revision, busPosition: stored.point.busPosition, atMs: stored.atMs };
  }

  /** One more event settled: a replica when `everyEvents` have. */
  settled(): void {
    if (++this.#since >= this.#parts.policy.everyEvents) this.#write();
  }

  /** Per tick: a replica when `everyMs` passed since the last and something settled. */
  tick(nowMs: number): void {
    if (this.#since > 0 && nowMs - this.#lastAtMs >= this.#parts.policy.everyMs) this.#write();
  }

  /**
   * Hands the daemon to `target`: after any write in flight, its settled point is written naming
   * `target` as host, and the frames it covers are acknowledged; nothing more is written here.
   * Resolves with the point and its revision; null when another node owns the daemon already
   * (`onLost` was called). Rejects with `bus_unavailable` when the bus did not say it stored it
   * (`reclaim` takes it back).
   */
  async handOff(target: bigint): Promise<{ point: SettledPoint; revision: bigint } | null> {
    this.#stopped = true;
    while (this.#writing) await this.#writing;
    const point = this.#parts.slot.settledPoint()!;
    const revision = await this.#store(point, target);
    if (revision !== null) return { point, revision };
    this.#parts.onLost();
    return null;
  }

  /**
   * After a hand-off to `target` that did not complete: takes the daemon back if no node wrote its
   * replica since — `handedOff` is still the stored revision, or, when the hand-off's own write
   * failed (`handedOff` null: it may have been stored all the same), the stored replica names this
   * node or `target` (written by this node: the target was never asked). True when it is this
   * node's again, and replicas go on.
   */
  async reclaim(handedOff: bigint | null, target: bigint): Promise<boolean> {
    if (handedOff === null) {
      const stored = await readTransferReplica(this.#parts.bus, this.#parts.slot.daemonId);
      const host = stored?.transfer?.hostNode ?? null;
      if (stored && host !== this.#parts.nodeId && host !== target) return false;
      handedOff = stored?.revision ?? 0n;
    }
    this.#revision = handedOff;
    const revision = await this.#store(this.#parts.slot.settledPoint()!, this.#parts.nodeId);
    if (revision === null) return false;
    this.#stopped = false;
    return true;
  }

  /** Writes no more (the daemon left this node). */
  stop(): void {
    this.#stopped = true;
  }

  /** Writes the settled point now, or right after the write in flight. */
  #write(): void {
    if (this.#stopped) return;
    if (this.#writing) {
      this.#again = true;
      return;
    }
    this.#since = 0;
    this.#lastAtMs = this.#parts.now();
    const point = this.#parts.slot.settledPoint()!;
    this.#writing = this.#store(point, this.#parts.nodeId).then(
      (revision) => {
        this.#failing = false;
        if (revision === null && !this.#stopped) {
          this.#stopped = true;
          this.#parts.onLost();
        }
      },
      (err) => {
        this.#since = Math.max(this.#since, 1); // the next tick after everyMs tries again
        if (!this.#failing) this.#parts.onWriteFailed((err as Error).message);
        this.#failing = true;
      },
    ).finally(() => {
      this.#writing = null;
      if (this.#again) {
        this.#again = false;
        this.#write();
      }
    });
  }

  /**
   * Stores `point` with `hostNode` over the revision this node owns; acknowledges what it covers.
   * A write refused for its revision is this node's own when the stored replica still names this
   * node (a write whose answer was lost — the servers went away after storing it): then it is
   * written again over that one. Null when another node wrote it.
   */
  async #store(point: SettledPoint, hostNode: bigint): Promise<bigint | null> {
    const { bus, slot } = this.#parts;
    if (this.#revision === null) this.#revision = (await bus.readReplica(slot.daemonId))?.revision ?? 0n;
    const record = encodeDaemonTransfer({ daemonId: slot.daemonId, hostNode, factory: slot.movable!, ...point });
    let revision = await bus.replicate(slot.daemonId, record, this.#revision);
    if (revision === null) {
      const stored = await readTransferReplica(bus, slot.daemonId);
      if (stored?.transfer?.hostNode !== this.#parts.nodeId) return null;
      revision = await bus.replicate(slot.daemonId, record, stored.revision);
      if (revision === null) return null;
    }
    this.#revision = revision;
    this.#stored = { point, revision, atMs: this.#parts.now() };
    bus.acknowledge(slot.daemonId, point.busPosition);
    return revision;
  }
}
