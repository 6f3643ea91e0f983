/**
 * The in-thread executor: a daemon whose code runs on the runtime's own thread.
 *
 * @module
 */
import {
  applyControl,
  applyRestore,
  checkOutputs,
  isThenable,
  readHealth,
  readSaturation,
  readSavedState,
} from "../contract/daemon_spec.ts";
import { thrownText } from "../errors/meshos_sdk_error.ts";
import { LOG_ERROR, LOG_WARN } from "../contract/log_level.ts";
import type { CausalEvent, DaemonControl, MeshOsDaemon } from "../contract/types.ts";
import type { Clock, TimerId } from "./clock.ts";
import type { DaemonExecutor, SlotRun } from "./daemon_executor.ts";
import { payloadCopier } from "./payload_copier.ts";

/** Records popped from the inbox per pump turn before yielding to the host loop. */
const PUMP_BATCH = 1024;

/**
 * Runs the daemon on the runtime thread: a pump, queued on a microtask after records arrive, that
 * pops up to {@link PUMP_BATCH} records, stamps each and calls `process()`, then yields a host turn
 * through the runtime's clock (`Clock.defer`) while more wait, so a `ManualClock` decides when a
 * backlog drains.
 *
 * The daemon's `snapshot()` is taken after every event that succeeds, so the state a crash
 * restores always matches the outputs already emitted.
 *
 * An async `process()` (one that returns a promise or any thenable) is awaited before the next
 * event: the rest of its batch is kept, in order, and the pump goes on once it settles. Its
 * fulfilled value is the outputs; a rejection is a failure like a throw (retried, then
 * dead-lettered, and the daemon crashes and restarts).
 */
export class InThreadExecutor implements DaemonExecutor {
  readonly runsIn = "thread";
  readonly #run: SlotRun;
  readonly #daemon: MeshOsDaemon;
  readonly #clock: Clock;
  readonly #copy = payloadCopier();
  #pumpQueued = false;
  #deferredTurn: TimerId | null = null;
  /** An async `process()` has not settled yet: nothing else runs until it has. */
  #awaiting = false;
  #closed = false;

  constructor(run: SlotRun, daemon: MeshOsDaemon, clock: Clock) {
    this.#run = run;
    this.#daemon = daemon;
    this.#clock = clock;
  }

  wake(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => this.#pump());
  }

  control(event: DaemonControl): void {
    const problem = applyControl(this.#daemon, event);
    if (problem) this.#run.log(LOG_WARN, problem);
  }

  poll(): void {
    const health = readHealth(this.#daemon);
    const saturation = readSaturation(this.#daemon);
    this.#run.readings(health.reading, saturation.value, [health.problem, saturation.problem]);
  }

  restart(savedState: Uint8Array | null): void {
    const problem = applyRestore(this.#daemon, savedState);
    if (problem) this.#run.log(LOG_ERROR, problem);
    this.wake();
  }

  close(): void {
    this.#closed = true;
    if (this.#deferredTurn !== null) this.#clock.clearTimer(this.#deferredTurn);
    this.#deferredTurn = null;
  }

  #pump(): void {
    this.#pumpQueued = false;
    this.#deferredTurn = null;
    const run = this.#run;
    if (this.#awaiting || !run.canProcess()) return;
    for (let next = run.takeKept(); next; next = run.takeKept()) {
      // false: failed() put it back at the front; "async": the pump goes on once it settles
      if (this.#runOne(next.event, next.attempts) !== true) return;
    }
    let stopped: false | "crashed" | "async" = false;
    const popped = run.inbox.popBatchInPlace(PUMP_BATCH, (bytes, offset, length) => {
      const event = run.stamp(this.#copy(bytes, offset, length));
      if (stopped) run.keep(event);
      else {
        const ran = this.#runOne(event, 0);
        if (ran !== true) stopped = ran === false ? "crashed" : "async";
      }
    });
    run.popped(popped);
    if (stopped) return; // a crash restarts the pump through restart(); an await through #await
    if (run.depth > 0) {
      this.#pumpQueued = true;
      this.#deferredTurn = this.#clock.defer(() => this.#pump());
    }
  }

  /**
   * Runs `process()` once: true when it completed, false when it failed (reported), "async" when
   * it returned a thenable, now awaited.
   */
  #runOne(event: CausalEvent, priorAttempts: number): boolean | "async" {
    let result: unknown;
    try {
      result = this.#daemon.process(event);
      if (isThenable(result)) {
        this.#await(event, priorAttempts, result);
        return "async";
      }
      this.#run.completed(checkOutputs(result));
      this.#saveState(event);
      return true;
    } catch (err) {
      this.#run.failed(event, priorAttempts + 1, thrownText(err));
      return false;
    }
  }

  /**
   * After each event that succeeded: the daemon's `snapshot()`, so a restart restores
   * exactly the events whose outputs were emitted — never a state from before some of them; and,
   * when the state is the one right after `event`, that `event` settled.
   */
  #saveState(event: CausalEvent): void {
    if (typeof this.#daemon.snapshot === "function") {
      const reading = readSavedState(this.#daemon);
      this.#run.stateSaved(reading);
      if (reading.problem !== null) return; // the saved state is older than this event
    }
    this.#run.settled(event);
  }

  /** Waits for an async `process()`; its outcome is reported as a synchronous one would be. */
  #await(event: CausalEvent, priorAttempts: number, pending: PromiseLike<unknown>): void {
    this.#awaiting = true;
    // A hostile thenable (a throwing then, one that calls back twice) settles once.
    let settled = false;
    const settle = (outcome: { value: unknown } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      this.#awaiting = false;
      if (this.#closed) return;
      let outputs: readonly Uint8Array[];
      try {
        if ("error" in outcome) throw outcome.error;
        outputs = checkOutputs(outcome.value);
      } catch (err) {
        this.#run.failed(event, priorAttempts + 1, thrownText(err));
        return;
      }
      this.#run.completed(outputs);
      this.#saveState(event);
      this.wake();
    };
    try {
      pending.then((value) => settle({ value }), (error) => settle({ error }));
    } catch (error) {
      settle({ error });
    }
  }

}

