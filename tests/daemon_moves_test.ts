// Daemons that move off a draining node (issue 12, "drain migrates", first part): a movable
// daemon built by a factory moves to a peer with the same factory when its node enters
// maintenance — every event processed exactly once, in order, its state and both causal chains
// continuous, the events sent after the move reaching it on its new node — on the in-process mesh
// and on a real nats-server (where events sent during the move wait in JetStream); and with every
// node a process of its own, drained by an operator's signed command while events flow.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { Identity, MeshOsDaemonSdk, MeshOsOperator, OperatorIdentity } from "../mod.ts";
import type { CausalEvent, MeshOsBusOption, MeshOsDaemon } from "../mod.ts";
import { test } from "./_harness.ts";
import { startNatsServer } from "./_nats_server.ts";
import { flow, hostOf, killNodes, reportOf, sleep, spawnNode } from "./_movable_nodes.ts";
const text = (payload: Uint8Array) => new TextDecoder().decode(payload);
const bytes = (value: string) => new TextEncoder().encode(value);

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (const giveUp = Date.now() + 30_000; Date.now() < giveUp;) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`still waiting for ${what}`);
}

interface Seen {
  node: bigint;
  payload: string;
  sequence: bigint;
  count: number;
}

/** A factory of counting daemons that record, per node, what they processed. */
function counterFactory(node: bigint, seen: Seen[]): () => MeshOsDaemon {
  return () => {
    let count = 0;
    return {
      name: "counter",
      process(event: CausalEvent) {
        count++;
        seen.push({ node, payload: text(event.payload), sequence: event.sequence, count });
        return [bytes(String(count))];
      },
      snapshot: () => bytes(String(count)),
      restore: (state: Uint8Array) => void (count = Number(text(state))),
    };
  };
}

async function moveScenario(bus: MeshOsBusOption, sendDuringMove: boolean): Promise<void> {
  const seen: Seen[] = [];
  const start = (thisNode: bigint) => MeshOsDaemonSdk.start({ thisNode, tickIntervalMs: 10n }, { bus });
  const [a, b, c] = [await start(1n), await start(2n), await start(3n)];
  try {
    a.registerFactory("counter", counterFactory(1n, seen));
    b.registerFactory("counter", counterFactory(2n, seen));
    const handle = await a.registerMovable("counter", Identity.generate());
    const id = handle.daemonId;
    const known = async () => {
      try {
        await c.ingestBatch(id, []);
        return true;
      } catch {
        return false;
      }
    };
    await until("node 3 knows the daemon", known);
    // A reader on node 3 from before the first event: it follows the daemon across the move.
    const remote: CausalEvent[] = [];
    void (async () => {
      for await (const out of c.outputs(id)) remote.push(out);
    })();
    await sleep(300); // its subscription reaches the bus
    await until("node 1 knows node 2's factory", () => a.snapshot().mesh.peers.some((p) => p.nodeId === "0x0000000000000002"));
    await sleep(600); // a heartbeat carrying node 2's factories
    assert.equal(await c.ingestBatch(id, Array.from({ length: 50 }, (_, i) => bytes(String(i)))), 50);
    await until("50 events on node 1", () => seen.length === 50);
    a.admin.enterMaintenance({ drainForMs: 20_000 });
    let during = Promise.resolve(0);
    if (sendDuringMove) during = c.ingestBatch(id, Array.from({ length: 25 }, (_, i) => bytes(String(50 + i))));
    await until("node 1 in Maintenance", () => a.snapshot().maintenance.state === "Maintenance");
    assert.ok(b.snapshot().daemons.some((d) => d.daemonId === `0x${id.toString(16).padStart(16, "0")}` && d.lifecycle.startsWith("running")));
    const first = sendDuringMove ? 75 : 50;
    assert.equal(await during, sendDuringMove ? 25 : 0);
    await until("node 3 sends to the daemon's new node", async () => {
      try {
        return await c.ingestBatch(id, []) === 0 && c.snapshot().mesh.peers.length > 0;
      } catch {
        return false;
      }
    });
    await sleep(600); // node 1's next heartbeat no longer lists the daemon
    assert.equal(await c.ingestBatch(id, Array.from({ length: 100 - first }, (_, i) => bytes(String(first + i)))), 100 - first);
    await until("100 events processed", () => seen.length >= 100);
    await sleep(100);
    assert.deepEqual(seen.map((s) => s.payload), Array.from({ length: 100 }, (_, i) => String(i)), "every event once, in order");
    assert.deepEqual(seen.map((s) => s.sequence), Array.from({ length: 100 }, (_, i) => BigInt(i + 1)), "the ingress chain continues");
    assert.deepEqual(seen.map((s) => s.count), Array.from({ length: 100 }, (_, i) => i + 1), "the state moved with it");
    assert.ok(seen.slice(0, 50).every((s) => s.node === 1n) && seen.slice(-25).every((s) => s.node === 2n));
    // Its own chain continues on node 2: the first output there follows node 1's last.
    const firstOnB = seen.findIndex((s) => s.node === 2n);
    const outputs: CausalEvent[] = [];
    for await (const out of b.outputs(id)) {
      outputs.push(out);
      if (outputs.length === 100 - firstOnB) break;
    }
    assert.equal(outputs[0].sequence, BigInt(firstOnB + 1));
    await until("node 3's reader has every output", () => remote.length >= 100);
    assert.deepEqual(remote.map((o) => o.sequence), Array.from({ length: 100 }, (_, i) => BigInt(i + 1)), "the remote reader followed the move");
    assert.ok(a.snapshot().log.records.some((r) => r.message === `daemon "counter" moved to node 0x0000000000000002`));
    assert.ok(b.snapshot().log.records.some((r) => r.message === `daemon moved here (factory "counter")`));
    await assert.rejects(handle.tryNextControl(), /already_shutdown/, "the handle on node 1 is consumed once the daemon left");
  } finally {
    await c.shutdown();
    await b.shutdown();
    await a.shutdown();
  }
}

test("moves: a movable daemon leaves a draining node for a peer with its factory, events once and in order, state and chains continuous (in-process mesh)", async () => {
  await moveScenario({ memory: { mesh: `moves-${crypto.randomUUID().slice(0, 8)}` } }, false);
});

test("moves: on NATS, events sent while the daemon moves wait in JetStream and reach it on its new node", async () => {
  const server = await startNatsServer();
  try {
    await moveScenario({ nats: { servers: server.url, mesh: "moves" } }, true);
  } finally {
    await server.stop();
  }
});

test("moves: with no peer that can host it, a movable daemon stays and drains, and the log says why", async () => {
  const mesh = `stay-${crypto.randomUUID().slice(0, 8)}`;
  const a = await MeshOsDaemonSdk.start({ thisNode: 1n, tickIntervalMs: 10n }, { bus: { memory: { mesh } } });
  const b = await MeshOsDaemonSdk.start({ thisNode: 2n, tickIntervalMs: 10n }, { bus: { memory: { mesh } } }); // no factory
  try {
    a.registerFactory("counter", counterFactory(1n, []));
    const handle = await a.registerMovable("counter", Identity.generate());
    await sleep(600);
    a.admin.enterMaintenance({ drainForMs: 20_000 });
    assert.ok(a.snapshot().log.records.some((r) => /movable daemon "counter" stays and drains here: no healthy, active, uncordoned peer has factory "counter"/.test(r.message)));
    assert.equal((await handle.nextControl(1_000n))?.kind, "DrainStart");
    await handle.exit();
    await until("Maintenance", () => a.snapshot().maintenance.state === "Maintenance");
    assert.equal(b.snapshot().daemons.length, 0);
  } finally {
    await a.shutdown();
    await b.shutdown();
  }
});

test("moves: an operator drains a node process of three while events flow — every event once, chains unbroken, Maintenance reached", async () => {
  const server = await startNatsServer();
  const mesh = `drain${Date.now() % 100_000}`;
  const operatorIdentity = OperatorIdentity.generate();
  const trust = `trust:${operatorIdentity.publicKeyHex}`;
  const nodes: ChildProcess[] = [];
  let producer: MeshOsDaemonSdk | null = null;
  let operator: MeshOsOperator | null = null;
  try {
    const drained = await spawnNode(server.url, mesh, 1n, 4, trust);
    nodes.push(drained.child);
    for (const id of [2n, 3n]) nodes.push((await spawnNode(server.url, mesh, id, 0, trust)).child);
    producer = await MeshOsDaemonSdk.start({ thisNode: 9n, tickIntervalMs: 20n }, { bus: { nats: { servers: server.url, mesh } } });
    operator = await MeshOsOperator.connect(operatorIdentity, { bus: { nats: { servers: server.url, mesh } } });
    const [sdk, op] = [producer, operator];
    await until("the daemons seen on node 1", () => drained.ids.every((id) => hostOf(sdk, id)?.nodeId === "0x0000000000000001"));
    await until("the operator sees three nodes", () => [1n, 2n, 3n].every((n) => op.nodes().get(n)?.health === "Healthy"));

    let commit: Promise<{ kind: string; targetNode: bigint }> | null = null;
    const sent = await Promise.all(drained.ids.map((id, i) =>
      flow(sdk, id, 1_000, 20, (next) => {
        if (i === 0 && next === 301) commit = op.enterMaintenance(1n, { drainForMs: 60_000 });
      })
    ));
    const record = await commit!;
    assert.deepEqual([record.kind, record.targetNode], ["enterMaintenance", 1n]);
    await until("node 1 in Maintenance", () => op.nodes().get(1n)?.maintenance === "Maintenance");
    for (const [i, id] of drained.ids.entries()) {
      const { count, dupes, gaps, node } = await reportOf(sdk, id, sent[i]);
      assert.deepEqual({ count, dupes, gaps }, { count: sent[i], dupes: 0, gaps: 0 });
      assert.ok(node === "2" || node === "3", `daemon ${id} runs on node ${node}`);
    }
    const audited = await op.audit({ node: 1n });
    assert.ok(audited.some((r) => r.kind === "enterMaintenance" && r.result === "committed"), JSON.stringify(audited.map((r) => [r.kind, r.result])));
  } finally {
    await operator?.close();
    await producer?.shutdown();
    await killNodes(nodes);
    await server.stop();
  }
});
