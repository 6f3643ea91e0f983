// Nodes on the in-process mesh (src/bus/memory_bus.ts) seen through the public SDK, on manual
// clocks: peers, their health thresholds, maintenance across nodes (upstream MS-6 / MS-9 as this
// SDK means them: a node's maintenance is mirrored in its peers' views), capabilities, leaving.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Identity, ManualClock, MeshOsDaemonSdk, SDK_VERSION } from "../mod.ts";
import type { MeshOsDaemonHandle } from "../mod.ts";
import { test } from "./_harness.ts";
import { echoDaemon, rejectsWithKind } from "./_sdk_fixtures.ts";

let meshCounter = 0;
/** A mesh name no other test uses (meshes are process-wide). */
function freshMesh(): string {
  return `t${++meshCounter}-${crypto.randomUUID().slice(0, 8)}`;
}

async function node(thisNode: bigint, mesh: string, clock = new ManualClock()) {
  const sdk = await MeshOsDaemonSdk.start({ thisNode, tickIntervalMs: 100n }, { clock, bus: { memory: { mesh } } });
  return { sdk, clock };
}

async function peersOf(handle: MeshOsDaemonHandle) {
  return (await handle.refreshMetadata()).peers;
}

test("two nodes of one mesh see each other, never themselves, with every peer field filled", async () => {
  const mesh = freshMesh();
  const clock = new ManualClock();
  const a = await node(1n, mesh, clock);
  const b = await node(2n, mesh, clock);
  const onA = await a.sdk.registerDaemon(echoDaemon("a"), Identity.generate());
  const onB = await b.sdk.registerDaemon(
    { ...echoDaemon("b"), requiredCapabilities: ["zone:eu"], optionalCapabilities: ["gpu"], saturation: () => 1 },
    Identity.generate(),
  );
  await onB.publishCapabilities({ tags: ["software.telemetry"] });
  await clock.advance(1_000);
  const seenByA = await peersOf(onA);
  assert.deepEqual([...seenByA.keys()], [2n]);
  assert.deepEqual([...(await peersOf(onB)).keys()], [1n]);
  const peer = seenByA.get(2n)!;
  assert.equal(peer.health, "Healthy");
  assert.equal(peer.maintenance, "Active");
  assert.equal(peer.rttMs, 0n); // in-process: no network between the nodes
  assert.deepEqual(peer.capabilitySet, ["gpu", "software.telemetry", "zone:eu"]);
  assert.equal(peer.softwareVersion, SDK_VERSION);
  assert.ok(peer.saturationTrend! > 0 && peer.saturationTrend! < 1, `trend ${peer.saturationTrend} moves toward 1`);
  assert.ok(peer.memTotalBytes! > 0n && peer.memUsedBytes! <= peer.memTotalBytes!);
  assert.ok(peer.diskTotalBytes! > 0n && peer.diskUsedBytes! <= peer.diskTotalBytes!);
  assert.equal(typeof peer.cpuLoad1m, "number");
  assert.equal(peer.forkedFrom, null);
  const row = a.sdk.snapshot().mesh;
  assert.equal(row.bus, "memory");
  assert.equal(row.name, mesh);
  assert.deepEqual(row.peers.map((p) => [p.nodeId, p.health, p.capabilitySet.length]), [["0x0000000000000002", "Healthy", 3]]);
  assert.ok(row.heartbeatsSent >= 2 && row.heartbeatsReceived >= 2);
  await a.sdk.shutdown();
  await b.sdk.shutdown();
});

test("a peer that stops heartbeating is Degraded from 1.5 s and Unreachable from 5 s", async () => {
  const mesh = freshMesh();
  const quiet = await node(1n, mesh); // its clock never moves again: no more heartbeats
  const watcher = await node(2n, mesh);
  const handle = await watcher.sdk.registerDaemon(echoDaemon(), Identity.generate());
  await quiet.clock.advance(500); // node 1's one heartbeat the watcher hears, at the watcher's t = 0
  const healthAt = async (t: number) => {
    await watcher.clock.advance(t - watcher.clock.now());
    return (await peersOf(handle)).get(1n)?.health;
  };
  assert.equal(await healthAt(1_499), "Healthy");
  assert.equal(await healthAt(1_500), "Degraded");
  assert.equal(await healthAt(4_999), "Degraded");
  assert.equal(await healthAt(5_000), "Unreachable");
  assert.equal(quiet.sdk.snapshot().mesh.heartbeatsFailed, 0); // still running, just silent
  await quiet.sdk.shutdown();
  assert.equal((await peersOf(handle)).size, 0); // a node that shuts down says goodbye
  await watcher.sdk.shutdown();
});

test("MS-9: a node entering maintenance changes only its peers' view of it; the peer stays Active", async () => {
  const mesh = freshMesh();
  const clock = new ManualClock();
  const draining = await node(1n, mesh, clock);
  const other = await node(2n, mesh, clock);
  await draining.sdk.registerDaemon(echoDaemon("holds-the-drain"), Identity.generate()); // never acknowledges
  const handle = await other.sdk.registerDaemon(echoDaemon(), Identity.generate());
  await clock.advance(500);
  draining.sdk.admin.enterMaintenance({ drainForMs: 10_000 });
  const view = await handle.refreshMetadata();
  assert.equal(view.peers.get(1n)?.maintenance, "EnteringMaintenance"); // at once, not at the next heartbeat
  assert.equal(view.maintenanceState.kind, "Active");
  assert.equal(other.sdk.snapshot().maintenance.state, "Active");
  await clock.advance(10_000);
  assert.equal((await peersOf(handle)).get(1n)?.maintenance, "DrainFailed");
  await draining.sdk.shutdown();
  await other.sdk.shutdown();
});

test("MS-6: enter then exit maintenance on one node shows Entering → Maintenance → Recovery → Active to its peer", async () => {
  const mesh = freshMesh();
  const clock = new ManualClock();
  const subject = await node(1n, mesh, clock);
  const observer = await node(2n, mesh, clock);
  const handle = await observer.sdk.registerDaemon(echoDaemon(), Identity.generate());
  const seen: string[] = [];
  const look = async () => {
    const state = (await peersOf(handle)).get(1n)?.maintenance ?? "none";
    if (seen.at(-1) !== state) seen.push(state);
  };
  const worker = await subject.sdk.registerDaemon(echoDaemon("drains"), Identity.generate());
  await clock.advance(500);
  await look();
  subject.sdk.admin.enterMaintenance({ drainForMs: 5_000 });
  await look();
  await worker.gracefulShutdown(0); // the only daemon leaves: the drain completes
  await clock.advance(100);
  await look();
  subject.sdk.admin.exitMaintenance(); // no daemon left to wait for: Exiting passes at once
  await look();
  await clock.advance(300_000); // the recovery ramp
  await look();
  assert.deepEqual(seen, ["Active", "EnteringMaintenance", "Maintenance", "Recovery", "Active"]);
  await subject.sdk.shutdown();
  await observer.sdk.shutdown();
});

test("meshes are apart: other names and the default (no bus) see no one", async () => {
  const clock = new ManualClock();
  const a = await node(1n, freshMesh(), clock);
  const b = await node(2n, freshMesh(), clock);
  const alone = await MeshOsDaemonSdk.start({ thisNode: 3n }, { clock });
  const alsoAlone = await MeshOsDaemonSdk.start({ thisNode: 4n }, { clock });
  await clock.advance(1_000);
  for (const sdk of [a.sdk, b.sdk, alone, alsoAlone]) {
    assert.deepEqual(sdk.snapshot().mesh.peers, []);
    await sdk.shutdown();
  }
});

test("a node id already in the mesh is invalid_config naming thisNode; it frees when that node shuts down", async () => {
  const mesh = freshMesh();
  const first = await node(7n, mesh);
  await rejectsWithKind(
    node(7n, mesh),
    "invalid_config",
    new RegExp(`^thisNode: node 0x0000000000000007 is already a member of the in-memory mesh "${mesh}"; expected a node id unique in the mesh$`),
  );
  await first.sdk.shutdown();
  const again = await node(7n, mesh);
  await again.sdk.shutdown();
});

test("bad bus options are invalid_config naming the field", async () => {
  const start = (bus: unknown) => MeshOsDaemonSdk.start({}, { bus: bus as never });
  await rejectsWithKind(start(5), "invalid_config", /^bus: expected an object; got 5$/);
  await rejectsWithKind(start({}), "invalid_config", /^bus: expected exactly one of memory, nats/);
  await rejectsWithKind(start({ memroy: {} }), "invalid_config", /^bus: unknown key "memroy".*did you mean "memory"/);
  await rejectsWithKind(start({ memory: {}, nats: {} }), "invalid_config", /^bus: expected exactly one of memory, nats/);
  await rejectsWithKind(start({ memory: { mesh: "a.b" } }), "invalid_config", /^bus\.memory\.mesh: expected 1 to 64 letters, digits, "_" or "-"; got "a\.b"$/);
  await rejectsWithKind(start({ nats: {} }), "invalid_config", /^bus\.nats\.servers: expected a server URL or a non-empty array of them; got undefined$/);
  await rejectsWithKind(start({ nats: { servers: [] } }), "invalid_config", /^bus\.nats\.servers: expected a server URL/);
  await rejectsWithKind(start({ nats: { servers: ["nats://a:1", " "] } }), "invalid_config", /^bus\.nats\.servers\[1\]: expected a server URL such as/);
  await rejectsWithKind(start({ nats: { servers: "nats://a:1", mesh: "" } }), "invalid_config", /^bus\.nats\.mesh: expected 1 to 64/);
  await rejectsWithKind(start({ nats: { servers: "nats://a:1", connectTimeoutMs: 0 } }), "invalid_config", /^bus\.nats\.connectTimeoutMs: expected an integer number or bigint of ms in 1\.\.2\^64-1; got 0$/);
  await rejectsWithKind(start({ nats: { servers: "nats://a:1", timeout: 5 } }), "invalid_config", /^bus\.nats: unknown key "timeout"/);
  await rejectsWithKind(MeshOsDaemonSdk.start({}, { dataDir: "/no/such/dir" }), "invalid_config", /^dataDir: expected a readable directory; got "\/no\/such\/dir"/);
});

test("SDK_VERSION is the version of package.json and deno.json", () => {
  for (const file of ["../package.json", "../deno.json"]) {
    const { version } = JSON.parse(readFileSync(new URL(file, import.meta.url), "utf8"));
    assert.equal(SDK_VERSION, version, file);
  }
});

test("the saturation trend moves once per heartbeat, not per registration or transition; a burst of registrations is one advert", async () => {
  const mesh = freshMesh();
  const clock = new ManualClock();
  const busy = await node(1n, mesh, clock);
  const watcher = await node(2n, mesh, clock);
  const handle = await watcher.sdk.registerDaemon(echoDaemon(), Identity.generate());
  await clock.advance(500); // both heartbeat once: node 1's trend sampled with no daemons, 0
  const sentBefore = busy.sdk.snapshot().mesh.heartbeatsSent;
  await Promise.all(Array.from({ length: 5 }, (_, i) => // a burst: registered in one turn
    busy.sdk.registerDaemon({ ...echoDaemon(`full-${i}`), saturation: () => 1 }, Identity.generate())));
  assert.equal(busy.sdk.snapshot().mesh.heartbeatsSent - sentBefore, 1); // one advert for the burst
  await busy.sdk.registerDaemon({ ...echoDaemon("one-more"), saturation: () => 1 }, Identity.generate());
  busy.sdk.admin.enterMaintenance({ drainForMs: 60_000 }); // a transition: an advert at once
  assert.equal(busy.sdk.snapshot().mesh.heartbeatsSent - sentBefore, 3);
  const trend = async () => (await peersOf(handle)).get(1n)?.saturationTrend;
  assert.equal(await trend(), 0); // adverts between heartbeats leave the trend alone
  await clock.advance(500); // one heartbeat: one step of 0.3 toward the daemons' mean of 1
  assert.ok(Math.abs((await trend())! - 0.3) < 1e-9, `trend ${await trend()}`);
  await busy.sdk.shutdown();
  await watcher.sdk.shutdown();
});
