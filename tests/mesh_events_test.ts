// Events that cross nodes on the in-process mesh (src/bus/memory_bus.ts) through the public SDK:
// ingest on one node, process() on another, outputs read back from the first; backpressure across
// nodes; a daemon that leaves with events on their way; and the redelivery check of
// DaemonSlot.deliverFrame, which the NATS bus relies on.
import assert from "node:assert/strict";
import { Identity, ManualClock, MeshOsDaemonSdk } from "../mod.ts";
import type { CausalEvent } from "../mod.ts";
import { MemoryBus } from "../src/bus/memory_bus.ts";
import { resolveConfig } from "../src/contract/config.ts";
import { checkDaemon } from "../src/contract/daemon_spec.ts";
import { loadRingBackend } from "../src/ffi/load.ts";
import { LoggingDispatcher } from "../src/runtime/action_dispatcher.ts";
import { MeshRuntime } from "../src/runtime/mesh_runtime.ts";
import { test } from "./_harness.ts";
import { bytes, rejectsWithKind } from "./_sdk_fixtures.ts";

const text = (payload: Uint8Array) => new TextDecoder().decode(payload);
let meshCounter = 0;
const freshMesh = () => `ev${++meshCounter}-${crypto.randomUUID().slice(0, 8)}`;

async function node(thisNode: bigint, mesh: string, clock: ManualClock, inboxCapacity = 1024) {
  return await MeshOsDaemonSdk.start(
    { thisNode, tickIntervalMs: 100n, inboxCapacity },
    { clock, bus: { memory: { mesh } } },
  );
}

/** Runs deferred work on `clock` until `done()` or 1,000 turns. */
async function until(clock: ManualClock, done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1_000 && !done(); turn++) await clock.runDeferred();
  assert.ok(done(), "the condition did not come true");
}

test("an event ingested on one node is processed on the node that hosts the daemon, in order, and its outputs are read from the first", async () => {
  const mesh = freshMesh();
  const clock = new ManualClock();
  const a = await node(1n, mesh, clock);
  const b = await node(2n, mesh, clock);
  const seen: CausalEvent[] = [];
  const upper = await b.registerDaemon({
    name: "upper",
    process: (event) => {
      seen.push(event);
      return [bytes(text(event.payload).toUpperCase())];
    },
  }, Identity.generate());
  const daemonId = upper.daemonId;
  // Known to node 1 as soon as the registration resolved: node 2 advertised it at once.
  const outputs = a.outputs(daemonId)[Symbol.asyncIterator]();
  assert.equal(await a.ingest(daemonId, bytes("one")), true);
  assert.equal(await a.ingestBatch(daemonId, ["two", "three"].map(bytes)), 2);
  await until(clock, () => seen.length === 3);
  assert.deepEqual(seen.map((e) => text(e.payload)), ["one", "two", "three"]);
  assert.deepEqual(seen.map((e) => e.sequence), [1n, 2n, 3n]); // node 2's ingress chain, unbroken
  for (const expected of ["ONE", "TWO", "THREE"]) {
    const next = await outputs.next();
    assert.equal(next.done, false);
    assert.equal(text(next.value!.payload), expected);
    assert.equal(next.value!.originHash, daemonId); // the daemon's own chain, as on its node
  }
  const row = b.snapshot().daemons[0].counters;
  assert.equal(row.ingested, 3);
  assert.equal(row.fromBus, 3);
  assert.equal(row.inboxRejected, 0);
  const sent = a.snapshot().mesh;
  assert.equal(sent.eventsSent, 3);
  assert.equal(sent.framesSent, 2);
  assert.equal(b.snapshot().mesh.eventsReceived, 3);
  assert.ok(sent.outputFramesPublished === 0 && b.snapshot().mesh.outputFramesPublished >= 1);
  await b.shutdown(); // the daemon leaves its node: the remote reader's stream ends
  assert.equal((await outputs.next()).done, true);
  await a.shutdown();
});

test("a daemon on no node is unknown_daemon everywhere; one that left its node is unknown again", async () => {
  const mesh = freshMesh();
  const clock = new ManualClock();
  const a = await node(1n, mesh, clock);
  const b = await node(2n, mesh, clock);
  const unknown = /^daemonId: no registered daemon has id 0x0000000000000063 on this node or any peer; expected the daemonId of a live handle$/;
  await rejectsWithKind(() => a.ingest(0x63n, bytes("x")), "unknown_daemon", unknown);
  await rejectsWithKind(() => a.ingestBatch(0x63n, [bytes("x")]), "unknown_daemon", unknown);
  await rejectsWithKind(() => a.outputs(0x63n), "unknown_daemon", unknown);
  const handle = await b.registerDaemon({ name: "gone", process: () => [] }, Identity.generate());
  assert.equal(await a.ingest(handle.daemonId, bytes("x")), true);
  await b.admin.stopDaemon(handle.daemonId, { graceMs: 0n });
  await clock.advance(500); // node 2's next heartbeat no longer lists it
  await rejectsWithKind(() => a.ingest(handle.daemonId, bytes("x")), "unknown_daemon");
  await a.shutdown();
  await b.shutdown();
});

test("a remote daemon with a full inbox slows its senders down: nothing is refused or lost, order kept", async () => {
  const mesh = freshMesh();
  const clock = new ManualClock();
  const a = await node(1n, mesh, clock);
  const b = await node(2n, mesh, clock, 8);
  const seen: number[] = [];
  const handle = await b.registerDaemon({ name: "slow", process: (e) => void seen.push(Number(text(e.payload))) }, Identity.generate());
  let taken: number | null = null;
  void a.ingestBatch(handle.daemonId, Array.from({ length: 500 }, (_, i) => bytes(String(i)))).then((n) => (taken = n));
  await until(clock, () => taken !== null && seen.length === 500);
  assert.equal(taken, 500);
  assert.deepEqual(seen, Array.from({ length: 500 }, (_, i) => i));
  const counters = b.snapshot().daemons[0].counters;
  assert.equal(counters.inboxRejected, 0);
  assert.equal(counters.fromBus, 500);
  await a.shutdown();
  await b.shutdown();
});

test("events waiting for a daemon that leaves its node are reported to the sender as bus_unavailable, and counted", async () => {
  const mesh = freshMesh();
  const clock = new ManualClock();
  const a = await node(1n, mesh, clock);
  const b = await node(2n, mesh, clock, 4);
  // Its first event crashes it; on a clock that does not move, it stays in its backoff: the inbox fills.
  const handle = await b.registerDaemon({ name: "stuck", process: () => { throw new Error("down"); } }, Identity.generate());
  const waiting = a.ingestBatch(handle.daemonId, Array.from({ length: 20 }, (_, i) => bytes(String(i))));
  await clock.runDeferred();
  await b.admin.stopDaemon(handle.daemonId, { graceMs: 0n });
  const err = await rejectsWithKind(waiting, "bus_unavailable", /did not take 20 event\(s\)/);
  assert.match(err.detail, /takes no more events/);
  assert.equal(a.snapshot().mesh.eventsFailed, 20);
  await a.shutdown();
  await b.shutdown();
});

test("a frame delivered again at a position already taken is recognised, counted and not processed twice", async () => {
  const clock = new ManualClock();
  const runtime = new MeshRuntime({
    config: resolveConfig({ thisNode: 1n }),
    clock,
    backend: await loadRingBackend({ prefer: "js" }),
    dispatcher: new LoggingDispatcher(16),
    controlCapacity: 16,
    ingressOrigin: 7n,
    outputCapacity: 16,
    bus: MemoryBus.join({ mesh: null, nodeId: 1n, now: () => clock.now() }),
    dataDir: ".",
  });
  const seen: string[] = [];
  const slot = runtime.register(5n, checkDaemon({ name: "once", process: (e: CausalEvent) => void seen.push(text(e.payload)) }));
  await slot.deliverFrame(10n, [bytes("a"), bytes("b")]);
  await slot.deliverFrame(10n, [bytes("a"), bytes("b")]); // its acknowledgement was lost: delivered again
  await slot.deliverFrame(9n, [bytes("old")]); // behind the position taken
  await slot.deliverFrame(11n, [bytes("c")]);
  await until(clock, () => seen.length >= 3);
  assert.deepEqual(seen, ["a", "b", "c"]);
  const counters = slot.describe().counters;
  assert.equal(counters.redeliveriesSkipped, 2);
  assert.equal(counters.fromBus, 3);
  assert.equal(counters.ingested, 3);
  runtime.close();
});

test("one daemon identity registered on two nodes is warned about once on each, in the log ring", async () => {
  const mesh = freshMesh();
  const clock = new ManualClock();
  const a = await node(1n, mesh, clock);
  const b = await node(2n, mesh, clock);
  const identity = Identity.generate();
  await a.registerDaemon({ name: "twin", process: () => [] }, identity);
  await b.registerDaemon({ name: "twin", process: () => [] }, identity);
  await clock.advance(1_000); // two heartbeats each
  for (const [sdk, other] of [[a, "0x0000000000000002"], [b, "0x0000000000000001"]] as const) {
    const warnings = sdk.snapshot().log.records.filter((r) => r.message.includes("is also registered on node"));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].level, "warn");
    assert.match(warnings[0].message, new RegExp(`^daemon 0x[0-9a-f]{16} is also registered on node ${other}: events sent to it are split`));
  }
  await a.shutdown();
  await b.shutdown();
});

test("a payload sent to a remote daemon is copied at once: the sender may reuse its buffer while the daemon's inbox is full", async () => {
  const mesh = freshMesh();
  const clock = new ManualClock();
  const a = await node(1n, mesh, clock);
  const b = await node(2n, mesh, clock, 4);
  const seen: string[] = [];
  const handle = await b.registerDaemon({ name: "slow", process: (e) => void seen.push(text(e.payload)) }, Identity.generate());
  const buffer = bytes("0");
  const sends = [];
  for (let i = 0; i < 10; i++) {
    buffer[0] = "0".charCodeAt(0) + i; // one buffer, rewritten before the peer can take the last sends
    sends.push(a.ingest(handle.daemonId, buffer));
  }
  await until(clock, () => seen.length === 10);
  await Promise.all(sends);
  assert.deepEqual(seen, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  await a.shutdown();
  await b.shutdown();
});
