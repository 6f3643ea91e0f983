/**
 * The in-thread executor: a daemon whose code runs on the runtime's own thread.
 *
 * @module
 */
import {
  applyControl,
  applyRestore,
  checkOutputs,
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
 */
export class InThreadExecutor implements DaemonExecutor {
  readonly runsIn = "thread";
  readonly #run: SlotRun;
  readonly #daemon: MeshOsDaemon;
  readonly #clock: Clock;
  readonly #copy = payloadCopier();
  #pumpQueued = false;
  #deferredTurn: TimerId | null = null;

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
    if (this.#deferredTurn !== null) this.#clock.clearTimer(this.#deferredTurn);
    this.#deferredTurn = null;
  }

  #pump(): void {
    this.#pumpQueued = false;
    this.#deferredTurn = null;
    const run = this.#run;
    if (!run.canProcess()) return;
    for (let next = run.takeKept(); next; next = run.takeKept()) {
      if (!this.#runOne(next.event, next.attempts)) return; // failed() put it back at the front
    }
    let crashed = false;
    const popped = run.inbox.popBatchInPlace(PUMP_BATCH, (bytes, offset, length) => {
      const event = run.stamp(this.#copy(bytes, offset, length));
      if (crashed) run.keep(event);
      else if (!this.#runOne(event, 0)) crashed = true;
    });
    run.popped(popped);
    if (popped > 0 && !crashed) run.stateSaved(readSavedState(this.#daemon));
    if (!crashed && run.depth > 0) {
      this.#pumpQueued = true;
      this.#deferredTurn = this.#clock.defer(() => this.#pump());
    }
  }

  /** Runs `process()` once; on failure reports it and returns false. */
  #runOne(event: CausalEvent, priorAttempts: number): boolean {
    let outputs: readonly Uint8Array[];
    try {
      outputs = checkOutputs(this.#daemon.process(event));
    } catch (err) {
      this.#run.failed(event, priorAttempts + 1, thrownText(err));
      return false;
    }
    this.#run.completed(outputs);
    return true;
  }
}
