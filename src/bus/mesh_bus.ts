/**
 * The seam between a node's runtime and the rest of its mesh. The runtime talks only to this
 * interface; `memory_bus.ts` (in-process, the default) and `nats_bus.ts` (NATS) implement it.
 * A bus knows the contract types, never the SDK classes.
 *
 * Events to a daemon travel by the daemon's id, not by node: `send` puts them on the bus, and the
 * node that `host`s that daemon takes them, in order, wherever it is — so a daemon that moves to
 * another node (a later issue) keeps its queue. Its outputs travel the same way back.
 *
 * Operator commands go to a node by its id and are answered by it; every command, accepted or
 * refused, leaves a record in the mesh's audit trail.
 *
 * A movable daemon's replica — its last consistent state, chain heads and bus position — is kept
 * on the bus too, one record per daemon with a revision that grows on each write. Every write
 * names the revision it replaces, so exactly one node wins a race to take a daemon over, and a
 * node that lost a daemon learns it on its next write. Frames a replicated daemon took stay
 * unacknowledged until a replica covers them (`holdAcks`, `acknowledge`): when its node dies, the
 * events after the replica are still on the bus for the node that restores it.
 *
 * @module
 */

import type { CausalEvent, PeerHealth, PeerSnapshot } from "../contract/types.ts";
import type { NodeAdvert } from "./node_advert.ts";
import type { MeshFailure, MeshLogLine } from "./mesh_telemetry.ts";

/** Which implementation carries a mesh. */
export type MeshBusKind = "memory" | "nats";

/** What a bus has done since it opened; every lost or refused message is counted here. */
export interface MeshBusStats {
  /** Heartbeats this node sent. */
  heartbeatsSent: number;
  /** Heartbeats this node could not send (the bus was disconnected or refused them). */
  heartbeatsFailed: number;
  /** Peers' heartbeats entered in the peer table. */
  heartbeatsReceived: number;
  /** Messages from the mesh that were not a valid heartbeat (malformed, or another mesh's). */
  heartbeatsRejected: number;
  /** Whether the bus is connected now (the memory bus always is until closed). */
  connected: boolean;
  /** Times the bus lost and regained its connection. */
  reconnects: number;
  /** Round-trip probes to a peer that got no answer in time. */
  rttProbesFailed: number;
  /** Events this node put on the bus for daemons on other nodes, in `framesSent` frames. */
  eventsSent: number;
  framesSent: number;
  /** Events whose `send` failed (the caller's promise rejected with `bus_unavailable`). */
  eventsFailed: number;
  /** Events the bus handed to daemons hosted here, in `framesReceived` frames. */
  eventsReceived: number;
  framesReceived: number;
  /** Frames from the bus that were not a valid frame (taken off the bus, never delivered). */
  framesRejected: number;
  /** Output frames this node published for readers on other nodes, and those that failed. */
  outputFramesPublished: number;
  outputFramesFailed: number;
  /** Audit records this node could not append to the mesh's trail. */
  auditFailed: number;
  /** Replicas of daemons hosted here written to the bus, and writes that failed. */
  replicasWritten: number;
  replicasFailed: number;
  /** Log-line messages and failures not shared with operators because the bus was disconnected. */
  telemetryDropped: number;
}

/** How a node answers what is sent to it on a channel: request bytes in, reply bytes out. */
export type RequestHandler = (request: Uint8Array) => Promise<Uint8Array>;

/**
 * What a node can be asked directly: `command` — an operator's signed command; `migrate` — a peer
 * handing over a daemon it moves off a draining node.
 */
export type NodeChannel = "command" | "migrate";

/**
 * Where a bus hands the frames sent to a daemon hosted on this node. `position` grows along the
 * daemon's queue on the bus (for NATS the stream sequence), and is the same when a frame is
 * delivered again (after a reconnect, or an acknowledgement that was lost). The promise resolves
 * once every payload is taken — or the position is recognised as taken before — and only then is
 * the frame acknowledged; it rejects when the daemon can no longer take events (it left), and the
 * frame stays on the bus for whoever hosts the daemon next.
 */
export type FrameDelivery = (position: bigint, payloads: Uint8Array[]) => Promise<void>;

/** What a reader of a remote daemon's outputs is told. */
export interface OutputWatcher {
  /** The next outputs, in chain order. */
  events(events: CausalEvent[]): void;
  /** The daemon stopped: nothing more will come. */
  end(): void;
}

/** A daemon's replica as the bus stores it: the record and the revision that wrote it (from 1). */
export interface StoredReplica {
  record: Uint8Array;
  revision: bigint;
}

/** How a node takes a daemon's frames. */
export interface HostOptions {
  /**
   * Delivered frames stay unacknowledged until `acknowledge` covers them (a replicated daemon: a
   * replica on the bus holds their events first). Without it a frame is acknowledged on delivery.
   */
  holdAcks?: boolean;
}

/** One node's connection to its mesh. */
export interface MeshBus {
  readonly kind: MeshBusKind;
  /** The mesh name: nodes on the same bus with the same name see each other. */
  readonly mesh: string;
  /** True when no other node can ever hear this bus (a node alone): adverts would go nowhere. */
  readonly solitary: boolean;
  /** Sends this node's heartbeat to every peer (never waits; a failure is counted). */
  advertise(advert: NodeAdvert): void;
  /** Every live peer as of `nowMs` on this node's clock; never this node. */
  peers(nowMs: number): Map<bigint, PeerSnapshot>;
  /** Every peer's latest heartbeat with its health as of `nowMs`: what placement chooses among. */
  peerAdverts(nowMs: number): { advert: NodeAdvert; health: PeerHealth }[];
  /** The peer that hosts `daemonId`, as its last heartbeat says; null when no peer does. */
  hostOf(daemonId: bigint): bigint | null;
  /**
   * Puts `payloads` on the bus for daemon `daemonId`, wherever it is hosted. Resolves once they
   * are durable on the bus (NATS: the JetStream acknowledgement); rejects with `bus_unavailable`
   * when they are not. The bytes are copied before `send` returns (the caller may reuse its
   * buffers at once, as with a local ingest). Calls in one turn share frames.
   */
  send(daemonId: bigint, payloads: readonly Uint8Array[]): Promise<void>;
  /** Takes the events sent to `daemonId`, which this node now hosts, to `deliver`, in order. */
  host(daemonId: bigint, deliver: FrameDelivery, options?: HostOptions): void;
  /** With `holdAcks`: every frame of `daemonId` delivered here up to `position` may leave the bus. */
  acknowledge(daemonId: bigint, position: bigint): void;
  /**
   * Stores `record` as the replica of `daemonId` if the stored one is still at revision `expected`
   * (0: none stored). Resolves with the new revision, or null when another node wrote one since;
   * rejects with `bus_unavailable` when the bus did not store it.
   */
  replicate(daemonId: bigint, record: Uint8Array, expected: bigint): Promise<bigint | null>;
  /** The stored replica of `daemonId`, null when none; `bus_unavailable` when the bus cannot say. */
  readReplica(daemonId: bigint): Promise<StoredReplica | null>;
  /** Stops taking them (the daemon left this node); what is not delivered stays on the bus. */
  unhost(daemonId: bigint): void;
  /** Publishes outputs of a daemon hosted here to readers on other nodes (never waits). */
  publishOutputs(daemonId: bigint, events: readonly CausalEvent[]): void;
  /** Tells readers on other nodes that `daemonId` stopped (not called when it moves on). */
  endOutputs(daemonId: bigint): void;
  /** Reads the outputs of `daemonId`, hosted on another node, from now on; returns the unsubscribe. */
  watchOutputs(daemonId: bigint, watcher: OutputWatcher): () => void;
  /** Answers what is sent to this node on `channel` with `handler`, one at a time in arrival order. */
  serve(channel: NodeChannel, handler: RequestHandler): void;
  /**
   * Sends `request` to node `targetNode` on `channel` and resolves with its reply; rejects with
   * `unknown_node` when no node of that id answers, `bus_unavailable` when none does in `timeoutMs`.
   */
  request(channel: NodeChannel, targetNode: bigint, request: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /** Appends a record to the mesh's audit trail (NATS: a JetStream stream); never waits, failures counted. */
  appendAudit(record: Uint8Array): void;
  /** Every record of the mesh's audit trail, oldest first. */
  readAudit(): Promise<Uint8Array[]>;
  /** Shares one of this node's log lines with the operators watching (never waits). */
  publishLog(line: MeshLogLine): void;
  /** Shares one of this node's failures with the operators watching (never waits). */
  publishFailure(failure: MeshFailure): void;
  /** Watches the log lines of node `node` (null: of every node) from now on; returns the unsubscribe. */
  watchLogs(node: bigint | null, onLines: (lines: MeshLogLine[]) => void): () => void;
  /** Watches the failures of node `node` (null: of every node) from now on; returns the unsubscribe. */
  watchFailures(node: bigint | null, onFailure: (failure: MeshFailure) => void): () => void;
  /** Counters since the bus opened. */
  stats(): MeshBusStats;
  /** Says goodbye to the peers and releases the connection; idempotent. */
  close(): Promise<void>;
}

/** Counters of a bus that just opened. */
export function freshBusStats(): MeshBusStats {
  return {
    heartbeatsSent: 0,
    heartbeatsFailed: 0,
    heartbeatsReceived: 0,
    heartbeatsRejected: 0,
    connected: true,
    reconnects: 0,
    rttProbesFailed: 0,
    eventsSent: 0,
    framesSent: 0,
    eventsFailed: 0,
    eventsReceived: 0,
    framesReceived: 0,
    framesRejected: 0,
    outputFramesPublished: 0,
    outputFramesFailed: 0,
    auditFailed: 0,
    replicasWritten: 0,
    replicasFailed: 0,
    telemetryDropped: 0,
  };
}
