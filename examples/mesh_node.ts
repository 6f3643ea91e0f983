/**
 * One node of the two-node mesh demo (`npm run demo:mesh`): joins a NATS mesh, registers a daemon,
 * prints what it sees of its peers whenever that changes, and — with `--drain-after ms` — enters
 * maintenance so the other node sees it drain.
 *
 * `bun examples/mesh_node.ts --nats nats://127.0.0.1:4222 --node 1 --drain-after 2500 --run-for 6000`
 *
 * @module
 */

import process from "node:process";
import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import type { PeerSnapshot } from "../mod.ts";

function flag(name: string, fallback?: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : fallback;
  if (value === undefined) throw new Error(`mesh_node.ts: --${name} is required`);
  return value;
}

const runtime = "Bun" in globalThis ? "Bun" : "Deno";
const nodeId = BigInt(flag("node"));
const label = `[${runtime} node ${nodeId}]`;
const drainAfter = Number(flag("drain-after", "0"));
const runFor = Number(flag("run-for", "6000"));

const sdk = await MeshOsDaemonSdk.start({ thisNode: nodeId, tickIntervalMs: 100n }, {
  bus: { nats: { servers: flag("nats"), mesh: "demo" } },
});
const handle = await sdk.registerDaemon(
  { name: `${runtime.toLowerCase()}-worker`, process: () => [], requiredCapabilities: [`runtime:${runtime.toLowerCase()}`] },
  Identity.generate(),
);
console.log(`${label} up on NATS mesh "demo"`);

function describe(id: bigint, peer: PeerSnapshot): string {
  return `node ${id}: ${peer.health}, rtt ${peer.rttMs ?? "?"} ms, ${peer.maintenance}, ` +
    `capabilities [${peer.capabilitySet.join(", ")}], version ${peer.softwareVersion}`;
}

const lastSeen = new Map<bigint, string>();
const watch = setInterval(async () => {
  for (const [id, peer] of (await handle.refreshMetadata()).peers) {
    if (peer.rttMs === null) continue; // wait for the first round trip
    const line = describe(id, peer).replace(/rtt \d+ ms, /, "");
    if (lastSeen.get(id) === line) continue;
    lastSeen.set(id, line);
    console.log(`${label} sees ${describe(id, peer)}`);
  }
}, 100);

if (drainAfter > 0) {
  setTimeout(() => {
    console.log(`${label} operator: enterMaintenance({ drainForMs: 10000 })`);
    sdk.admin.enterMaintenance({ drainForMs: 10_000 });
    void handle.exit().then(() => console.log(`${label} daemon acknowledged the drain; node is ${sdk.snapshot().maintenance.state}`));
  }, drainAfter);
}

setTimeout(async () => {
  clearInterval(watch);
  const mesh = sdk.snapshot().mesh;
  console.log(`${label} heartbeats: ${mesh.heartbeatsSent} sent, ${mesh.heartbeatsReceived} received, ${mesh.heartbeatsFailed} failed`);
  await sdk.shutdown();
}, runFor);
