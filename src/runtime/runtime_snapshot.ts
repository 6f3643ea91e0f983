/**
 * The plain, JSON-serialisable view of a running SDK that `sdk.snapshot()` returns and the
 * inspector streams. u64 ids are `0x…` hex strings; counters are numbers.
 *
 * @module
 */

import type { MeshBusKind, MeshBusStats } from "../bus/mesh_bus.ts";
import type { BackendName } from "../ffi/ring_backend.ts";
import type { LogLevel, PeerHealth, PeerMaintenance } from "../contract/types.ts";

/** Name of a maintenance state (upstream §4.1). */
export type MaintenanceStateName =
  | "Active"
  | "EnteringMaintenance"
  | "Maintenance"
  | "ExitingMaintenance"
  | "DrainFailed"
  | "Recovery";

/** One daemon as the runtime sees it. */
export interface DaemonSnapshot {
  daemonId: string;
  name: string;
  /** Where `process()` runs: on the runtime's thread or in a Worker. */
  runsIn: "thread" | "worker";
  /** The lifecycle statechart's state, dotted for nested states (e.g. `running.backpressured`). */
  lifecycle: string;
  health: { kind: "healthy" | "degraded" | "unhealthy"; reason: string | null };
  saturation: number;
  capabilities: { required: string[]; optional: string[]; published: string[] };
  restart: { state: "idle" | "backingOff" | "crashLooping"; untilMs: number | null };
  counters: {
    ingested: number;
    inboxRejected: number;
    processed: number;
    outputs: number;
    processErrors: number;
    crashes: number;
    restarts: number;
    controlDelivered: number;
    controlDropped: number;
    discardedOnStop: number;
    /** Of `ingested`, events that came over the bus from other nodes. */
    fromBus: number;
    /**
     * Frames the bus delivered again that the daemon had already taken, and events of the first
     * frame after a restored replica that its state covered already: not taken twice.
     */
    redeliveriesSkipped: number;
    outputsDropped: number;
    inboxDepth: number;
    inboxCapacity: number;
  };
  backpressureLevel: number | null;
  /**
   * A movable daemon (`registerMovable`): the factory a peer builds it with, its last replica on the
   * bus (failover), the node it is moving to now, and why a drain could not place it. Null for a
   * daemon that stays where it was registered.
   */
  movable: {
    factory: string;
    replica: { revision: string; busPosition: string; atMs: number } | null;
    movingTo: string | null;
    unplaced: string | null;
  } | null;
}

/** A log ring record in the snapshot. */
export interface LogRecordSnapshot {
  seq: number;
  tsMs: number;
  level: LogLevel;
  daemonId: string | null;
  nodeId: string;
  message: string;
}

/** An event that failed `process()` too often and was set aside. */
export interface DeadLetterSnapshot {
  daemonId: string;
  /** The event's ingress sequence, a u64 in decimal (a string, so JSON keeps it exact past 2^53). */
  sequence: string;
  payloadBase64: string;
  attempts: number;
  error: string;
}

/** An action the reconcile emitted and the dispatcher received. */
export interface ActionSnapshot {
  id: number;
  kind: string;
  daemonId: string | null;
  detail: string;
  atMs: number;
}

/** The whole runtime at one tick. */
export interface RuntimeSnapshot {
  nodeId: string;
  backend: BackendName;
  /** Faster ring backends passed over at start, and why each did not load. */
  backendFallbacks: { backend: "native" | "wasm" | "js"; reason: string }[];
  /** An operator cordoned the node: no daemon is to be placed on it. */
  cordoned: boolean;
  runtimeEpochId: string;
  ticks: number;
  atMs: number;
  maintenance: {
    state: MaintenanceStateName;
    sinceMs: number;
    deadlineRemainingMs: number | null;
    reason: string | null;
  };
  backpressure: { active: boolean; level: number; busDepth: number; threshold: number; release: number };
  eventQueue: { depth: number; capacity: number; rejected: number };
  daemons: DaemonSnapshot[];
  droppedControlEvents: number;
  /** Daemon Workers started and not yet terminated in this process, of every node in it. */
  liveDaemonWorkers: number;
  log: { records: LogRecordSnapshot[]; dropped: number; truncated: number };
  deadLetters: DeadLetterSnapshot[];
  /** Dead letters evicted from the bounded list. */
  deadLettersDropped: number;
  recentActions: ActionSnapshot[];
  actions: { dispatched: number; failed: number; dropped: number };
  /** The node's mesh: which bus, its counters, and every live peer (never this node). */
  mesh: { bus: MeshBusKind; name: string; peers: PeerRow[] } & MeshBusStats;
}

/** One peer in the snapshot: `PeerSnapshot` with the node id inline and byte counts as numbers. */
export interface PeerRow {
  nodeId: string;
  rttMs: number | null;
  health: PeerHealth | null;
  maintenance: PeerMaintenance | null;
  cpuLoad1m: number | null;
  memUsedBytes: number | null;
  memTotalBytes: number | null;
  diskUsedBytes: number | null;
  diskTotalBytes: number | null;
  saturationTrend: number | null;
  capabilitySet: string[];
  softwareVersion: string | null;
  /** The daemons the peer's last heartbeat says it hosts (hex ids): where each daemon lives. */
  daemons: string[];
  /** Whether the peer is cordoned (no daemon is placed on it). */
  cordoned: boolean;
}
