// Daemons on Workers: registerDaemon(…, { worker }) runs process() in a Worker fed from an inbox in
// shared memory. The runtime's clock is manual; real waits are only for thread hand-offs: for an
// output (`reach`, woken by the output stream) or, where only the snapshot shows it, a state
// (`waitFor`). Each wait is bounded by STEP_MS and fails naming what it waited for.
import assert from "node:assert/strict";
import { Identity, type MeshOsDaemonSdk } from "../mod.ts";
import type { CausalEvent, WorkerDaemonOptions } from "../mod.ts";
import { assertChainLink, type CausalLink, decodeCausalLink, genesisLink } from "./_causal_links.ts";
import { test } from "./_harness.ts";
import { bytes, rejectsWithKind, startManual } from "./_sdk_fixtures.ts";

const FIXTURES = new URL("./_fixtures/worker_daemons.ts", import.meta.url);
const decoder = new TextDecoder();

/** Daemon Workers alive in this process, as a fresh node's snapshot reports them. */
async function liveWorkersNow(): Promise<number> {
  const { sdk } = await startManual();
  const live = sdk.snapshot().liveDaemonWorkers;
  await sdk.shutdown();
  return live;
}

function worker(exportName?: string): { worker: WorkerDaemonOptions } {
  return { worker: { module: FIXTURES, exportName } };
}

/**
 * The longest one step may wait for a Worker before the test fails: a Deno Worker takes about 1 s
 * to start on an idle machine and 5–7 s on a loaded one. A bound, never a measurement.
 */
const STEP_MS = 30_000;

/** Settles with `promise`, or rejects naming `what` once `STEP_MS` have passed. */
async function within<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${STEP_MS} ms waiting for ${what}`)), STEP_MS);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits until `condition` holds on the SDK's snapshot. The snapshot has no change events, so this
 * re-reads it on each turn of the host's event loop, where a Worker's messages arrive.
 */
function waitFor(what: string, condition: () => boolean): Promise<void> {
  let stopped = false;
  const poll = async () => {
    while (!stopped && !condition()) await new Promise((resolve) => setTimeout(resolve, 1));
  };
  return within(what, poll()).finally(() => void (stopped = true));
}

/** A daemon's outputs as they come (until it leaves or the SDK shuts down). */
interface Collected {
  outputs: CausalEvent[];
  /** Resolves once `count` outputs have arrived. */
  reach(count: number): Promise<void>;
}

function collect(sdk: MeshOsDaemonSdk, daemonId: bigint): Collected {
  const outputs: CausalEvent[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const wake = () => {
    for (const waiter of waiting.filter((entry) => outputs.length >= entry.count)) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  void (async () => {
    for await (const output of sdk.outputs(daemonId)) {
      outputs.push(output);
      wake();
    }
  })();
  return {
    outputs,
    reach(count) {
      return within(`${count} outputs (have ${outputs.length})`, new Promise<void>((resolve) => {
        waiting.push({ count, resolve });
        wake();
      }));
    },
  };
}

/** Every link follows the one before it, from the genesis link of `origin`. */
function assertWholeChain(events: readonly (CausalLink & { payload: Uint8Array })[], origin: bigint): void {
  let prev: CausalLink = genesisLink(origin);
  let prevPayload: Uint8Array = new Uint8Array(0);
  for (const event of events) {
    assertChainLink(prev, prevPayload, event);
    prev = event;
    prevPayload = event.payload;
  }
}

function row(sdk: MeshOsDaemonSdk) {
  return sdk.snapshot().daemons[0];
}

function texts(events: readonly CausalEvent[]): string[] {
  return events.map((event) => decoder.decode(event.payload));
}

test("worker: events ingested here are processed in the Worker; both causal chains are correct", async () => {
  const ingress = Identity.fromSeed(new Uint8Array(32).fill(0x0b));
  const { sdk } = await startManual({}, { ingressIdentity: ingress });
  const workersBefore = sdk.snapshot().liveDaemonWorkers;
  const handle = await sdk.registerDaemon({ name: "links" }, Identity.generate(), worker("links"));
  assert.equal(sdk.snapshot().liveDaemonWorkers, workersBefore + 1);
  assert.equal(row(sdk).runsIn, "worker");
  const { outputs, reach } = collect(sdk, handle.daemonId);
  assert.equal(await sdk.ingest(handle.daemonId, bytes("a")), true);
  assert.equal(await sdk.ingestBatch(handle.daemonId, [bytes("b"), bytes("cc"), new Uint8Array(0)]), 3);
  const many = Array.from({ length: 2500 }, (_, i) => bytes(`m${i}`)); // several batches, ring wraps
  for (let sent = 0; sent < many.length; sent += 700) {
    await reach(4 + sent); // the inbox is empty again: the whole batch fits
    assert.equal(await sdk.ingestBatch(handle.daemonId, many.slice(sent, sent + 700)), Math.min(700, many.length - sent));
  }
  await reach(2504);
  // What process() saw, as each output carries it: the link it was given, then the payload.
  const seen = outputs.map((out) => ({ ...decodeCausalLink(out.payload), payload: out.payload.subarray(32) }));
  assert.deepEqual(texts(seen.slice(0, 5)), ["a", "b", "cc", "", "m0"]);
  assert.equal(decoder.decode(seen[2503].payload), "m2499");
  assertWholeChain(seen, ingress.originHash);
  assertWholeChain(outputs, handle.daemonId);
  assert.notEqual(outputs[0].horizonEncoded, 0n); // the ingress origin is in the daemon's horizon
  const counters = row(sdk).counters;
  assert.deepEqual(
    [counters.ingested, counters.processed, counters.outputs, counters.inboxDepth],
    [2504, 2504, 2504, 0],
  );
  await sdk.shutdown();
  assert.equal(await liveWorkersNow(), workersBefore, "shutdown terminated the daemon's Worker");
});

test("worker: onControl in the Worker sees DrainStart; nextControl() on the handle too", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon({ name: "recorder" }, Identity.generate(), worker("recorder"));
  const { outputs, reach } = collect(sdk, handle.daemonId);
  sdk.admin.enterMaintenance({ drainForMs: 10_000 });
  assert.equal((await handle.nextControl(0n))?.kind, "DrainStart");
  sdk.ingest(handle.daemonId, bytes("report")); // a draining daemon still processes
  await reach(1); // the report
  assert.deepEqual(JSON.parse(texts(outputs)[0]), { controls: ["DrainStart"], processed: 1 });
  await sdk.shutdown();
});

test("worker: health() and saturation() in the Worker are polled every tick", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon({ name: "recorder" }, Identity.generate(), worker("recorder"));
  sdk.ingestBatch(handle.daemonId, [bytes("health:degraded:slow disk"), bytes("saturation:0.5")]);
  await waitFor("both events processed", () => row(sdk).counters.processed === 2);
  assert.deepEqual(row(sdk).health, { kind: "healthy", reason: null }); // not polled yet
  await clock.advance(100);
  await waitFor("the polled health", () => row(sdk).health.kind === "degraded");
  assert.deepEqual(row(sdk).health, { kind: "degraded", reason: "slow disk" });
  assert.equal(row(sdk).saturation, 0.5);
  await sdk.shutdown();
});

test("worker: a process() that throws restarts the daemon, restored in its Worker, and the event is retried", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon({ name: "flaky" }, Identity.generate(), worker("flaky"));
  const { outputs, reach } = collect(sdk, handle.daemonId);
  sdk.ingestBatch(handle.daemonId, [bytes("a"), bytes("b")]);
  await waitFor("a and b", () => row(sdk).counters.processed === 2);
  sdk.ingestBatch(handle.daemonId, [bytes("poison"), bytes("after")]);
  await waitFor("the first crash", () => row(sdk).lifecycle === "backingOff");
  assert.equal(row(sdk).counters.inboxDepth, 2); // poison kept, "after" still in the ring
  await clock.advance(500); // restart: restore, retry — which throws again (now 1 s)
  await waitFor("the second crash", () => row(sdk).counters.crashes === 2);
  await clock.advance(1000); // the third try succeeds, then "after" runs
  await waitFor("poison and after", () => row(sdk).counters.processed === 4);
  sdk.ingest(handle.daemonId, bytes("report"));
  await reach(1); // the report
  assert.equal(texts(outputs)[0], "5 restored=2,2");
  const { counters, lifecycle } = row(sdk);
  assert.equal(lifecycle, "running.normal");
  assert.deepEqual([counters.crashes, counters.restarts, counters.processErrors], [2, 2, 2]);
  assert.deepEqual(sdk.snapshot().deadLetters, []);
  await sdk.shutdown();
});

test("worker: admin.restartDaemon restarts a crash-looping Worker daemon at once", async () => {
  const { sdk } = await startManual({}, { backoff: { crashLoopThreshold: 1 } });
  const handle = await sdk.registerDaemon({ name: "flaky" }, Identity.generate(), worker("flaky"));
  const { outputs, reach } = collect(sdk, handle.daemonId);
  sdk.ingest(handle.daemonId, bytes("poison"));
  await waitFor("the crash loop", () => row(sdk).lifecycle === "crashLooping");
  sdk.admin.restartDaemon(handle.daemonId); // the retry throws again: crash-looping again
  await waitFor("the second crash", () => row(sdk).counters.crashes === 2);
  assert.equal(row(sdk).lifecycle, "crashLooping");
  sdk.admin.restartDaemon(handle.daemonId);
  sdk.ingest(handle.daemonId, bytes("report"));
  await reach(1); // the report
  assert.equal(texts(outputs)[0], "2 restored="); // no snapshot was ever taken: nothing to restore
  assert.equal(row(sdk).lifecycle, "running.normal");
  await sdk.shutdown();
});

test("worker: a Worker that closes itself is a crash; a fresh Worker is restored from the last snapshot", async () => {
  const { sdk, clock } = await startManual();
  const workersBefore = sdk.snapshot().liveDaemonWorkers;
  const handle = await sdk.registerDaemon({ name: "closer" }, Identity.generate(), worker("closer"));
  const { outputs, reach } = collect(sdk, handle.daemonId);
  sdk.ingestBatch(handle.daemonId, [bytes("x"), bytes("close-later")]); // self.close() after process()
  await waitFor("the crash", () => row(sdk).counters.crashes === 1);
  assert.equal(row(sdk).lifecycle, "backingOff");
  assert.ok(sdk.snapshot().log.records.some((r) => /Worker died: it called self\.close\(\)/.test(r.message)));
  await clock.advance(500);
  sdk.ingest(handle.daemonId, bytes("report"));
  await reach(1); // the report
  assert.equal(texts(outputs)[0], "3@2"); // restored from the snapshot after x, close-later
  assert.equal(sdk.snapshot().liveDaemonWorkers, workersBefore + 1);
  assertWholeChain(outputs, handle.daemonId);
  await sdk.shutdown();
  assert.equal(await liveWorkersNow(), workersBefore, "shutdown terminated the daemon's Worker");
});

test("worker: an uncaught error in the Worker is a crash, not a hang", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon({ name: "closer" }, Identity.generate(), worker("closer"));
  const { outputs, reach } = collect(sdk, handle.daemonId);
  sdk.ingest(handle.daemonId, bytes("throw-later"));
  await waitFor("the crash", () => row(sdk).counters.crashes === 1);
  assert.ok(sdk.snapshot().log.records.some((r) => /Worker died: uncaught error: .*late boom/.test(r.message)));
  await clock.advance(500);
  sdk.ingest(handle.daemonId, bytes("report"));
  await reach(1); // the report
  assert.equal(texts(outputs)[0], "2@1");
  await sdk.shutdown();
});

test("worker: an event whose process() ends the Worker every time is dead-lettered after 3 attempts", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon({ name: "closer" }, Identity.generate(), worker("closer"));
  const { outputs, reach } = collect(sdk, handle.daemonId);
  sdk.ingestBatch(handle.daemonId, [bytes("x"), bytes("close-now"), bytes("y")]);
  await waitFor("crash 1", () => row(sdk).counters.crashes === 1);
  // x ran in the dead Worker but was never reported: it is taken back with close-now; y is in the ring.
  assert.equal(row(sdk).counters.inboxDepth, 3);
  await clock.advance(500); // fresh Worker, retry: dies again (backoff now 1 s)
  await waitFor("crash 2", () => row(sdk).counters.crashes === 2);
  await clock.advance(1000); // third attempt: dies again, close-now is dead-lettered
  await waitFor("crash 3", () => row(sdk).counters.crashes === 3);
  await clock.advance(2000);
  sdk.ingest(handle.daemonId, bytes("report"));
  await reach(1); // the report
  assert.equal(texts(outputs)[0], "3@1"); // x, y, report; restored from the snapshot after x
  const letters = sdk.snapshot().deadLetters;
  assert.equal(letters.length, 1);
  assert.equal(atob(letters[0].payloadBase64), "close-now");
  assert.equal(letters[0].attempts, 3);
  assert.match(letters[0].error, /during process\(\) of sequence 2: it called self\.close\(\)/);
  await sdk.shutdown();
});

test("worker: gracefulShutdown, exit, stopDaemon and sdk.shutdown terminate the Worker", async () => {
  const { sdk, clock } = await startManual();
  const workersBefore = sdk.snapshot().liveDaemonWorkers;
  const register = () => sdk.registerDaemon({ name: "echo" }, Identity.generate(), worker());
  const [graceful, exiting, stopped] = [await register(), await register(), await register()];
  await register();
  assert.equal(sdk.snapshot().liveDaemonWorkers, workersBefore + 4);
  const shutdown = graceful.gracefulShutdown(50n);
  await clock.advance(50);
  await shutdown;
  assert.equal(sdk.snapshot().liveDaemonWorkers, workersBefore + 3);
  await exiting.exit();
  assert.equal(sdk.snapshot().liveDaemonWorkers, workersBefore + 2);
  const stopping = sdk.admin.stopDaemon(stopped.daemonId, { graceMs: 50n });
  await clock.advance(50);
  await stopping;
  assert.equal(sdk.snapshot().liveDaemonWorkers, workersBefore + 1);
  await sdk.shutdown();
  assert.equal(await liveWorkersNow(), workersBefore, "shutdown terminated the daemon's Worker");
});

test("worker: bad options are invalid_argument; a module that cannot serve is invalid_daemon, nothing left running", async () => {
  const { sdk } = await startManual();
  const workersBefore = sdk.snapshot().liveDaemonWorkers;
  const id = Identity.generate();
  const named = { name: "w" };
  await rejectsWithKind(sdk.registerDaemon(named, id, 5 as never), "invalid_argument", /^options: expected an object/);
  await rejectsWithKind(sdk.registerDaemon(named, id, { worker: "x" as never }), "invalid_argument", /^options\.worker: /);
  await rejectsWithKind(
    sdk.registerDaemon(named, id, { worker: { module: "./_fixtures/worker_daemons.ts" } }),
    "invalid_argument",
    /^options\.worker\.module: expected a URL or an absolute URL string .*; got "\.\/_fixtures\/worker_daemons\.ts"$/,
  );
  await rejectsWithKind(
    sdk.registerDaemon(named, id, { worker: { module: FIXTURES, exportName: "" } }),
    "invalid_argument",
    /^options\.worker\.exportName: expected a non-empty string .*; got ""$/,
  );
  const load = (module: URL, exportName?: string) => sdk.registerDaemon(named, id, { worker: { module, exportName } });
  await rejectsWithKind(load(new URL("./_fixtures/no_such_module.ts", import.meta.url)), "invalid_daemon", /no_such_module\.ts/);
  await rejectsWithKind(
    load(new URL("./_fixtures/worker_throws_at_load.ts", import.meta.url)),
    "invalid_daemon",
    /cannot start: no config/,
  );
  await rejectsWithKind(load(FIXTURES, "missing"), "invalid_daemon", /has no export "missing"/);
  await rejectsWithKind(load(FIXTURES, "notADaemon"), "invalid_daemon", /daemon has no `process` method/);
  await rejectsWithKind(sdk.registerDaemon({ name: "" }, id, worker()), "invalid_daemon", /`name` must not be empty/);
  assert.equal(sdk.snapshot().liveDaemonWorkers, workersBefore);
  assert.deepEqual(sdk.snapshot().daemons, []);
  const handle = await sdk.registerDaemon(named, id, worker());
  await rejectsWithKind(sdk.registerDaemon(named, id, worker()), "register_failed", /already registered/);
  assert.equal(sdk.snapshot().liveDaemonWorkers, workersBefore + 1);
  await handle.exit();
  assert.equal(sdk.snapshot().liveDaemonWorkers, workersBefore);
  await sdk.shutdown();
});

test("worker: an async process() is awaited in the Worker, one at a time, in order; a rejection is a crash, restored and retried", async () => {
  const { sdk, clock } = await startManual({}, { backoff: { initialMs: 1, maxMs: 1 } });
  const handle = await sdk.registerDaemon({ name: "async" }, Identity.generate(), worker("asyncProcess"));
  const { outputs, reach } = collect(sdk, handle.daemonId);
  sdk.ingestBatch(handle.daemonId, ["a", "b", "reject-once", "c"].map(bytes));
  for (let turn = 0; turn < 200 && row(sdk).counters.processed < 4; turn++) {
    await clock.advance(100); // the restart after the rejection happens on a tick
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  sdk.ingest(handle.daemonId, bytes("report"));
  await reach(5);
  // The rejection restored the state after "b" (2) and retried "reject-once", which then resolved.
  assert.deepEqual(texts(outputs), ["a#1", "b#2", "reject-once#3", "c#4", "4 restored=2"]);
  const { counters } = row(sdk);
  assert.deepEqual([counters.processed, counters.crashes, counters.processErrors], [5, 1, 1]);
  assert.match(sdk.snapshot().log.records.map((r) => r.message).join("\n"), /process\(\) failed \(attempt 1\) at sequence 3: rejected in the Worker/);
  assert.deepEqual(sdk.snapshot().deadLetters, []);
  assertWholeChain(outputs, handle.daemonId);
  await sdk.shutdown();
});

test("worker: after a crash mid-batch the restored state counts exactly the events whose outputs were emitted", async () => {
  const { sdk, clock } = await startManual({}, { backoff: { initialMs: 1, maxMs: 1 } });
  const handle = await sdk.registerDaemon({ name: "fails-once" }, Identity.generate(), worker("failsOnce"));
  const { outputs, reach } = collect(sdk, handle.daemonId);
  sdk.ingestBatch(handle.daemonId, ["a", "b", "fail1", "c", "d", "fail2", "e"].map(bytes));
  for (let turn = 0; turn < 200 && row(sdk).counters.processed < 7; turn++) {
    await clock.advance(100); // a restart happens on a tick
    await new Promise((resolve) => setTimeout(resolve, 5)); // the Worker's reports arrive
  }
  assert.equal(row(sdk).counters.processed, 7);
  assert.equal(row(sdk).counters.crashes, 2);
  sdk.ingest(handle.daemonId, bytes("report"));
  await reach(8);
  assert.deepEqual(texts(outputs), ["a", "b", "fail1", "c", "d", "fail2", "e", "7"]);
  await sdk.shutdown();
});
