/**
 * The seam between a daemon's slot and where its code runs: {@link DaemonExecutor} is what the slot
 * drives, {@link SlotRun} what an executor may do to the slot. The runtime picks the executor
 * (in-thread or Worker) and hands a factory to the slot, so neither side imports the other.
 *
 * @module
 */
import type { HealthReading, SavedStateReading } from "../contract/daemon_spec.ts";
import type { CausalEvent, DaemonControl } from "../contract/types.ts";
import type { LogSeverity } from "../contract/log_level.ts";
import type { RecordRing } from "../ffi/ring_backend.ts";

/** An event taken from the inbox that still waits for a `process()` that succeeds. */
export interface PendingEvent {
  event: CausalEvent;
  /** Failed attempts so far. */
  attempts: number;
}

/** Where a daemon's code runs. The slot calls it; it reports back through {@link SlotRun}. */
export interface DaemonExecutor {
  /** Where the daemon's code runs, as the snapshot reports it. */
  readonly runsIn: "thread" | "worker";
  /** Records arrived, or whether the daemon may process changed: act on it. */
  wake(): void;
  /** Hands a control event to the daemon's `onControl`. */
  control(event: DaemonControl): void;
  /** Per-tick supervision: read health and saturation (answered through `SlotRun.readings`). */
  poll(): void;
  /** After a crash or a forced restart: restore the daemon from `savedState` and go on. */
  restart(savedState: Uint8Array | null): void;
  /** The slot is going away: stop at once, release everything. */
  close(): void;
}

/** What an executor may do to its slot: the bookkeeping every execution shares. */
export interface SlotRun {
  readonly daemonId: bigint;
  readonly inbox: RecordRing;
  /** The bytes the daemon's last `snapshot()` gave (its saved state), or null. */
  readonly savedState: Uint8Array | null;
  /** Events waiting for another try, oldest first; they go before the inbox. */
  readonly kept: readonly PendingEvent[];
  /** Records waiting for `process()`: in the ring (as far as reported) or kept. */
  readonly depth: number;
  /** True while the lifecycle lets `process()` run (running or draining, not closed). */
  canProcess(): boolean;
  /** Inbox records a consumer released that no `popped()` has accounted for yet. */
  unreportedPops(): number;
  /** Removes and returns the oldest kept event. */
  takeKept(): PendingEvent | undefined;
  /** Keeps `event`, taken from the inbox but not run (a batch stopped by a crash), after the others. */
  keep(event: CausalEvent): void;
  /** Stamps a payload taken from the inbox with the next ingress link (the caller keeps the copy). */
  stamp(payload: Uint8Array): CausalEvent;
  /** The ingress chain's head: the last event stamped (the genesis link, empty, before any). */
  ingressHead(): CausalEvent;
  /** Adopts `head`, stamped elsewhere (a Worker): the ingress chain goes on after it. */
  adopt(head: CausalEvent): void;
  /** `count` records left the inbox ring. */
  popped(count: number): void;
  /** One event was processed: its outputs extend the daemon's own chain. */
  completed(outputs: readonly Uint8Array[]): void;
  /** `process()` failed on `event`, its `attempts`-th try: kept first for a retry (or dead-lettered); crash. */
  failed(event: CausalEvent, attempts: number, reason: string): void;
  /** The execution died: `requeue` (oldest first) goes before everything kept; crash. */
  died(reason: string, requeue: readonly PendingEvent[]): void;
  /**
   * `event` succeeded, and the saved state (if the daemon snapshots) is the state right after it:
   * a point a movable daemon can be restored at. Reported by executors of movable daemons.
   */
  settled(event: CausalEvent): void;
  /** The daemon's `snapshot()` was read after a batch that succeeded: its saved state. */
  stateSaved(reading: SavedStateReading): void;
  /** The latest health and saturation; each problem is logged once. */
  readings(health: HealthReading, saturation: number, problems: readonly (string | null)[]): void;
  log(level: LogSeverity, message: string): void;
  /** Logs `problem` as a warning the first time it is seen; null is ignored. */
  reportOnce(problem: string | null): void;
}

/** Builds the executor of a slot once the slot exists. */
export type ExecutorFactory = (run: SlotRun) => DaemonExecutor;
