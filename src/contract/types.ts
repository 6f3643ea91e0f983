/**
 * The daemon-author type surface: upstream net-mesh's TypeScript shapes (§2.6.1), with payloads as
 * `Uint8Array` and u64 as `bigint`.
 *
 * @module
 */

import type { Milliseconds } from "./milliseconds.ts";

/** Severity of a log line; ordered trace < debug < info < warn < error. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** Stop within `gracePeriodMs`. */
export interface DaemonControlShutdown {
  kind: "Shutdown";
  gracePeriodMs: bigint;
}
/** The node is entering maintenance: finish in-flight work within `gracePeriodMs`. */
export interface DaemonControlDrainStart {
  kind: "DrainStart";
  gracePeriodMs: bigint;
}
/** The node's drain is over (it reached Maintenance or DrainFailed). */
export interface DaemonControlDrainFinish {
  kind: "DrainFinish";
}
/** The bus is congested; `level` in [0, 1], 0 = just triggered, 1 = catastrophic. */
export interface DaemonControlBackpressureOn {
  kind: "BackpressureOn";
  level: number;
}
/** Congestion is over. */
export interface DaemonControlBackpressureOff {
  kind: "BackpressureOff";
}
/** A variant this SDK version does not know. */
export interface DaemonControlUnknown {
  kind: "Unknown";
}
/** A supervisor→daemon control signal. */
export type DaemonControl =
  | DaemonControlShutdown
  | DaemonControlDrainStart
  | DaemonControlDrainFinish
  | DaemonControlBackpressureOn
  | DaemonControlBackpressureOff
  | DaemonControlUnknown;

/** The node is serving. */
export interface MaintenanceStateActive {
  kind: "Active";
}
/** Draining daemons before maintenance; `deadlineRemainingMs` is null without a deadline. */
export interface MaintenanceStateEntering {
  kind: "EnteringMaintenance";
  sinceMs: bigint;
  deadlineRemainingMs: bigint | null;
}
/** In maintenance. */
export interface MaintenanceStateSteady {
  kind: "Maintenance";
  sinceMs: bigint;
}
/** Leaving maintenance: waiting for every daemon to run healthy. */
export interface MaintenanceStateExiting {
  kind: "ExitingMaintenance";
  sinceMs: bigint;
}
/** The drain missed its deadline. */
export interface MaintenanceStateDrainFailed {
  kind: "DrainFailed";
  sinceMs: bigint;
  reason: string;
}
/** Ramping back up after maintenance. */
export interface MaintenanceStateRecovery {
  kind: "Recovery";
  sinceMs: bigint;
}
/** A variant this SDK version does not know. */
export interface MaintenanceStateUnknown {
  kind: "Unknown";
}
/** This node's maintenance state as a daemon sees it (times relative to the view's creation). */
export type MaintenanceState =
  | MaintenanceStateActive
  | MaintenanceStateEntering
  | MaintenanceStateSteady
  | MaintenanceStateExiting
  | MaintenanceStateDrainFailed
  | MaintenanceStateRecovery
  | MaintenanceStateUnknown;

/** A peer's reachability. */
export type PeerHealth = "Healthy" | "Degraded" | "Unreachable" | "Unknown";
/** A peer's maintenance state name. */
export type PeerMaintenance =
  | "Active"
  | "EnteringMaintenance"
  | "Maintenance"
  | "ExitingMaintenance"
  | "DrainFailed"
  | "Recovery"
  | "Unknown";

/** What this node knows of another node. */
export interface PeerSnapshot {
  rttMs: bigint | null;
  health: PeerHealth | null;
  maintenance: PeerMaintenance | null;
  cpuLoad1m: number | null;
  memUsedBytes: bigint | null;
  memTotalBytes: bigint | null;
  diskUsedBytes: bigint | null;
  diskTotalBytes: bigint | null;
  saturationTrend: number | null;
  capabilitySet: string[];
  softwareVersion: string | null;
  forkedFrom: bigint | null;
}

/** What a daemon can read about itself and its node. */
export interface MetadataView {
  nodeId: bigint;
  daemonId: bigint;
  daemonName: string;
  maintenanceState: MaintenanceState;
  peers: Map<bigint, PeerSnapshot>;
}

/**
 * One event handed to `process()`. `originHash`/`sequence`/`parentHash`/`horizonEncoded` form the
 * 32-byte causal link of upstream §3.14 (the last two are extras over upstream's binding shape).
 */
export interface CausalEvent {
  originHash: bigint;
  sequence: bigint;
  payload: Uint8Array;
  parentHash: bigint;
  horizonEncoded: bigint;
}

/** A daemon's health, as `health()` reports it. */
export type DaemonHealth =
  | "healthy"
  | "degraded"
  | "unhealthy"
  | { kind: "healthy" | "degraded" | "unhealthy"; reason?: string };

/** Placement tags: a list, or a function called once at registration that returns one. */
export type CapabilityAdvert = string[] | (() => string[]);

/** Capabilities a daemon advertises at run time through `publishCapabilities`. */
export interface CapabilitySetJs {
  hardware?: Record<string, unknown>;
  software?: Record<string, unknown>;
  models?: unknown[];
  tools?: unknown[];
  tags?: string[];
  limits?: Record<string, unknown>;
}

/** What one `process()` call emits: payloads that extend the daemon's own chain, or nothing. */
export type DaemonOutputs = readonly Uint8Array[] | null | undefined | void;

/** The contract a daemon implements. Only `name` and `process` are required. */
export interface MeshOsDaemon {
  /** Daemon name, a string property. */
  name: string;
  /**
   * Handles one event. The returned payloads extend the daemon's own causal chain. May be async:
   * a returned promise is awaited before the daemon's next event (in-thread daemons; a Worker
   * daemon's `process()` must be synchronous), and a rejection is a failure like a throw.
   */
  process(event: CausalEvent): DaemonOutputs | PromiseLike<DaemonOutputs>;
  /** Opaque state bytes taken before a restart, or null when stateless. */
  snapshot?(): Uint8Array | null;
  /** Restores state from the last `snapshot()`. */
  restore?(state: Uint8Array): void;
  /** Called for every control event, besides the `nextControl()` queue. */
  onControl?(event: DaemonControl): void;
  /** Polled every tick. */
  health?(): DaemonHealth;
  /** Polled every tick; 0 idle … 1 fully loaded (clamped). */
  saturation?(): number;
  requiredCapabilities?: CapabilityAdvert;
  optionalCapabilities?: CapabilityAdvert;
}

/** Runtime configuration; every field optional (defaults of upstream §6). */
export interface MeshOsConfig {
  /** This node's id (u64). Default 0n. */
  thisNode?: bigint;
  /** Event-loop tick in ms (> 0, `number` or `bigint`). Default 500. */
  tickIntervalMs?: Milliseconds;
  /** Bounded event queue (publishLog, lifecycle and admin events). Default 1024. */
  eventQueueCapacity?: number;
  /** Bounded action queue between reconcile and the dispatcher. Default 1024. */
  actionQueueCapacity?: number;
  /** Bus depth at which backpressure turns on. Default 1000. */
  backpressureThreshold?: number;
  /** Bus depth at or below which backpressure turns off. Default 200. */
  backpressureRelease?: number;
  /** Log ring records kept (newest). Default 2048. */
  logRingCapacity?: number;
  /** Per-daemon inbox capacity in records (rounded up to a power of two). Default 4096. */
  inboxCapacity?: number;
  /** Drain deadline when `enterMaintenance` names none, ms. Default 600000 (10 min). */
  defaultDrainDeadlineMs?: Milliseconds;
  /** Recovery → Active after this long, ms. Default 300000 (5 min). */
  recoveryRampWindowMs?: Milliseconds;
}
