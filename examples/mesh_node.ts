/**
 * One node of the two-node mesh demo (`npm run demo:mesh`): joins a NATS mesh, registers a daemon,
 * prints what it sees of its peers whenever that changes; with `--send-to <node>` it ingests 1,000
 * events for that node's daemon and reads the daemon's outputs back over the bus; with
 * `--drain-after ms` it enters maintenance so the other node sees it drain.
 *
 * Each node's daemon identity comes from a seed made of its node id, so a node can name the
 * other's daemon without being told.
 *
 * `bun examples/mesh_node.ts --nats nats://127.0.0.1:4222 --node 1 --send-to 2 --drain-after 2500 --run-for 6000`
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
const sendTo = flag("send-to", "");
const EVENTS = 1_000;

/** The identity of node `id`'s daemon: the same on every node. */
const daemonIdentity = (id: bigint) => Identity.fromSeed(new Uint8Array(32).fill(Number(id)));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const sdk = await MeshOsDaemonSdk.start({ thisNode: nodeId, tickIntervalMs: 100n }, {
  bus: { nats: { servers: flag("nats"), mesh: "demo" } },
});
let processed = 0;
let first = "";
let last = "";
const handle = await sdk.registerDaemon(
  {
    name: `${runtime.toLowerCase()}-worker`,
    requiredCapabilities: [`runtime:${runtime.toLowerCase()}`],
    process: (event) => {
      last = text(event.payload);
      if (processed++ === 0) first = last;
      if (processed === EVENTS) {
        const { fromBus } = sdk.snapshot().daemons[0].counters;
        console.log(`${label} daemon processed ${processed} events from the mesh (${fromBus} over the bus), first "${first}", last "${last}"`);
      }
      return [new TextEncoder().encode(last.toUpperCase())];
    },
  },
  daemonIdentity(nodeId),
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

/** Once the other node's daemon is known: 1,000 events to it, and its outputs read back. */
async function sendEvents(to: bigint): Promise<void> {
  const target = daemonIdentity(to).originHash;
  for (;;) {
    try {
      await sdk.ingestBatch(target, []); // unknown_daemon until node `to`'s heartbeat lists it
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const outputs = sdk.outputs(target);
  const started = performance.now();
  const taken = await sdk.ingestBatch(target, Array.from({ length: EVENTS }, (_, i) => new TextEncoder().encode(`event ${i} from ${runtime}`)));
  console.log(`${label} ingested ${taken} events for node ${to}'s daemon: durable in JetStream after ${Math.round(performance.now() - started)} ms`);
  let read = 0;
  let lastOutput = "";
  for await (const output of outputs) {
    lastOutput = text(output.payload);
    if (++read === EVENTS) break;
  }
  console.log(`${label} read ${read} outputs of node ${to}'s daemon over the bus, last "${lastOutput}", ${Math.round(performance.now() - started)} ms after ingest`);
}
if (sendTo !== "") void sendEvents(BigInt(sendTo));

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
  console.log(`${label} heartbeats: ${mesh.heartbeatsSent} sent, ${mesh.heartbeatsReceived} received, ${mesh.heartbeatsFailed} failed; ` +
    `events: ${mesh.eventsSent} sent in ${mesh.framesSent} frames, ${mesh.eventsReceived} received, ${mesh.eventsFailed} failed`);
  await sdk.shutdown();
}, runFor);
