// An async process() (product decision 17, issue 14 item 4): awaited, one event at a time and in
// order per daemon; its value is the outputs; a rejection is a crash like a throw (retried,
// restored, dead-lettered after 3 attempts); hostile thenables settle once; nothing reaches the
// host loop. On a manual clock.
import assert from "node:assert/strict";
import { Identity } from "../mod.ts";
import type { CausalEvent, MeshOsDaemon } from "../mod.ts";
import { test } from "./_harness.ts";
import { bytes, startManual } from "./_sdk_fixtures.ts";

const text = (payload: Uint8Array) => new TextDecoder().decode(payload);

/** A promise with its resolve and reject in hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets every queued microtask and deferred turn of `clock` run. */
async function settle(clock: { runDeferred(): Promise<unknown> }): Promise<void> {
  for (let i = 0; i < 20; i++) await clock.runDeferred();
}

test("an async process() is awaited before the next event: one at a time, in order, its value the outputs", async () => {
  const { sdk, clock } = await startManual();
  const started: string[] = [];
  const pending: { resolve: (outputs: Uint8Array[]) => void }[] = [];
  const handle = await sdk.registerDaemon({
    name: "async",
    process(event: CausalEvent) {
      started.push(text(event.payload));
      const d = deferred<Uint8Array[]>();
      pending.push(d);
      return d.promise;
    },
  }, Identity.generate());
  assert.equal(await sdk.ingestBatch(handle.daemonId, ["a", "b", "c"].map(bytes)), 3);
  await settle(clock);
  assert.deepEqual(started, ["a"], "b waits until a's promise settles");
  assert.equal(sdk.snapshot().daemons[0].counters.inboxDepth, 2);
  pending[0].resolve([bytes("A")]);
  await settle(clock);
  assert.deepEqual(started, ["a", "b"]);
  pending[1].resolve([bytes("B1"), bytes("B2")]);
  await settle(clock);
  pending[2].resolve([]);
  await settle(clock);
  assert.deepEqual(started, ["a", "b", "c"]);
  const row = sdk.snapshot().daemons[0].counters;
  assert.equal(row.processed, 3);
  assert.equal(row.outputs, 3);
  const outputs: string[] = [];
  for await (const out of sdk.outputs(handle.daemonId)) {
    outputs.push(text(out.payload));
    if (outputs.length === 3) break;
  }
  assert.deepEqual(outputs, ["A", "B1", "B2"]);
  await sdk.shutdown();
});

test("a rejected async process() is a crash: restored from the last snapshot, retried, then dead-lettered after 3 attempts", async () => {
  const { sdk, clock } = await startManual();
  let count = 0;
  const restored: number[] = [];
  const daemon: MeshOsDaemon = {
    name: "async-flaky",
    async process(event) {
      await Promise.resolve();
      if (text(event.payload) === "poison") throw Object.create(null); // no prototype at all
      count++;
      return null;
    },
    snapshot: () => bytes(String(count)),
    restore: (state) => void restored.push((count = Number(text(state)))),
  };
  const handle = await sdk.registerDaemon(daemon, Identity.generate());
  await sdk.ingestBatch(handle.daemonId, ["a", "poison", "after"].map(bytes));
  await settle(clock);
  assert.equal(sdk.snapshot().daemons[0].lifecycle, "backingOff");
  assert.equal(count, 1);
  await clock.advance(500); // retry 2 fails
  await settle(clock);
  await clock.advance(1_000); // retry 3 fails: dead-lettered, "after" goes on
  await settle(clock);
  await clock.advance(2_000);
  await settle(clock);
  const snap = sdk.snapshot();
  assert.equal(snap.deadLetters.length, 1);
  assert.equal(text(Uint8Array.from(atob(snap.deadLetters[0].payloadBase64), (c) => c.charCodeAt(0))), "poison");
  assert.equal(snap.deadLetters[0].attempts, 3);
  assert.equal(count, 2, "a and after, each once");
  assert.deepEqual(restored, [1, 1, 1]);
  assert.equal(snap.daemons[0].counters.processErrors, 3);
  await sdk.shutdown();
});

test("thenables that throw in then, call back twice, or resolve to bad outputs settle once, as failures or outputs", async () => {
  const { sdk, clock } = await startManual({}, { backoff: { initialMs: 1, maxMs: 1, crashLoopThreshold: 100 } });
  const seen: string[] = [];
  const handle = await sdk.registerDaemon({
    name: "thenables",
    process(event) {
      const kind = text(event.payload);
      seen.push(kind);
      if (kind === "throwing-then") return { then: () => { throw new Error("then broke"); } } as unknown as PromiseLike<null>;
      if (kind === "twice") {
        return { then: (ok: (v: unknown) => void, fail: (e: unknown) => void) => { ok([bytes("once")]); ok([bytes("again")]); fail(new Error("late")); } } as unknown as PromiseLike<null>;
      }
      if (kind === "bad-outputs") return Promise.resolve(["text" as unknown as Uint8Array]);
      return null;
    },
  }, Identity.generate());
  await sdk.ingestBatch(handle.daemonId, ["twice", "throwing-then", "bad-outputs", "fine"].map(bytes));
  for (let i = 0; i < 20; i++) { // restarts happen on ticks (100 ms)
    await settle(clock);
    await clock.advance(100);
  }
  const snap = sdk.snapshot();
  assert.equal(snap.daemons[0].counters.outputs, 1, "a thenable that calls back twice counts once");
  assert.deepEqual(snap.deadLetters.map((l) => l.error.slice(0, 40)).length, 2);
  assert.match(snap.deadLetters[0].error, /then broke/);
  assert.match(snap.deadLetters[1].error, /process output element 0 is not a Uint8Array/);
  assert.equal(seen.filter((k) => k === "fine").length, 1);
  assert.equal(seen.filter((k) => k === "twice").length, 1);
  await sdk.shutdown();
});

test("shutdown while an async process() is pending ends cleanly; its late settlement changes nothing", async () => {
  const { sdk, clock } = await startManual();
  const d = deferred<Uint8Array[]>();
  const handle = await sdk.registerDaemon({ name: "slow", process: () => d.promise }, Identity.generate());
  await sdk.ingest(handle.daemonId, bytes("x"));
  await settle(clock);
  await sdk.shutdown();
  d.reject(new Error("too late")); // no unhandled rejection, no use of the closed slot
  await settle(clock);
});
