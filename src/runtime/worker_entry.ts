/**
 * The module a daemon's Worker runs (started by `worker_executor.ts`; never imported elsewhere).
 *
 * It loads the daemon module, then takes records from the shared inbox ring, stamps each with the
 * next ingress link (continuing the chain head the runtime thread handed over), calls `process()`
 * and posts one report per batch: outputs packed in one transferred buffer, the chain head, the
 * failure if any, its fresh saved state. The runtime thread keeps the authoritative chain state, so a
 * Worker that dies loses nothing: records it had not reported are still in the ring.
 *
 * A report is posted before the ring releases the batch (from inside the last record's visit),
 * and the shared control block says which records of the batch were handed to `process()`.
 *
 * FFI: this module never loads the native library; it only uses the pure-TypeScript ring.
 *
 * @module
 */

import {
  applyControl,
  applyRestore,
  checkDaemonMethods,
  checkOutputs,
  isThenable,
  readHealth,
  readSaturation,
  readSavedState,
  type SavedStateReading,
} from "../contract/daemon_spec.ts";
import type { CausalEvent, MeshOsDaemon } from "../contract/types.ts";
import { MeshOsSdkError, thrownText } from "../errors/meshos_sdk_error.ts";
import { JsRecordRing } from "../ffi/js_record_ring.ts";
import { CausalChain } from "../identity/causal_chain.ts";
import { CONTROL_BYTES, CONTROL_WORDS, type FromWorker, packOutputs, type ToWorker } from "./worker_protocol.ts";
import { LOG_ERROR, LOG_WARN } from "../contract/log_level.ts";

/** Records taken from the ring per batch before yielding to this thread's event loop. */
const BATCH_RECORDS = 1024;
/** Longest idle wait before the loop looks again (the runtime notifies; this is a safety net). */
const IDLE_WAIT_MS = 250;

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  close?: () => void;
}

interface ExitingProcess {
  exit(code?: number): never;
}

type WaitAsync = (array: Int32Array, index: number, value: number, timeoutMs: number) => {
  async: boolean;
  value: Promise<unknown> | unknown;
};

const scope = globalThis as unknown as WorkerScope;
const { wake: WAKE, sleeping: SLEEPING, run: RUN, inProcess: IN_PROCESS, ringTaken: RING_TAKEN, controlsPosted: CONTROLS } =
  CONTROL_WORDS;
// Read off globalThis: Deno type-checks a Worker's modules without the Node globals.
const setImmediateOf = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
const yieldToLoop: (fn: () => void) => void = typeof setImmediateOf === "function"
  ? (fn) => void setImmediateOf(fn)
  : (fn) => void setTimeout(fn, 0);
/** Thrown from a ring visit to end the batch at a failed record. */
const STOP_BATCH = Symbol("stop batch");

let daemon: MeshOsDaemon | null = null;
let ring: JsRecordRing | null = null;
let control: Int32Array<ArrayBufferLike> = new Int32Array(CONTROL_BYTES / Int32Array.BYTES_PER_ELEMENT);
let ingress: CausalChain | null = null;
/** Set after a failed `process()`: nothing more runs until the runtime says `restore`. */
let paused = true;
/** An async `process()` has not settled: no record is taken until it has. */
let awaiting = false;
let controlsHandled = 0;
/** The daemon's saved state: its last `snapshot()` here, or what was handed over at start. */
let savedState: Uint8Array | null = null;

function post(message: FromWorker, transfer?: Transferable[]): void {
  scope.postMessage(message, transfer);
}

/**
 * Reports `self.close()`, `process.exit()` and `Deno.exit()` before they end this Worker: Deno
 * fires no event on the Worker object when it closes itself. Bun has no `self.close`; it gets one
 * that exits the Worker, so a daemon ends its Worker the same way under both.
 */
function reportExits(): void {
  const process = (globalThis as { process?: ExitingProcess }).process;
  const deno = (globalThis as { Deno?: ExitingProcess }).Deno;
  const exitProcess = process ? process.exit.bind(process) : null;
  if (process && exitProcess) {
    process.exit = (code?: number) => {
      post({ type: "exiting", how: `process.exit(${code ?? ""})` });
      return exitProcess(code);
    };
  }
  if (deno && typeof deno.exit === "function") {
    const exitDeno = deno.exit.bind(deno);
    deno.exit = (code?: number) => {
      post({ type: "exiting", how: `Deno.exit(${code ?? ""})` });
      return exitDeno(code);
    };
  }
  const close = typeof scope.close === "function" ? scope.close.bind(scope) : () => exitProcess?.(0);
  scope.close = () => {
    post({ type: "exiting", how: "self.close()" });
    close();
  };
}

async function load(module: string, exportName: string): Promise<void> {
  try {
    const namespace = (await import(module)) as Record<string, unknown>;
    if (!(exportName in namespace)) {
      const names = Object.keys(namespace).map((name) => `"${name}"`).join(", ") || "none";
      throw new Error(`${module} has no export "${exportName}" (exports: ${names})`);
    }
    daemon = checkDaemonMethods(namespace[exportName]);
    post({ type: "loaded" });
  } catch (err) {
    post({ type: "load_failed", error: err instanceof MeshOsSdkError ? err.detail : thrownText(err) });
  }
}

function start(message: Extract<ToWorker, { type: "start" }>): void {
  ring = JsRecordRing.attach(message.ring);
  control = new Int32Array(message.control);
  ingress = CausalChain.resume(message.head, message.head.payload);
  savedState = message.savedState;
  restore();
  loop();
}

function restore(): void {
  const problem = applyRestore(requireDaemon(), savedState);
  if (problem) post({ type: "log", level: LOG_ERROR, message: problem });
  paused = false;
  wakeLoop();
}

/** Ends a wait of the loop early (this thread's own notify resolves its `waitAsync`). */
function wakeLoop(): void {
  Atomics.add(control, WAKE, 1);
  Atomics.notify(control, WAKE);
}

function requireDaemon(): MeshOsDaemon {
  if (!daemon) throw new Error("worker: a message arrived before the daemon module was loaded");
  return daemon;
}

/** The daemon's `snapshot()` after the last event that succeeded since the last report. */
let lastSaved: SavedStateReading | null = null;

/** What one `process()` came to: its outputs, or why it failed. */
type Outcome = readonly Uint8Array[] | string;

/**
 * Calls `process()`: its outcome, or — for an async `process()` (a promise or any thenable) — a
 * promise of it, settled once however the thenable behaves. After a success the daemon's
 * `snapshot()` is taken, so a restart restores exactly the events whose outputs were emitted.
 * `IN_PROCESS` stays set until it settles.
 */
function runProcess(event: CausalEvent): Outcome | Promise<Outcome> {
  Atomics.store(control, IN_PROCESS, 1);
  let result: unknown;
  try {
    result = requireDaemon().process(event);
  } catch (err) {
    Atomics.store(control, IN_PROCESS, 0);
    return thrownText(err);
  }
  if (!isThenable(result)) return settleProcess(() => result);
  const pending = result;
  awaiting = true;
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const settle = (value: () => unknown) => {
      if (settled) return;
      settled = true;
      awaiting = false;
      resolve(settleProcess(value));
    };
    try {
      pending.then((value) => settle(() => value), (error) => settle(() => { throw error; }));
    } catch (error) {
      settle(() => { throw error; });
    }
  });
}

/** The outcome of a `process()` that returned (or resolved to) `value()`. */
function settleProcess(value: () => unknown): Outcome {
  let outputs: readonly Uint8Array[];
  try {
    outputs = checkOutputs(value());
  } catch (err) {
    return thrownText(err);
  } finally {
    Atomics.store(control, IN_PROCESS, 0);
  }
  const target = requireDaemon();
  if (typeof target.snapshot === "function") lastSaved = readSavedState(target);
  return outputs;
}

/** Reports a retried (or awaited) event's outcome. */
function reportOne(outcome: Outcome): void {
  if (typeof outcome === "string") report("retry", [], null, outcome);
  else report("retry", [outcome], null, null);
}

function report(
  source: "ring" | "retry",
  outputs: (readonly Uint8Array[])[],
  head: CausalEvent | null,
  failure: string | null,
  awaited = false,
): void {
  const saved = lastSaved; // the state after the last event that succeeded, failure or not
  lastSaved = null;
  if (saved?.bytes) savedState = saved.bytes;
  const packed = packOutputs(outputs);
  post({ type: "batch", source, done: outputs.length, outputs: packed, head, failure, awaited, savedState: saved }, [
    packed.bytes.buffer as ArrayBuffer,
  ]);
  if (failure !== null) paused = true;
}

/** Runs one batch from the ring; returns how many records it took. */
function runRingBatch(inbox: JsRecordRing, chain: CausalChain): number {
  const expected = Math.min(inbox.depth(), BATCH_RECORDS);
  if (expected === 0) return 0;
  const outputs: (readonly Uint8Array[])[] = [];
  let head: CausalEvent | null = null;
  let reported = false;
  let taken = 0;
  try {
    inbox.popBatch(expected, (view) => {
      Atomics.store(control, RING_TAKEN, ++taken);
      const { link, payload } = chain.append(view.slice());
      const { originHash, sequence, parentHash, horizonEncoded } = link;
      head = { originHash, sequence, parentHash, horizonEncoded, payload };
      const result = runProcess(head);
      if (result instanceof Promise) {
        // Awaited as a retry is: the runtime keeps the event until its outcome comes.
        report("ring", outputs, head, null, true);
        reported = true;
        void result.then(reportOne);
        throw STOP_BATCH; // the records after this one stay in the ring
      }
      if (typeof result === "string") {
        report("ring", outputs, head, result);
        reported = true;
        throw STOP_BATCH; // the records after this one stay in the ring
      }
      outputs.push(result);
      if (taken === expected) {
        report("ring", outputs, head, null); // before the ring releases the batch
        reported = true;
      }
    });
  } catch (err) {
    if (err !== STOP_BATCH) throw err;
  } finally {
    Atomics.store(control, RING_TAKEN, 0);
  }
  if (!reported && taken > 0) report("ring", outputs, head, null); // fewer records were visible than counted
  return taken;
}

function retry(event: CausalEvent): void {
  const result = runProcess(event);
  // Not returned: messages after this one (controls, polls) are handled while it is awaited.
  if (result instanceof Promise) void result.then(reportOne);
  else reportOne(result);
}

/** Takes batches while allowed, else waits (without blocking this thread) for the runtime's notify. */
function loop(): void {
  const inbox = ring;
  const chain = ingress;
  if (!inbox || !chain) return;
  const mayRun = () => !paused && !awaiting && Atomics.load(control, RUN) === 1;
  // A control event posted before these records were pushed goes to onControl first.
  if (Atomics.load(control, CONTROLS) !== controlsHandled) return yieldToLoop(loop);
  if (mayRun() && runRingBatch(inbox, chain) > 0) return yieldToLoop(loop);
  const seen = Atomics.load(control, WAKE);
  Atomics.store(control, SLEEPING, 1);
  const resume = () => {
    Atomics.store(control, SLEEPING, 0);
    loop();
  };
  if (mayRun() && inbox.depth() > 0) return yieldToLoop(resume);
  const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
  if (typeof waitAsync !== "function") return void setTimeout(resume, 1);
  const waited = waitAsync(control, WAKE, seen, IDLE_WAIT_MS);
  if (waited.async) void (waited.value as Promise<unknown>).then(resume);
  else yieldToLoop(resume);
}

function pollHealth(): void {
  const target = requireDaemon();
  const health = readHealth(target);
  const saturation = readSaturation(target);
  const problems = [health.problem, saturation.problem].filter((p): p is string => p !== null);
  post({ type: "health", health: health.reading, saturation: saturation.value, problems });
}

function handle(message: ToWorker): Promise<void> | void {
  switch (message.type) {
    case "load":
      return load(message.module, message.exportName);
    case "start":
      return start(message);
    case "restore":
      return restore();
    case "retry":
      return retry(message.event);
    case "control": {
      controlsHandled++;
      const problem = applyControl(requireDaemon(), message.event);
      if (problem) post({ type: "log", level: LOG_WARN, message: problem });
      return;
    }
    case "poll":
      return pollHealth();
  }
}

reportExits();
let queue: Promise<void> = Promise.resolve();
// Messages are handled in order; `load` is asynchronous, so everything after it waits for it.
scope.onmessage = (event) => {
  queue = queue.then(() => handle(event.data)).catch((err) => {
    post({ type: "log", level: LOG_ERROR, message: `worker: ${event.data.type} failed: ${thrownText(err)}` });
  });
};
