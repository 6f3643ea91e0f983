// The remaining upstream tests with a TypeScript meaning (spec §9.1–§9.7), ported by ID. Runtime-level
// ones drive the public SDK; the rest exercise the unit that owns the behaviour.
import assert from "node:assert/strict";
import { Identity, LoggingDispatcher, ManualClock, MeshOsDaemonSdk } from "../mod.ts";
import type { DaemonControl, MeshOsDaemon } from "../mod.ts";
import { ActionQueue } from "../src/runtime/action_dispatcher.ts";
import { ControlRouter } from "../src/runtime/control_router.ts";
import { EventQueue } from "../src/runtime/event_queue.ts";
import { readHealth, readSaturation } from "../src/contract/daemon_spec.ts";
import { LOG_LEVELS, parseLogLevel } from "../src/contract/log_level.ts";
import { test } from "./_harness.ts";
import { echoDaemon, rejectsWithKind, startManual } from "./_sdk_fixtures.ts";

function router(): { router: ControlRouter; tapped: DaemonControl[] } {
  const tapped: DaemonControl[] = [];
  return { router: new ControlRouter(new ManualClock(), (_id, event) => void tapped.push(event)), tapped };
}

test("RS-2 route Shutdown{5000} to id 42 → the channel yields it at once", () => {
  const { router: r } = router();
  const channel = r.register(42n, 4);
  assert.equal(r.route(42n, { kind: "Shutdown", gracePeriodMs: 5000n }), true);
  assert.deepEqual(channel.poll(), { kind: "Shutdown", gracePeriodMs: 5000n });
});

test("RS-3 capacity 1: BackpressureOn{0.5} then {0.8} → one drop, and it is the newer one", () => {
  const { router: r } = router();
  const channel = r.register(99n, 1);
  r.route(99n, { kind: "BackpressureOn", level: 0.5 });
  r.route(99n, { kind: "BackpressureOn", level: 0.8 });
  assert.equal(r.droppedTotal, 1);
  assert.deepEqual(channel.poll(), { kind: "BackpressureOn", level: 0.5 });
});

test("RS-6 routing to an unregistered id is a silent no-op (nothing dropped, nothing tapped)", () => {
  const { router: r, tapped } = router();
  r.register(7n, 4);
  r.unregister(7n);
  assert.equal(r.route(7n, { kind: "Shutdown", gracePeriodMs: 1n }), false);
  assert.equal(r.droppedTotal, 0);
  assert.deepEqual(tapped, []);
});

test("RS-4 / CT-2 stopDaemon's Shutdown carries the grace in ms", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon("x"), Identity.generate());
  const stopped = sdk.admin.stopDaemon(handle.daemonId, { graceMs: 2500n });
  assert.deepEqual(await handle.nextControl(0n), { kind: "Shutdown", gracePeriodMs: 2500n });
  await clock.advance(2500);
  await stopped;
  await sdk.shutdown();
});

test("CT-3 a drain deadline already past at emission gives gracePeriodMs 0, never negative", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  sdk.admin.enterMaintenance({ drainForMs: 1 });
  const drain = await handle.nextControl(0n);
  assert.equal(drain?.kind, "DrainStart");
  assert.ok((drain as { gracePeriodMs: bigint }).gracePeriodMs >= 0n);
  await sdk.shutdown();
});

test("DT-3 a daemon without health()/saturation() reads healthy and 0", () => {
  const daemon: MeshOsDaemon = { name: "min", process: () => [] };
  assert.deepEqual(readHealth(daemon), { reading: { kind: "healthy", reason: null }, problem: null });
  assert.deepEqual(readSaturation(daemon), { value: 0, problem: null });
});

test("DT-4 an overriding daemon reads Degraded{queue depth} and saturation 0.42 (clamped to [0, 1])", () => {
  const daemon: MeshOsDaemon = {
    name: "o",
    process: () => [],
    health: () => ({ kind: "degraded", reason: "queue depth" }),
    saturation: () => 0.42,
  };
  assert.deepEqual(readHealth(daemon).reading, { kind: "degraded", reason: "queue depth" });
  assert.equal(readSaturation(daemon).value, 0.42);
  assert.equal(readSaturation({ ...daemon, saturation: () => 7 }).value, 1);
  assert.equal(readSaturation({ ...daemon, saturation: () => -1 }).value, 0);
});

test("DT-5 / DT-6 onControl records the last event; a daemon without onControl is fine", async () => {
  const { sdk } = await startManual();
  const seen: DaemonControl[] = [];
  const recording = await sdk.registerDaemon({ ...echoDaemon("rec"), onControl: (e) => void seen.push(e) }, Identity.generate());
  await sdk.registerDaemon(echoDaemon("plain"), Identity.generate());
  sdk.admin.enterMaintenance({ drainForMs: 5000 });
  void sdk.admin.stopDaemon(recording.daemonId, { graceMs: 5000n });
  assert.deepEqual(seen.at(-1), { kind: "Shutdown", gracePeriodMs: 5000n });
  await sdk.shutdown();
});

test("EL-1 event queue of capacity 1: the second publish is queue_full", async () => {
  const queue = new EventQueue<string>(1, () => {});
  queue.publish("tick", "tick");
  await rejectsWithKind(() => queue.publish("tick", "tick"), "queue_full", /^MeshOS event queue at capacity; tick dropped$/);
  assert.equal(queue.rejected, 1);
});

test("EL-8 a full action queue drops the new action and counts it", async () => {
  const never = { dispatch: () => new Promise<void>(() => {}) }; // a wedged dispatcher
  const queue = new ActionQueue(never, { capacity: 1, onFailure: () => {} });
  assert.ok(queue.submit("stop_daemon", { daemonId: 1n, detail: "", atMs: 0 }));
  assert.ok(queue.submit("stop_daemon", { daemonId: 2n, detail: "", atMs: 0 })); // first is in dispatch
  assert.equal(queue.submit("stop_daemon", { daemonId: 3n, detail: "", atMs: 0 }), null);
  assert.equal(queue.stats.dropped, 1);
});

test("LG-2 log levels order trace < debug < info < warn < error", () => {
  assert.deepEqual(LOG_LEVELS.map((l) => parseLogLevel(l)), [0, 1, 2, 3, 4]);
  assert.equal(parseLogLevel("warning"), parseLogLevel("warn"));
});

test("MS-20 entering maintenance with no workload commits Maintenance by itself", async () => {
  const dispatcher = new LoggingDispatcher();
  const { sdk, clock } = await startManual({ thisNode: 100n }, { dispatcher });
  sdk.admin.enterMaintenance({});
  await clock.advance(150);
  assert.ok(dispatcher.log().some((a) => a.kind === "commit_maintenance_transition" && a.detail === "EnteringMaintenance → Maintenance"));
  await sdk.shutdown();
});

test("PY-1 / PY-2 start, dropped control events 0, shutdown", async () => {
  const sdk = await MeshOsDaemonSdk.start();
  assert.equal(await sdk.droppedControlEvents(), 0n);
  await sdk.shutdown();
});

test("PY-3 a full config is honoured: node id in metadata, queues sized", async () => {
  const { sdk } = await startManual({ thisNode: 0xABCD_1234n, tickIntervalMs: 50n, eventQueueCapacity: 64, actionQueueCapacity: 64 });
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  assert.equal((await handle.metadata()).nodeId, 0xABCD_1234n);
  assert.equal(sdk.snapshot().eventQueue.capacity, 64);
  await sdk.shutdown();
});

test("PY-20 / PY-21 / PY-22 stateful, snapshot-null and health/saturation daemons register", async () => {
  const { sdk } = await startManual();
  const daemons: MeshOsDaemon[] = [
    { name: "stateful", process: () => [], snapshot: () => new Uint8Array([1]), restore: () => {} },
    { name: "no-state", process: () => [], snapshot: () => null },
    { name: "gauged", process: () => [], health: () => "degraded", saturation: () => 0.3 },
  ];
  for (const daemon of daemons) assert.equal((await sdk.registerDaemon(daemon, Identity.generate())).daemonName, daemon.name);
  await sdk.shutdown();
});

test("PY-29 a controlEvents() loop ends cleanly when gracefulShutdown runs elsewhere", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const kinds: string[] = [];
  const loop = (async () => {
    for await (const event of handle.controlEvents()) kinds.push(event.kind);
  })();
  const shutdown = handle.gracefulShutdown(50n);
  await clock.advance(50); // the loop never acknowledged: the grace runs out, the handle ends
  await loop;
  await shutdown;
  assert.deepEqual(kinds, ["Shutdown"]);
  await sdk.shutdown();
});

test("PY-30 nextControl(50n) on a quiet handle resolves null", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const waiting = handle.nextControl(50n);
  await clock.advance(50);
  assert.equal(await waiting, null);
  await sdk.shutdown();
});
