// The remaining upstream tests with a TypeScript meaning (spec §9.1–§9.7), ported by ID. Runtime-level
// ones drive the public SDK; the rest exercise the unit that owns the behaviour.
import assert from "node:assert/strict";
import { Identity, LoggingDispatcher, ManualClock, MeshOsDaemonSdk } from "../mod.ts";
import type { CausalEvent, DaemonControl, MeshOsDaemon } from "../mod.ts";
import { ActionQueue } from "../src/runtime/action_dispatcher.ts";
import { ControlRouter } from "../src/runtime/control_router.ts";
import { EventQueue } from "../src/runtime/event_queue.ts";
import { readHealth, readSaturation } from "../src/contract/daemon_spec.ts";
import { graceUntil } from "../src/contract/milliseconds.ts";
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

test("CT-3 a drain deadline already past at emission gives gracePeriodMs 0, never negative", () => {
  assert.equal(graceUntil(9_000, 10_000), 0n); // DrainStart{deadline: now - 1 s}
  assert.equal(graceUntil(10_000, 10_000), 0n);
  assert.equal(graceUntil(10_000.9, 10_000), 0n);
  assert.equal(graceUntil(12_500.7, 10_000), 2_500n);
});

test("CT-3 through the SDK: DrainStart's grace is the time left until the deadline", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  sdk.admin.enterMaintenance({ drainForMs: 1234 });
  assert.deepEqual(await handle.nextControl(0n), { kind: "DrainStart", gracePeriodMs: 1234n });
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

test("DT-5 / DT-6 onControl records the last event; a daemon without onControl gets its controls and goes on", async () => {
  const { sdk, clock } = await startManual();
  const seen: DaemonControl[] = [];
  const recording = await sdk.registerDaemon({ ...echoDaemon("rec"), onControl: (e) => void seen.push(e) }, Identity.generate());
  let processed = 0;
  const plain = await sdk.registerDaemon({ name: "plain", process: () => void processed++ }, Identity.generate());
  sdk.admin.enterMaintenance({ drainForMs: 5000 });
  const stopped = sdk.admin.stopDaemon(recording.daemonId, { graceMs: 5000n });
  assert.deepEqual(seen, [{ kind: "DrainStart", gracePeriodMs: 5000n }, { kind: "Shutdown", gracePeriodMs: 5000n }]);
  await recording.exit();
  await stopped;
  // The daemon without onControl: its DrainStart is in its queue, it still processes, nothing is logged against it.
  assert.deepEqual(await plain.nextControl(0n), { kind: "DrainStart", gracePeriodMs: 5000n });
  assert.equal(await sdk.ingest(plain.daemonId, new Uint8Array([1])), true);
  await clock.advance(100);
  assert.equal(processed, 1);
  const row = sdk.snapshot().daemons.find((d) => d.name === "plain")!;
  assert.equal(row.counters.controlDelivered, 1);
  assert.equal(row.counters.processErrors, 0);
  const plainId = row.daemonId;
  assert.deepEqual(sdk.snapshot().log.records.filter((r) => r.daemonId === plainId && r.level !== "info"), []);
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

test("LG-2 log lines carry their level and daemon id; the runtime's own lines use info < warn < error", async () => {
  const { sdk, clock } = await startManual();
  let healthy: unknown = "healthy";
  const handle = await sdk.registerDaemon({
    name: "lg",
    process: () => { throw new Error("boom"); },
    health: () => healthy as "healthy",
  }, Identity.generate());
  for (const level of LOG_LEVELS) await handle.publishLog(level, `daemon at ${level}`);
  healthy = "on-fire"; // decision 8: a warning
  sdk.ingest(handle.daemonId, new Uint8Array([1])); // a crash: an error
  await clock.advance(100);
  const records = sdk.snapshot().log.records;
  const id = records.find((r) => r.message === "daemon at trace")!.daemonId;
  assert.ok(id !== null);
  assert.deepEqual(
    records.filter((r) => r.message.startsWith("daemon at ")).map((r) => [r.level, r.daemonId, r.message]),
    LOG_LEVELS.map((level) => [level, id, `daemon at ${level}`]),
  );
  const levelOf = (prefix: string) => records.find((r) => r.message.startsWith(prefix))?.level;
  assert.equal(levelOf('daemon "lg" registered'), "info");
  assert.equal(levelOf('health() returned "on-fire"'), "warn");
  assert.equal(levelOf("process() failed (attempt 1)"), "error");
  assert.deepEqual(LOG_LEVELS.map((l) => parseLogLevel(l)).toSorted((a, b) => a - b), LOG_LEVELS.map((l) => parseLogLevel(l)));
  await sdk.shutdown();
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

/** Throws on the first "crash" payload it sees, so the runtime restarts it once. */
function crashOnce(): { crashed: boolean; process: (e: CausalEvent) => Uint8Array[] } {
  return {
    crashed: false,
    process(event) {
      if (event.payload[0] === 0xcc && !this.crashed) {
        this.crashed = true;
        throw new Error("crash once");
      }
      return [];
    },
  };
}

test("PY-20 a stateful daemon registers; after a crash restore() gets what snapshot() saved", async () => {
  const { sdk, clock } = await startManual();
  const restored: number[][] = [];
  let count = 0;
  const crash = crashOnce();
  const daemon: MeshOsDaemon = {
    name: "stateful",
    process: (e) => (count++, crash.process(e)),
    snapshot: () => new Uint8Array([count]),
    restore: (state) => void restored.push([...state]),
  };
  const handle = await sdk.registerDaemon(daemon, Identity.generate());
  assert.equal(handle.daemonName, "stateful");
  sdk.ingestBatch(handle.daemonId, [new Uint8Array([1]), new Uint8Array([2])]);
  await clock.advance(100); // two processed; the tick saves the state
  sdk.ingest(handle.daemonId, new Uint8Array([0xcc]));
  await clock.advance(600); // crash, 500 ms backoff, restore, retry
  assert.deepEqual(restored, [[2]]);
  assert.equal(sdk.snapshot().daemons[0].counters.restarts, 1);
  await sdk.shutdown();
});

test("PY-21 a daemon whose snapshot() returns null registers and restarts without restore()", async () => {
  const { sdk, clock } = await startManual();
  let restores = 0;
  let snapshots = 0;
  const crash = crashOnce();
  const handle = await sdk.registerDaemon({
    name: "no-state",
    process: (e) => crash.process(e),
    snapshot: () => (snapshots++, null),
    restore: () => void restores++,
  }, Identity.generate());
  assert.equal(handle.daemonName, "no-state");
  sdk.ingest(handle.daemonId, new Uint8Array([1]));
  await clock.advance(100);
  assert.ok(snapshots > 0, "snapshot() was asked");
  sdk.ingest(handle.daemonId, new Uint8Array([0xcc]));
  await clock.advance(600);
  const row = sdk.snapshot().daemons[0];
  assert.equal(restores, 0);
  assert.equal(row.counters.restarts, 1);
  assert.equal(row.counters.processed, 2); // the first event and the retried one
  await sdk.shutdown();
});

test("PY-22 health() as a string or {kind, reason} and saturation() register and are read", async () => {
  const { sdk, clock } = await startManual();
  await sdk.registerDaemon({ name: "gauged", process: () => [], health: () => "degraded", saturation: () => 0.3 }, Identity.generate());
  await sdk.registerDaemon(
    { name: "reasoned", process: () => [], health: () => ({ kind: "degraded", reason: "queue depth" }) },
    Identity.generate(),
  );
  await clock.advance(100);
  const rows = sdk.snapshot().daemons;
  assert.deepEqual(rows.map((d) => [d.name, d.health, d.saturation]), [
    ["gauged", { kind: "degraded", reason: "(unspecified)" }, 0.3],
    ["reasoned", { kind: "degraded", reason: "queue depth" }, 0],
  ]);
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
