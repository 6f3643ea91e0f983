/**
 * The operator of `npm run demo:operate`: waits for the three nodes, sends 100 events to each of
 * node 1's movable counters (through a sender node of its own), drains node 1 with a signed
 * command — the counters move to nodes 2 and 3 — sends 100 more to each, then prints where the
 * counters report from, the refusal of a forged command, and the mesh's audit trail.
 *
 * `bun examples/operator.ts --nats nats://127.0.0.1:4222`
 *
 * @module
 */

import process from "node:process";
import { MeshOsDaemonSdk, MeshOsOperator, OperatorIdentity } from "../mod.ts";
import type { MeshOsSdkError } from "../mod.ts";
import { counterIdentity, demoOperator } from "./operate_node.ts";

const at = process.argv.indexOf("--nats");
const bus = { nats: { servers: process.argv[at + 1], mesh: "operate" } };
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
process.exit(0);
