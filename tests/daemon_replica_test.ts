// A movable daemon's replica on the bus (issue 12, failover): what it covers — whole frames, and
// the events of a frame it had processed when the replica was taken — and what happens to the
// node hosting it when another node rewrites it (the daemon leaves, and the mesh hears of it).
// On the in-process mesh with a manual clock, so every step is decided here.
import assert from "node:assert/strict";
import { Identity, ManualClock, MeshOsDaemonSdk } from "../mod.ts";
import type { MeshOsDaemon } from "../mod.ts";
import { MemoryBus } from "../src/bus/memory_bus.ts";
import { decodeDaemonTransfer, encodeDaemonTransfer } from "../src/bus/daemon_transfer.ts";
import type { MeshFailure } from "../src/bus/mesh_telemetry.ts";
import { test } from "./_harness.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

/** A daemon whose every `process()` waits until the test lets it finish: it can stop mid-frame. */
function gatedFactory(seen: string[], release: (() => void)[]): () => MeshOsDaemon {
  return () => {
    let count = 0;
    return {
      name: "gated",
      process(event) {
        seen.push(text(event.payload));
        return new Promise((resolve) => release.push(() => (count++, resolve([]))));
      },
      snapshot: () => bytes(String(count)),
      restore: (state) => void (count = Number(text(state))),
    };
  };
}

async function scenario() {
  const clock = new ManualClock();
  const mesh = `replica${Math.floor(Math.random() * 1e9)}`;
  const start = (thisNode: bigint) =>
    MeshOsDaemonSdk.start({ thisNode, tickIntervalMs: 10n }, {
      clock,
      bus: { memory: { mesh } },
      failover: { replicateEveryEvents: 1_000, replicateEveryMs: 50 },
    });
  const [a, b] = [await start(1n), await start(2n)];
  const observer = MemoryBus.join({ mesh, nodeId: 7n, now: () => clock.now() });
  const seen: string[] = [];
  const release: (() => void)[] = [];
  a.registerFactory("gated", gatedFactory(seen, release));
  const id = (await a.registerMovable("gated", Identity.generate())).daemonId;
  await clock.advance(0);
  const replica = async () => {
    const stored = await observer.readReplica(id);
    const decoded = stored && decodeDaemonTransfer(stored.record);
    assert.ok(decoded && "transfer" in decoded, "a replica is stored");
    return { revision: stored!.revision, ...decoded.transfer };
  };
  /** Lets `n` waiting `process()` calls finish, one after another. */
  const finish = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await clock.advance(0);
      release.shift()!();
    }
    await clock.advance(0);
  };
  const close = async () => {
    await observer.close();
    await b.shutdown();
    await a.shutdown();
  };
  return { clock, a, b, id, seen, release, observer, replica, finish, close };
}

test("replica: taken at registration, then every replicateEveryMs — whole frames as a position, a partial one as events to skip", async () => {
  const { clock, a, b, id, seen, replica, finish, close } = await scenario();
  try {
    const first = await replica();
    assert.deepEqual([first.hostNode, first.busPosition, first.skipNext, first.state], [1n, 0n, 0, null]);
    // Two frames of five from node 2; eight events finish, the ninth is inside process().
    await b.ingestBatch(id, ["1", "2", "3", "4", "5"].map(bytes));
    await b.ingestBatch(id, ["6", "7", "8", "9", "10"].map(bytes));
    await finish(8);
    assert.equal(seen.length, 9);
    await clock.advance(50);
    const second = await replica();
    assert.ok(second.revision > first.revision);
    // Frame 1 is covered whole; of frame 2, its first three events: a restore skips just those.
    assert.deepEqual([second.busPosition, second.skipNext, text(second.state!), second.ingressHead.sequence], [1n, 3, "8", 8n]);
    const row = a.snapshot().daemons.find((d) => d.daemonId === `0x${id.toString(16).padStart(16, "0")}`)!;
    assert.deepEqual(row.movable, {
      factory: "gated",
      replica: { revision: String(second.revision), busPosition: "1", atMs: clock.now() },
      movingTo: null,
      unplaced: null,
    });
    // Nothing new settled: no new replica, however long.
    await clock.advance(200);
    assert.equal((await replica()).revision, second.revision);
    await finish(2);
    await clock.advance(50);
    const third = await replica();
    assert.deepEqual([third.busPosition, third.skipNext, text(third.state!)], [2n, 0, "10"]);
  } finally {
    await close();
  }
});

test("replica: when another node rewrites it, the daemon leaves this node and the mesh's failures say so", async () => {
  const { clock, a, b, id, replica, finish, observer, close } = await scenario();
  const failures: MeshFailure[] = [];
  observer.watchFailures(null, (failure) => failures.push(failure));
  try {
    await b.ingestBatch(id, ["1", "2", "3"].map(bytes));
    await finish(1);
    await clock.advance(50);
    const stored = await replica();
    // Node 7 takes the daemon over, as a node that thought node 1 dead would.
    const { revision: _, ...transfer } = stored;
    assert.notEqual(await observer.replicate(id, encodeDaemonTransfer({ ...transfer, hostNode: 7n }), stored.revision), null);
    await finish(2);
    await clock.advance(50);
    const row = a.snapshot().daemons.find((d) => d.daemonId === `0x${id.toString(16).padStart(16, "0")}`)!;
    assert.equal(row.lifecycle, "stopped");
    assert.equal((await replica()).hostNode, 7n, "node 1 wrote nothing over node 7's replica");
    assert.ok(a.snapshot().log.records.some((r) => /another node took daemon "gated" over/.test(r.message)));
    assert.deepEqual(failures.map((f) => [f.nodeId, f.daemonId, f.kind]), [[1n, id, "lost"]]);
  } finally {
    await close();
  }
});

test("replica: failover: false keeps none; a bad failover option is invalid_config naming the field", async () => {
  const clock = new ManualClock();
  const mesh = `replica${Math.floor(Math.random() * 1e9)}`;
  const sdk = await MeshOsDaemonSdk.start({ thisNode: 1n }, { clock, bus: { memory: { mesh } }, failover: false });
  const observer = MemoryBus.join({ mesh, nodeId: 7n, now: () => clock.now() });
  try {
    sdk.registerFactory("gated", gatedFactory([], []));
    const id = (await sdk.registerMovable("gated", Identity.generate())).daemonId;
    await clock.advance(100);
    assert.equal(await observer.readReplica(id), null);
  } finally {
    await observer.close();
    await sdk.shutdown();
  }
  const refused = async (failover: unknown, detail: string) => {
    await assert.rejects(MeshOsDaemonSdk.start({}, { failover } as never), (err: { kind: string; detail: string }) => {
      assert.deepEqual([err.kind, err.detail], ["invalid_config", detail]);
      return true;
    });
  };
  await refused(true, "failover: expected an object or false; got true");
  await refused({ replicateEveryEvents: 0 }, "failover.replicateEveryEvents: expected an integer in 1..1073741824; got 0");
  await refused({ replicateEveryMs: -1 }, "failover.replicateEveryMs: expected an integer number or bigint of ms in 1..2^64-1; got -1");
  await refused({ afterUnreachable: 5 }, `failover: unknown key "afterUnreachable"; expected one of replicateEveryEvents, replicateEveryMs, afterUnreachableMs (did you mean "afterUnreachableMs"?)`);
});
