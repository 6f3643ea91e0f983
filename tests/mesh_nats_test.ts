// Nodes on a real NATS mesh (src/bus/nats_bus.ts): each test starts its own `nats-server`
// (tests/_nats_server.ts: free port, temp store, watchdog). Waiting polls until a condition
// holds; the harness's per-test bound turns a condition that never holds into a failure.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Identity, MeshOsDaemonSdk, SDK_VERSION } from "../mod.ts";
import type { MeshOsDaemonHandle, PeerHealth } from "../mod.ts";
import { test } from "./_harness.ts";
import { freePort, startNatsServer } from "./_nats_server.ts";
import { echoDaemon, rejectsWithKind } from "./_sdk_fixtures.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 20 ms until it returns a value other than undefined/false. */
async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const giveUp = Date.now() + 30_000;
  while (Date.now() < giveUp) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await sleep(20);
  }
  throw new Error(`still waiting for ${what} after 30 s`);
}

function natsNode(thisNode: bigint, url: string, mesh = "test") {
  return MeshOsDaemonSdk.start({ thisNode, tickIntervalMs: 100n }, { bus: { nats: { servers: url, mesh } } });
}

async function peer(handle: MeshOsDaemonHandle, id: bigint) {
  return (await handle.refreshMetadata()).peers.get(id);
}

test("nats: two nodes see each other with a measured rtt, and one node's maintenance crosses to the other", async () => {
  const server = await startNatsServer();
  const a = await natsNode(1n, server.url);
  const b = await natsNode(2n, server.url);
  try {
    await a.registerDaemon({ ...echoDaemon("holds-the-drain"), requiredCapabilities: ["zone:eu"] }, Identity.generate());
    const onB = await b.registerDaemon(echoDaemon(), Identity.generate());
    const seen = await until("node 1 with an rtt, seen by node 2", async () => {
      const p = await peer(onB, 1n);
      return p?.rttMs !== null && p?.capabilitySet.length ? p : undefined;
    });
    assert.equal(seen.health, "Healthy");
    assert.deepEqual(seen.capabilitySet, ["zone:eu"]);
    assert.equal(seen.softwareVersion, SDK_VERSION);
    assert.ok(seen.rttMs! >= 0n && seen.rttMs! < 1000n, `rtt ${seen.rttMs}`);
    assert.ok(seen.memTotalBytes! > 0n);
    assert.equal((await onB.refreshMetadata()).peers.has(2n), false);
    await until("node 2 seen by node 1", () => a.snapshot().mesh.peers.some((p) => p.nodeId === "0x0000000000000002"));
    a.admin.enterMaintenance({ drainForMs: 60_000 });
    await until("node 1 EnteringMaintenance on node 2", async () => (await peer(onB, 1n))?.maintenance === "EnteringMaintenance");
    assert.equal(b.snapshot().maintenance.state, "Active");
    const mesh = b.snapshot().mesh;
    assert.equal(mesh.bus, "nats");
    assert.equal(mesh.name, "test");
    assert.equal(mesh.connected, true);
    assert.equal(mesh.heartbeatsRejected, 0);
    assert.equal(mesh.heartbeatsFailed, 0);
  } finally {
    await a.shutdown();
    await until("node 1 gone from node 2 after its goodbye", () => b.snapshot().mesh.peers.length === 0);
    await b.shutdown();
    await server.stop();
  }
});

test("nats: meshes with other names on one server do not see each other", async () => {
  const server = await startNatsServer();
  const a = await natsNode(1n, server.url, "red");
  const b = await natsNode(2n, server.url, "blue");
  const c = await natsNode(3n, server.url, "red");
  try {
    await until("node 3 seen by node 1", () => a.snapshot().mesh.peers.length === 1);
    await sleep(600); // more than one heartbeat of node 2, which must stay unseen
    assert.deepEqual(a.snapshot().mesh.peers.map((p) => p.nodeId), ["0x0000000000000003"]);
    assert.deepEqual(b.snapshot().mesh.peers, []);
  } finally {
    for (const sdk of [a, b, c]) await sdk.shutdown();
    await server.stop();
  }
});

test("nats: no server at start is bus_unavailable naming the servers tried, in bounded time", async () => {
  const ports = [await freePort(), await freePort()];
  const servers = ports.map((p) => `nats://127.0.0.1:${p}`);
  const err = await rejectsWithKind(
    MeshOsDaemonSdk.start({}, { bus: { nats: { servers, connectTimeoutMs: 1_000 } } }),
    "bus_unavailable",
  );
  assert.match(err.detail, new RegExp(`^bus\\.nats\\.servers: no NATS server answered within 1000 ms; tried ${servers.join(", ")} \\(`));
});

/** `<this runtime> tests/_fixtures/mesh_node.ts url id`, resolved once it prints "ready". */
async function spawnNode(url: string, nodeId: bigint): Promise<ChildProcess> {
  const script = fileURLToPath(new URL("./_fixtures/mesh_node.ts", import.meta.url));
  const args = "Bun" in globalThis ? [script, url, String(nodeId)] : ["run", "-A", script, url, String(nodeId)];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => String(chunk).includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`mesh node exited early (${code})`)));
  });
  return child;
}

test("nats: a node process killed with SIGKILL goes Healthy → Degraded → Unreachable at its peers", async () => {
  const server = await startNatsServer();
  const watcher = await MeshOsDaemonSdk.start({ thisNode: 1n, tickIntervalMs: 100n }, {
    bus: { nats: { servers: server.url, mesh: "faults" } },
  });
  const child = await spawnNode(server.url, 9n);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    const handle = await watcher.registerDaemon(echoDaemon(), Identity.generate());
    await until("node 9 healthy", async () => (await peer(handle, 9n))?.health === "Healthy");
    child.kill("SIGKILL");
    const killedAt = Date.now();
    await exited;
    const firstSeen = new Map<PeerHealth | null, number>();
    await until("node 9 Unreachable", async () => {
      const health = (await peer(handle, 9n))?.health ?? null;
      if (!firstSeen.has(health)) firstSeen.set(health, Date.now() - killedAt);
      return health === "Unreachable";
    });
    assert.deepEqual([...firstSeen.keys()].filter((h) => h !== "Healthy"), ["Degraded", "Unreachable"]);
    // Its last heartbeat was at most one interval (500 ms) before the kill: never early.
    assert.ok(firstSeen.get("Degraded")! >= 1_000, `Degraded ${firstSeen.get("Degraded")} ms after the kill`);
    assert.ok(firstSeen.get("Unreachable")! >= 4_500, `Unreachable ${firstSeen.get("Unreachable")} ms after the kill`);
  } finally {
    child.kill("SIGKILL");
    await exited;
    await watcher.shutdown();
    await server.stop();
  }
});

test("nats: the server killed and restarted on its store: nodes reconnect by themselves, missed heartbeats are counted", async () => {
  const server = await startNatsServer();
  const a = await natsNode(1n, server.url);
  const b = await natsNode(2n, server.url);
  try {
    await until("peers", () => a.snapshot().mesh.peers.length === 1 && b.snapshot().mesh.peers.length === 1);
    await server.kill();
    await until("node 1 disconnected", () => !a.snapshot().mesh.connected);
    await until("a heartbeat counted as failed", () => a.snapshot().mesh.heartbeatsFailed > 0);
    await server.restart();
    await until("node 1 reconnected", () => a.snapshot().mesh.connected && a.snapshot().mesh.reconnects >= 1);
    await until("node 2 reconnected", () => b.snapshot().mesh.connected);
    const failedBefore = a.snapshot().mesh.heartbeatsFailed;
    await until("node 2 healthy again at node 1", () => a.snapshot().mesh.peers[0]?.health === "Healthy");
    await sleep(600);
    assert.equal(a.snapshot().mesh.heartbeatsFailed, failedBefore); // sending again
    assert.equal(a.snapshot().mesh.peers[0].health, "Healthy");
  } finally {
    await a.shutdown();
    await b.shutdown();
    await server.stop();
  }
});
