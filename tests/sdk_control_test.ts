// Control delivery, logs, metadata and shutdown: upstream RS-* tests (spec §9.1, §9.4 MS-21) and the
// product decisions 2–9 of product.md §3.
import assert from "node:assert/strict";
import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import type { DaemonControl, MeshOsDaemonHandle } from "../mod.ts";
import { test } from "./_harness.ts";
import { echoDaemon, rejectsWithKind, startManual } from "./_sdk_fixtures.ts";

test("RS-1 daemon id and name round-trip", async () => {
  const { sdk } = await startManual();
  const identity = Identity.fromSeed(new Uint8Array(32).fill(0x07));
  const handle = await sdk.registerDaemon(echoDaemon("telemetry"), identity);
  assert.equal(handle.daemonId, 0x3de724ba65112490n);
  assert.equal(handle.daemonName, "telemetry");
  await sdk.shutdown();
});

test("register_failed for a duplicate identity, with upstream's message", async () => {
  const { sdk } = await startManual();
  const identity = Identity.fromSeed(new Uint8Array(32).fill(0x07));
  await sdk.registerDaemon(echoDaemon(), identity);
  await rejectsWithKind(
    sdk.registerDaemon(echoDaemon(), identity),
    "register_failed",
    /^daemon process failed: daemon 0x3de724ba65112490 already registered$/,
  );
  await sdk.shutdown();
});

test("RS-3 a full control channel drops the newest event and counts it (product decision 2)", async () => {
  const { sdk, clock } = await startManual({}, { controlCapacity: 1 });
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  sdk.admin.enterMaintenance({ drainForMs: 100 }); // DrainStart fills the only slot
  await clock.advance(100); // the drain fails at its deadline: DrainFinish is dropped
  assert.equal(sdk.snapshot().maintenance.state, "DrainFailed");
  assert.equal(await sdk.droppedControlEvents(), 1n);
  assert.equal((await handle.tryNextControl())?.kind, "DrainStart");
  assert.equal(await handle.tryNextControl(), null);
  assert.equal(sdk.snapshot().daemons[0].counters.controlDropped, 1);
  await sdk.shutdown();
});

test("droppedControlEvents stays monotonic after the daemon unregisters (product decision 3)", async () => {
  const { sdk, clock } = await startManual({}, { controlCapacity: 1 });
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  sdk.admin.enterMaintenance({ drainForMs: 100 });
  await clock.advance(100); // DrainFinish dropped: the channel holds DrainStart
  const done = handle.gracefulShutdown(20n); // Shutdown takes DrainStart's place: one more drop
  await clock.advance(20);
  await done;
  assert.equal(await sdk.droppedControlEvents(), 2n);
  await sdk.shutdown();
});

test("RS-5 / MS-21 entering maintenance broadcasts DrainStart to every daemon with the grace", async () => {
  const { sdk } = await startManual({ thisNode: 100n });
  const a = await sdk.registerDaemon(echoDaemon("a"), Identity.generate());
  const b = await sdk.registerDaemon(echoDaemon("b"), Identity.generate());
  sdk.admin.enterMaintenance({ drainForMs: 30_000 });
  for (const handle of [a, b]) {
    assert.deepEqual(await handle.nextControl(0n), { kind: "DrainStart", gracePeriodMs: 30_000n });
  }
  await sdk.shutdown();
});

test("RS-7 publishLog lands in the log ring with level, daemon id and message", async () => {
  const { sdk, clock } = await startManual({ thisNode: 5n });
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  await handle.publishLog("warn", "throttling: queue depth high");
  await clock.advance(100);
  const lines = sdk.snapshot().log.records.filter((r) => r.message === "throttling: queue depth high");
  assert.equal(lines.length, 1);
  assert.equal(lines[0].level, "warn");
  assert.equal(lines[0].daemonId, `0x${handle.daemonId.toString(16).padStart(16, "0")}`);
  assert.equal(lines[0].nodeId, "0x0000000000000005");
  assert.ok(lines[0].seq >= 1);
  await sdk.shutdown();
});

test("RS-8 publishLog after SDK shutdown rejects with loop_closed", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  await sdk.shutdown();
  await rejectsWithKind(
    handle.publishLog("info", "after shutdown"),
    "loop_closed",
    /^MeshOS loop has exited; daemon log line dropped$/,
  );
});

test("queue_full when the event queue is at capacity, with upstream's message", async () => {
  const { sdk } = await startManual({ eventQueueCapacity: 2 });
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const results = await Promise.allSettled([1, 2, 3].map((i) => handle.publishLog("info", `line ${i}`)));
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "fulfilled", "rejected"]);
  await rejectsWithKind(Promise.reject((results[2] as PromiseRejectedResult).reason), "queue_full",
    /^MeshOS event queue at capacity; daemon log line dropped$/);
  assert.equal(sdk.snapshot().eventQueue.rejected, 1);
  await sdk.shutdown();
});

test("RS-10 gracefulShutdown delivers Shutdown to a pending nextControl waiter (no deadlock)", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const waiting = handle.nextControl();
  const done = handle.gracefulShutdown(50n);
  assert.deepEqual(await waiting, { kind: "Shutdown", gracePeriodMs: 50n });
  await clock.advance(50);
  await done;
  await sdk.shutdown();
});

test("gracefulShutdown completes as soon as the daemon calls exit() (product decision 5)", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  let finished = false;
  const done = handle.gracefulShutdown(60_000n).then(() => (finished = true));
  assert.equal((await handle.nextControl(0n))?.kind, "Shutdown");
  assert.equal(finished, false);
  await handle.exit();
  await done;
  assert.equal(finished, true);
  assert.equal(sdk.snapshot().daemons[0].lifecycle, "stopped");
  await sdk.shutdown();
});

test("leaving controlEvents() after Shutdown acknowledges it", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const seen: DaemonControl[] = [];
  const loop = (async () => {
    for await (const event of handle.controlEvents()) {
      seen.push(event);
      if (event.kind === "Shutdown") break;
    }
  })();
  await handle.gracefulShutdown(60_000n); // would take a minute without the acknowledgement
  await loop;
  assert.deepEqual(seen, [{ kind: "Shutdown", gracePeriodMs: 60_000n }]);
  await sdk.shutdown();
});

test("a second gracefulShutdown rejects with already_shutdown (PY-9)", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const done = handle.gracefulShutdown(50n);
  await rejectsWithKind(handle.gracefulShutdown(50n), "already_shutdown");
  await clock.advance(50);
  await done;
  await rejectsWithKind(handle.gracefulShutdown(), "already_shutdown");
  await rejectsWithKind(handle.metadata(), "already_shutdown");
  assert.equal(handle.daemonName, "echo"); // getters stay readable
  await sdk.shutdown();
});

test("SDK shutdown resolves a pending nextControl with null and ends controlEvents (decision 4)", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const pending = handle.nextControl();
  const events: DaemonControl[] = [];
  const loop = (async () => {
    for await (const event of handle.controlEvents()) events.push(event);
  })();
  await sdk.shutdown();
  assert.equal(await pending, null);
  await loop;
  assert.deepEqual(events, []);
  assert.equal(await handle.nextControl(), null);
  assert.equal(await handle.tryNextControl(), null);
});

test("nextControl(0n) polls once; a queued event is returned at once (decision 7)", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  assert.equal(await handle.nextControl(0n), null);
  sdk.admin.enterMaintenance({ drainForMs: 1000 });
  assert.equal((await handle.nextControl(0n))?.kind, "DrainStart");
  await sdk.shutdown();
});

test("onControl receives every control event besides the queue; a throw is logged (dual delivery)", async () => {
  const { sdk } = await startManual({}, { controlCapacity: 1 });
  const seen: string[] = [];
  const handle = await sdk.registerDaemon({
    ...echoDaemon(),
    onControl: (event) => {
      seen.push(event.kind);
      if (event.kind === "Shutdown") throw new Error("boom in onControl");
    },
  }, Identity.generate());
  sdk.admin.enterMaintenance({ drainForMs: 60_000 });
  void sdk.admin.stopDaemon(handle.daemonId, { graceMs: 10n }); // dropped from the full queue…
  assert.deepEqual(seen, ["DrainStart", "Shutdown"]); // …but onControl saw it
  const warned = sdk.snapshot().log.records.some((r) => r.message === "onControl(Shutdown) threw: boom in onControl");
  assert.ok(warned);
  await sdk.shutdown();
});

test("stopDaemon sends exactly one Shutdown and unregisters at the end of the grace", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const stopped = sdk.admin.stopDaemon(handle.daemonId, { graceMs: 1000n });
  await clock.advance(999);
  assert.equal(sdk.snapshot().daemons[0].lifecycle, "stopping");
  await clock.advance(1);
  await stopped;
  assert.deepEqual(await Promise.allSettled([handle.tryNextControl()]).then((r) => r[0].status), "rejected");
  const row = sdk.snapshot().daemons[0];
  assert.equal(row.lifecycle, "stopped");
  assert.equal(row.counters.controlDelivered, 1);
  const actions = sdk.snapshot().recentActions.filter((a) => a.kind === "stop_daemon");
  assert.equal(actions.length, 1);
  await sdk.shutdown();
});

test("RS-12 / PY-8 refreshMetadata reflects the node; node id from config", async () => {
  const { sdk, clock } = await startManual({ thisNode: 0xBEEFn });
  const handle = await sdk.registerDaemon(echoDaemon("inspect"), Identity.generate());
  await clock.advance(100);
  const fresh = await handle.refreshMetadata();
  assert.equal(fresh.daemonName, "inspect");
  assert.equal(fresh.nodeId, 0xBEEFn);
  assert.equal((await handle.metadata()).nodeId, fresh.nodeId);
  assert.deepEqual(fresh.maintenanceState, { kind: "Active" });
  await sdk.shutdown();
});

test("metadata right after registration reflects maintenance already under way (decision 9)", async () => {
  const { sdk, clock } = await startManual();
  sdk.admin.enterMaintenance({ drainForMs: 10_000 });
  await clock.advance(1_000);
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const state = (await handle.metadata()).maintenanceState;
  assert.equal(state.kind, "Maintenance"); // no daemons were running: the drain completed at once
  await sdk.shutdown();
});

test("PY-23 (differs, decision 1) a dropped handle keeps its daemon; the identity frees only when it stops", async () => {
  const { sdk, clock } = await startManual();
  const identity = Identity.generate();
  let processed = 0;
  let dropped: MeshOsDaemonHandle | null = await sdk.registerDaemon({ name: "kept", process: () => void processed++ }, identity);
  dropped = null; // upstream's `del handle`: here it unregisters nothing
  assert.equal(dropped, null);
  await rejectsWithKind(sdk.registerDaemon(echoDaemon(), identity), "register_failed", /already registered$/);
  assert.equal(await sdk.ingest(identity.originHash, new Uint8Array([1])), true);
  await clock.advance(100);
  assert.equal(processed, 1);
  const stopped = sdk.admin.stopDaemon(identity.originHash, { graceMs: 0 });
  await stopped;
  const again = await sdk.registerDaemon(echoDaemon(), identity);
  assert.equal(again.daemonId, identity.originHash);
  await sdk.shutdown();
});

test("await using disposes the handle and the SDK", async () => {
  let sdkRef: MeshOsDaemonSdk | null = null;
  {
    await using sdk = await MeshOsDaemonSdk.start({ tickIntervalMs: 1000n });
    sdkRef = sdk;
    await using handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
    assert.equal(handle.daemonName, "echo");
  }
  await rejectsWithKind(sdkRef!.shutdown(), "already_shutdown");
});

test("after SDK shutdown, registerDaemon and droppedControlEvents reject with already_shutdown", async () => {
  const sdk = await MeshOsDaemonSdk.start();
  await sdk.shutdown();
  await rejectsWithKind(sdk.registerDaemon(echoDaemon(), Identity.generate()), "already_shutdown");
  await rejectsWithKind(sdk.droppedControlEvents(), "already_shutdown");
});

test("Shutdown is always delivered: a full control queue gives up its oldest other event for it (issue 14, item 6)", async () => {
  const { sdk, clock } = await startManual({}, { controlCapacity: 2 });
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  for (let cycle = 0; cycle < 3; cycle++) { // maintenance cycles nobody reads: the queue fills with drains
    sdk.admin.enterMaintenance({ drainForMs: 100 });
    await clock.advance(100);
    sdk.admin.exitMaintenance();
    await clock.advance(300_000);
  }
  const droppedBefore = await sdk.droppedControlEvents();
  assert.ok(droppedBefore > 0n, "the queue overflowed");
  const done = handle.gracefulShutdown(1000n);
  const queued = [await handle.tryNextControl(), await handle.tryNextControl()];
  assert.deepEqual(queued.at(-1), { kind: "Shutdown", gracePeriodMs: 1000n });
  assert.equal(await sdk.droppedControlEvents(), droppedBefore + 1n); // the event it replaced is counted
  await clock.advance(1000);
  await done;
  await sdk.shutdown();
});
