/**
 * Runs a daemon in its own Worker (`worker_entry.ts`), on the runtime side: spawning and loading
 * the Worker, feeding it through the shared inbox ring, and turning what it reports into the
 * slot's bookkeeping (`SlotRun`) — the same counters, chains, crashes, retries and dead letters as
 * an in-thread daemon.
 *
 * Who holds what: the slot keeps the authoritative ingress chain head, the output chain, the kept
 * events and the last saved state, so a Worker that dies loses nothing. Records it had taken for a
 * batch it never reported are still in the ring (a batch is reported before the ring releases
 * it); the runtime takes them back, stamps them itself and retries them first — the one that was
 * inside `process()` counts an attempt, so a daemon that kills its Worker on some event ends with
 * that event dead-lettered, like one that throws.
 *
 * A Worker's death is any of: an `error` event (uncaught error or failed module), a `close` event
 * (Bun), or the Worker saying it calls `self.close()` / `process.exit()` / `Deno.exit()` (Deno fires
 * no event for those). Each is a crash: backoff, then a fresh Worker restored from the last saved state.
 *
 * FFI rules: no native code runs in these Workers, and they start one at a time, so a daemon
 * module that opens the native library itself does so once per thread and serially.
 *
 * @module
 */

import { MeshOsSdkError, thrownText } from "../errors/meshos_sdk_error.ts";
import { JsRecordRing } from "../ffi/js_record_ring.ts";
import type { RecordRing, RecordRingOptions } from "../ffi/ring_backend.ts";
import type { WorkerDaemonSource } from "../contract/daemon_spec.ts";
import type { DaemonControl } from "../contract/types.ts";
import type { DaemonExecutor, PendingEvent, SlotRun } from "./daemon_executor.ts";
import {
  type BatchReport,
  CONTROL_BYTES,
  CONTROL_WORDS,
  type FromWorker,
  type ToWorker,
  unpackOutputs,
} from "./worker_protocol.ts";
import { LOG_ERROR, LOG_WARN } from "../contract/log_level.ts";

/** How long a Worker may take to load its daemon module (real time). */
const LOAD_TIMEOUT_MS = 10_000;
/** How long to wait, after a Worker died, for reports it posted before dying (real time). */
const SETTLE_TIMEOUT_MS = 2_000;
const ENTRY_URL = new URL("./worker_entry.ts", import.meta.url).href;
const { wake: WAKE, sleeping: SLEEPING, run: RUN, inProcess: IN_PROCESS, ringTaken: RING_TAKEN, controlsPosted: CONTROLS } =
  CONTROL_WORDS;
const WORKER_WORDS = [RUN, IN_PROCESS, RING_TAKEN, SLEEPING, CONTROLS];

/** What a Worker tells us, its death included. */
type WorkerSignal = FromWorker | { type: "died"; reason: string };

let liveWorkers = 0;
/** Worker starts run one after another (see the FFI note above). */
let spawnTurn: Promise<unknown> = Promise.resolve();

/** Daemon Workers started and not yet terminated, in this process (shown in the runtime snapshot). */
export function liveDaemonWorkers(): number {
  return liveWorkers;
}

/**
 * A Worker that has loaded a daemon module and checked its export, not yet fed any event.
 *
 * @example
 * ```ts
 * const loaded = await LoadedDaemonWorker.load({ module: new URL("./d.ts", import.meta.url).href, exportName: "default" });
 * runtime.register(id, spec, { worker: loaded });
 * ```
 */
export class LoadedDaemonWorker {
  readonly source: WorkerDaemonSource;
  readonly #worker: Worker;
  #listener: (signal: WorkerSignal) => void = () => {};
  #terminated = false;

  private constructor(source: WorkerDaemonSource) {
    this.source = source;
    this.#worker = new Worker(ENTRY_URL, { type: "module" });
    liveWorkers++;
    this.#worker.onmessage = (event: MessageEvent<FromWorker>) => this.#listener(event.data);
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault(); // Deno would otherwise take the whole process down
      this.#listener({ type: "died", reason: `uncaught error: ${uncaughtText(event)}` });
    };
    this.#worker.onmessageerror = () => {
      this.#listener({ type: "log", level: LOG_WARN, message: "a message from the daemon's Worker could not be read" });
    };
    this.#worker.addEventListener("close", (event) => {
      const code = (event as Event & { code?: number }).code;
      this.#listener({ type: "died", reason: `it exited${code === undefined ? "" : ` with code ${code}`}` });
    });
  }

  /**
   * Starts a Worker and loads `source` in it. Rejects with `invalid_daemon` (the Worker's own
   * error text) when the module fails to load, lacks the export, or the export is not a daemon.
   */
  static load(source: WorkerDaemonSource): Promise<LoadedDaemonWorker> {
    if (typeof Worker !== "function") {
      return Promise.reject(
        new MeshOsSdkError("backend_unavailable", "options.worker: this runtime has no web Worker (Node.js has worker_threads only); register the daemon without the worker option to run it on the runtime thread"),
      );
    }
    if (typeof SharedArrayBuffer !== "function") {
      return Promise.reject(
        new MeshOsSdkError("backend_unavailable", "options.worker: this runtime has no SharedArrayBuffer for the inbox"),
      );
    }
    const turn = spawnTurn.then(async () => {
      const loaded = new LoadedDaemonWorker(source);
      try {
        await loaded.#loaded();
        return loaded;
      } catch (err) {
        loaded.terminate();
        throw err;
      }
    });
    spawnTurn = turn.catch(() => undefined);
    return turn;
  }

  /** Where the daemon of this Worker reads its inbox: a ring in shared memory. */
  createInbox(options: RecordRingOptions): RecordRing {
    return JsRecordRing.create(options);
  }

  /** Routes everything the Worker says (and its death) to `listener`. */
  listen(listener: (signal: WorkerSignal) => void): void {
    this.#listener = listener;
  }

  post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.#terminated) this.#worker.postMessage(message, transfer);
  }

  /** Stops the Worker now; idempotent. */
  terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#listener = () => {};
    this.#worker.terminate();
    liveWorkers--;
  }

  #loaded(): Promise<void> {
    const { module, exportName } = this.source;
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        reject(new MeshOsSdkError("invalid_daemon", `export "${exportName}" of ${module}: ${why}`));
      };
      const timer = setTimeout(() => fail(`not loaded within ${LOAD_TIMEOUT_MS} ms`), LOAD_TIMEOUT_MS);
      this.#listener = (signal) => {
        if (signal.type === "loaded") {
          clearTimeout(timer);
          resolve();
        } else if (signal.type === "load_failed") fail(signal.error);
        else if (signal.type === "died") fail(`its Worker died while loading: ${signal.reason}`);
        else if (signal.type === "exiting") fail(`the module called ${signal.how} while loading`);
      };
      this.post({ type: "load", module, exportName });
    });
  }
}

/**
 * The error of a Worker's `error` event in one line: Deno gives "Uncaught Error: text"; Bun gives
 * a source excerpt ending in "error: text" and its stack.
 */
function uncaughtText(event: ErrorEvent): string {
  if (event.error instanceof Error) return event.error.message;
  const message = String(event.message);
  if (!message.includes("\n")) return message;
  return /^(?:[A-Za-z]*Error|error): (.*)$/m.exec(message)?.[1] ?? message;
}

/** A Worker that died, while its last reports may still be on their way. */
interface DyingWorker {
  worker: LoadedDaemonWorker;
  reason: string;
  timer: ReturnType<typeof setTimeout>;
}

/** The executor of a daemon that runs in a Worker. */
export class WorkerExecutor implements DaemonExecutor {
  readonly runsIn = "worker";
  readonly #run: SlotRun;
  readonly #source: WorkerDaemonSource;
  readonly #ring: SharedArrayBuffer;
  readonly #controlBuffer = new SharedArrayBuffer(CONTROL_BYTES);
  readonly #control = new Int32Array(this.#controlBuffer);
  #worker: LoadedDaemonWorker | null = null;
  #dying: DyingWorker | null = null;
  #spawning = false;
  /** A retry of `kept[0]` is with the Worker. */
  #retrying = false;
  /** The Worker failed a `process()` and waits for `restore` before it runs anything. */
  #awaitingRestore = false;
  #pollPending = false;
  /** Control events that arrived while no Worker was up (delivered to the next one). */
  #pendingControls: DaemonControl[] = [];
  #closed = false;

  constructor(run: SlotRun, first: LoadedDaemonWorker) {
    const inbox = run.inbox;
    if (!(inbox instanceof JsRecordRing) || !(inbox.buffer instanceof SharedArrayBuffer)) {
      first.terminate();
      throw new MeshOsSdkError(
        "register_failed",
        `inbox: expected a JsRecordRing over a SharedArrayBuffer for a Worker daemon; got ${inbox.constructor.name}`,
      );
    }
    this.#run = run;
    this.#source = first.source;
    this.#ring = inbox.buffer;
    this.#start(first);
  }

  wake(): void {
    this.#sync();
  }

  control(event: DaemonControl): void {
    if (this.#worker) this.#postControl(this.#worker, event);
    else this.#pendingControls.push(event);
  }

  poll(): void {
    if (!this.#worker) return;
    if (this.#pollPending) {
      this.#run.reportOnce("the daemon's Worker did not answer a health poll before the next tick; keeping its last reading");
      return;
    }
    this.#pollPending = true;
    this.#worker.post({ type: "poll" });
  }

  /**
   * A live Worker restores from its own last saved state: reports still on their way may carry a
   * newer one than `_savedState`. A dead one is replaced here (or as soon as the daemon may run),
   * restored from the slot's saved state.
   */
  restart(_savedState: Uint8Array | null): void {
    if (this.#worker) {
      this.#worker.post({ type: "restore" });
      this.#awaitingRestore = false;
    }
    this.#sync();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = null;
    if (this.#dying) {
      clearTimeout(this.#dying.timer);
      this.#dying.worker.terminate();
      this.#dying = null;
    }
  }

  /** Brings the Worker in line with the slot: respawn, retry the oldest kept event, or let it run. */
  #sync(): void {
    if (this.#closed) return;
    const run = this.#run;
    if (!this.#worker) {
      if (!this.#spawning && !this.#dying && run.canProcess()) void this.#respawn();
      return;
    }
    const allowed = run.canProcess() && !this.#awaitingRestore && !this.#retrying;
    if (allowed && run.kept.length > 0) {
      this.#retrying = true;
      this.#worker.post({ type: "retry", event: run.kept[0].event });
    }
    this.#setRun(allowed && !this.#retrying);
  }

  #setRun(on: boolean): void {
    const value = on ? 1 : 0;
    if (Atomics.exchange(this.#control, RUN, value) !== value) this.#notify();
    else if (on) this.#notifyIfSleeping();
  }

  #notifyIfSleeping(): void {
    if (Atomics.load(this.#control, SLEEPING) === 1) this.#notify();
  }

  #notify(): void {
    Atomics.add(this.#control, WAKE, 1);
    Atomics.notify(this.#control, WAKE);
  }

  #postControl(worker: LoadedDaemonWorker, event: DaemonControl): void {
    Atomics.add(this.#control, CONTROLS, 1);
    worker.post({ type: "control", event });
  }

  #start(worker: LoadedDaemonWorker): void {
    for (const word of WORKER_WORDS) Atomics.store(this.#control, word, 0);
    this.#worker = worker;
    this.#retrying = false;
    this.#awaitingRestore = false;
    this.#pollPending = false;
    worker.listen((signal) => this.#onSignal(worker, signal));
    worker.post({
      type: "start",
      ring: this.#ring,
      control: this.#controlBuffer,
      head: this.#run.ingressHead(),
      savedState: this.#run.savedState,
    });
    for (const event of this.#pendingControls.splice(0)) this.#postControl(worker, event);
    this.#sync();
  }

  async #respawn(): Promise<void> {
    this.#spawning = true;
    let worker: LoadedDaemonWorker;
    try {
      worker = await LoadedDaemonWorker.load(this.#source);
    } catch (err) {
      this.#spawning = false;
      if (!this.#closed) this.#run.died(`the daemon's Worker could not be started again: ${thrownText(err)}`, []);
      return;
    }
    this.#spawning = false;
    if (this.#closed) worker.terminate();
    else this.#start(worker);
  }

  #onSignal(worker: LoadedDaemonWorker, signal: WorkerSignal): void {
    const dying = this.#dying?.worker === worker;
    if (this.#closed || (worker !== this.#worker && !dying)) return;
    switch (signal.type) {
      case "batch":
        this.#onBatch(signal);
        return dying ? this.#settle(false) : this.#sync();
      case "health":
        this.#pollPending = false;
        return this.#run.readings(signal.health, signal.saturation, signal.problems);
      case "log":
        return this.#run.log(signal.level, signal.message);
      case "exiting":
        if (!dying) this.#onDeath(worker, `it called ${signal.how}`);
        return;
      case "died":
        if (!dying) this.#onDeath(worker, signal.reason);
        return;
    }
  }

  #onBatch(report: BatchReport): void {
    const run = this.#run;
    let retried: PendingEvent | undefined;
    if (report.source === "ring") {
      if (report.head) run.adopt(report.head);
      run.popped(report.done + (report.failure === null && !report.awaited ? 0 : 1));
    } else {
      this.#retrying = false;
      retried = run.takeKept();
    }
    for (const outputs of unpackOutputs(report.outputs)) run.completed(outputs);
    if (report.savedState) run.stateSaved(report.savedState);
    if (report.awaited && report.head) {
      // Kept as the one retry with the Worker: its outcome comes as a retry report.
      run.keep(report.head);
      this.#retrying = true;
      return;
    }
    if (report.failure === null) return;
    this.#awaitingRestore = true;
    const failedEvent = retried?.event ?? report.head;
    if (failedEvent) run.failed(failedEvent, (retried?.attempts ?? 0) + 1, report.failure);
  }

  #onDeath(worker: LoadedDaemonWorker, reason: string): void {
    this.#worker = null;
    this.#pollPending = false;
    const timer = setTimeout(() => this.#settle(true), SETTLE_TIMEOUT_MS);
    this.#dying = { worker, reason, timer };
    this.#settle(false);
  }

  /** Finishes a death once every report the Worker posted has arrived (or the wait ran out). */
  #settle(timedOut: boolean): void {
    const dying = this.#dying;
    if (!dying || (this.#run.unreportedPops() > 0 && !timedOut)) return;
    clearTimeout(dying.timer);
    this.#dying = null;
    dying.worker.terminate();
    const lost = this.#run.unreportedPops();
    if (lost > 0) {
      this.#run.popped(lost);
      this.#run.log(LOG_ERROR, `${lost} events the daemon's Worker took were never reported and are lost`);
    }
    const requeue = this.#takeBack(lost === 0);
    const during = Atomics.load(this.#control, IN_PROCESS) === 1 && requeue.length > 0
      ? ` during process() of sequence ${requeue[requeue.length - 1].event.sequence}`
      : "";
    for (const word of WORKER_WORDS) Atomics.store(this.#control, word, 0);
    this.#run.died(`the daemon's Worker died${during}: ${dying.reason}`, requeue);
    this.#sync();
  }

  /**
   * The events the dead Worker held: a retry in flight, or the ring records of its unreported
   * batch (still in the ring, stamped here). The one inside `process()` counts an attempt.
   */
  #takeBack(ringIsConsistent: boolean): PendingEvent[] {
    const run = this.#run;
    const inProcess = Atomics.load(this.#control, IN_PROCESS) === 1;
    const requeue: PendingEvent[] = [];
    if (this.#retrying) {
      this.#retrying = false;
      const retried = inProcess ? run.takeKept() : undefined;
      if (retried) requeue.push({ event: retried.event, attempts: retried.attempts + 1 });
      return requeue;
    }
    const taken = Atomics.load(this.#control, RING_TAKEN);
    if (taken === 0 || !ringIsConsistent) return requeue;
    const view = JsRecordRing.attach(this.#ring); // the only consumer now: the Worker is gone
    run.popped(view.popBatch(taken, (payload) => requeue.push({ event: run.stamp(payload.slice()), attempts: 0 })));
    if (inProcess && requeue.length > 0) requeue[requeue.length - 1].attempts = 1;
    return requeue;
  }
}
