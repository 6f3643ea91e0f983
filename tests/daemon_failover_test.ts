// Failover (issue 12): a node process hosting movable daemons is SIGKILLed while events flow to
// them; its peers — real node processes on a real nats-server — restore each daemon from the
// replica it kept on the bus and take the events after it again, so every acknowledged event is
// in the daemon's state exactly once, with its ingress chain unbroken. And a move whose target
// process dies mid-move leaves the daemon running exactly once: back on its source.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import type { MeshOsDaemonSdkOptions } from "../mod.ts";
import { test } from "./_harness.ts";
import { startNatsServer } from "./_nats_server.ts";
import { tally } from "./_fixtures/tally_daemon.ts";
import { bytes, flow, hostOf, killNodes, reportOf, sleep, spawnNode, until } from "./_movable_nodes.ts";

test("failover: a SIGKILLed node's movable daemons run on its peers, every acknowledged event processed exactly once", async () => {
  const server = await startNatsServer();
  const mesh = `failover${Date.now() % 100_000}`;
  const nodes: ChildProcess[] = [];
  let producer: MeshOsDaemonSdk | null = null;
  try {
    const victim = await spawnNode(server.url, mesh, 1n, 4);
    nodes.push(victim.child);
    for (const id of [2n, 3n]) nodes.push((await spawnNode(server.url, mesh, id, 0)).child);
    producer = await MeshOsDaemonSdk.start({ thisNode: 9n, tickIntervalMs: 20n }, { bus: { nats: { servers: server.url, mesh } } });
    const sdk = producer;
    await until("the victim's daemons seen by the producer", () => victim.ids.every((id) => hostOf(sdk, id)?.nodeId === "0x0000000000000001"));

    const perDaemon = 3_000;
    const acknowledged = new Map(victim.ids.map((id) => [id, 0]));
    let killedAt = 0;
    let failed = 0;
    // Batches of 25 to each daemon in turn; the victim is killed a third of the way through.
    for (let next = 1; next <= perDaemon; next += 25) {
      if (killedAt === 0 && next > perDaemon / 3) {
        victim.child.kill("SIGKILL");
        killedAt = Date.now();
      }
      await Promise.all(victim.ids.map(async (id) => {
        const batch = Array.from({ length: 25 }, (_, i) => bytes(`e:${next + i}`));
        try {
          await sdk.ingestBatch(id, batch);
          acknowledged.set(id, next + 24); // in order: every batch before was acknowledged too
        } catch {
          failed++;
        }
      }));
      if (failed > 0) break;
      await sleep(50); // some 6 s of flow: before the kill, while the daemons are down, after they are back
    }
    assert.equal(failed, 0, "the bus took every batch while the victim was down");

    let restoredAfterMs = 0;
    const survivor = (id: bigint) => ["0x0000000000000002", "0x0000000000000003"].includes(hostOf(sdk, id)?.nodeId ?? "");
    await until("every daemon hosted by a surviving node", () => victim.ids.every(survivor));
    restoredAfterMs = Date.now() - killedAt;
    const hosts = victim.ids.map((id) => hostOf(sdk, id)!.nodeId);
    // Placement spreads them: two each (both peers had none, the same view on both).
    assert.deepEqual(hosts.filter((h) => h === "0x0000000000000002").length, 2, `hosts: ${hosts}`);

    for (const id of victim.ids) {
      const { count, dupes, gaps } = await reportOf(sdk, id, acknowledged.get(id)!);
      assert.deepEqual({ count, dupes, gaps }, { count: acknowledged.get(id), dupes: 0, gaps: 0 });
    }
    console.log(`failover: ${victim.ids.length} daemons × ${perDaemon} events; victim killed after ${perDaemon / 3} each; ` +
      `all restored on ${[...new Set(hosts)].join(", ")} ${restoredAfterMs} ms after the kill`);
  } finally {
    await producer?.shutdown();
    await killNodes(nodes);
    await server.stop();
  }
});

test("failover: a move whose target process dies mid-move leaves the daemon running exactly once, on its source", async () => {
  const server = await startNatsServer();
  const mesh = `midmove${Date.now() % 100_000}`;
  const options = (thisNode: bigint): [{ thisNode: bigint; tickIntervalMs: bigint }, MeshOsDaemonSdkOptions] => [
    { thisNode, tickIntervalMs: 20n },
    { bus: { nats: { servers: server.url, mesh } }, failover: { replicateEveryEvents: 40, replicateEveryMs: 100, afterUnreachableMs: 0 } },
  ];
  let source: MeshOsDaemonSdk | null = null;
  let producer: MeshOsDaemonSdk | null = null;
  let target: ChildProcess | null = null;
  try {
    source = await MeshOsDaemonSdk.start(...options(1n));
    producer = await MeshOsDaemonSdk.start(...options(9n));
    const [src, sdk] = [source, producer];
    src.registerFactory("tally", () => tally("1"));
    const id = (await src.registerMovable("tally", Identity.generate())).daemonId;
    target = (await spawnNode(server.url, mesh, 2n, 0, "die-on-take-in")).child;
    const targetExit = new Promise<void>((resolve) => target!.once("exit", () => resolve()));
    await until("the target seen by the source", () => src.snapshot().mesh.peers.some((peer) => peer.nodeId === "0x0000000000000002" && peer.health === "Healthy"));
    await until("the daemon seen by the producer", () => hostOf(sdk, id)?.nodeId === "0x0000000000000001");

    // The drain starts a third of the way through the flow; its move to node 2 kills node 2.
    const sent = await flow(sdk, id, 1_500, 20, (next) => {
      if (next === 501) src.admin.enterMaintenance({ drainForMs: 120_000 });
    });
    await targetExit;
    await until("the move to give up and the daemon to drain on its source", () => {
      const row = src.snapshot().daemons.find((d) => d.daemonId === `0x${id.toString(16).padStart(16, "0")}`);
      return row?.lifecycle === "draining" && row.movable?.movingTo === null;
    });
    const { count, dupes, gaps, node } = await reportOf(sdk, id, sent);
    assert.deepEqual({ count, dupes, gaps, node }, { count: sent, dupes: 0, gaps: 0, node: "1" });
    assert.ok(src.snapshot().log.records.some((r) => /could not move to node 0x0000000000000002/.test(r.message)));
    assert.equal(hostOf(sdk, id)?.nodeId, "0x0000000000000001");
  } finally {
    await producer?.shutdown();
    await source?.shutdown();
    if (target) await killNodes([target]);
    await server.stop();
  }
});
