/**
 * The operator of `npm run demo:operate`: waits for the three nodes, sends 100 events to each of
 * node 1's movable counters (through a sender node of its own), drains node 1 with a signed
 * command — the counters move to nodes 2 and 3 — sends 100 more to each; with `--kill PID` it
 * then SIGKILLs node 3 (that process), waits for node 2 to restore node 3's counter from its
 * replica, and sends 100 more; last it asks every counter for its count (each must have counted
 * every event once), shows the refusal of a forged command, and prints the mesh's audit trail.
 *
 * `bun examples/operator.ts --nats nats://127.0.0.1:4222 [--kill PID]`
 *
 * @module
 */

import process from "node:process";
import { MeshOsDaemonSdk, MeshOsOperator, OperatorIdentity } from "../mod.ts";
import type { MeshOsSdkError } from "../mod.ts";
import { counterIdentity, demoOperator } from "./operate_node.ts";

const flag = (name: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const bus = { nats: { servers: flag("nats")!, mesh: "operate" } };
const killPid = flag("kill");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: string) => console.log(`[operator] ${line}`);

const operator = await MeshOsOperator.connect(demoOperator(), { bus });
const sender = await MeshOsDaemonSdk.start({ thisNode: 9n }, { bus });
while (operator.nodes().size < 4) await sleep(50); // nodes 1, 2, 3 and the sender
await sleep(700); // every heartbeat carries the factories and daemons
const counters = [0, 1, 2].map((i) => counterIdentity(i).originHash);
const send = async (n: number) => {
  for (const id of counters) await sender.ingestBatch(id, Array.from({ length: n }, (_, i) => new TextEncoder().encode(String(i))));
};
await send(100);
say("sent 100 events to each of node 1's 3 counters");
await sleep(300);
const commit = await operator.enterMaintenance(1n, { drainForMs: 10_000 });
say(`enterMaintenance(node 1) committed as 0x${commit.commitId.slice(0, 8)}`);
while (operator.nodes().get(1n)?.maintenance !== "Maintenance") await sleep(50);
say("node 1 is in Maintenance: its counters moved");
await sleep(700); // node 1's next heartbeat no longer lists them
await send(100);
say("sent 100 more events to each counter, wherever it is now");
let sent = 200;
/** The nodes that host each counter, as the sender's peer table has them (Healthy peers only). */
const hosts = () =>
  counters.map((id) => {
    const hex = `0x${id.toString(16).padStart(16, "0")}`;
    return sender.snapshot().mesh.peers.find((p) => p.health === "Healthy" && p.daemons.includes(hex))?.nodeId ?? null;
  });
if (killPid !== undefined) {
  const node3 = "0x0000000000000003";
  while (!hosts().includes(node3)) await sleep(50);
  process.kill(Number(killPid), "SIGKILL");
  const killedAt = Date.now();
  say("node 3 killed (SIGKILL) while hosting a counter");
  while (hosts().some((host) => host === null || host === node3)) await sleep(50);
  say(`node 2 restored it from its replica ${((Date.now() - killedAt) / 1000).toFixed(1)} s later (node 3 Unreachable after 5 s, then 1 s)`);
  await send(100);
  sent += 100;
  say("sent 100 more events to each counter");
}
// Each counter outputs its count per event: one more event, and the output it makes is the total
// (outputs of events still on their way come first; a counter that lost events never gets there).
const totals: number[] = [];
for (const id of counters) {
  const outputs = sender.outputs(id)[Symbol.asyncIterator]();
  await sender.ingest(id, new TextEncoder().encode("last"));
  let total = 0;
  const giveUp = sleep(10_000).then(() => null);
  while (total < sent + 1) {
    const next = await Promise.race([outputs.next(), giveUp]);
    if (next === null || next.done) break;
    total = Number(new TextDecoder().decode(next.value.payload));
  }
  totals.push(total);
  await outputs.return?.();
}
const once = totals.every((total) => total === sent + 1);
say(`counts: ${totals.join(", ")} — ${once ? `each counted all ${sent + 1} events once` : `expected ${sent + 1} each`}`);
try {
  await MeshOsOperator.connect(OperatorIdentity.generate(), { bus }).then((intruder) => intruder.exitMaintenance(1n));
} catch (err) {
  say(`an untrusted operator's exitMaintenance(node 1): ${(err as MeshOsSdkError).kind}`);
}
await sleep(1_000);
say("audit trail:");
for (const r of await operator.audit()) {
  say(`  node ${r.targetNode} ${r.kind} ${r.result} by ${r.operatorId === demoOperator().publicKeyHex ? "the demo operator" : `0x${r.operatorId.slice(0, 12)}`}`);
}
await sender.shutdown();
await operator.close();
process.exit(once ? 0 : 1);
