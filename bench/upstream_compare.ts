/**
 * Our side of bench/upstream_compare.sh: the operations of bench/upstream/compare.py (upstream
 * net-mesh 0.45.1 through its Python binding), with the same counts, on this runtime's default
 * backend. Each async call is awaited, as a daemon author writes it.
 *
 * Usage: `bun bench/upstream_compare.ts [--quick]` (Deno: `deno run -A`) — prints one JSON object.
 *
 * @module
 */

import process from "node:process";
import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import { runtimeLabel } from "./_measure.ts";

const QUICK = process.argv.includes("--quick");
const LOG_LINES = QUICK ? 20_000 : 200_000;
const CYCLES = QUICK ? 500 : 2_000;
const POLLS = QUICK ? 100_000 : 1_000_000;
const EVENTS = QUICK ? 100_000 : 1_000_000;
const BATCH = 1_000;

const rate = (count: number, ms: number) => ({ opsPerSec: count / (ms / 1e3), nsPerOp: (ms * 1e6) / count });
const idle = { name: "idle", process: () => null };
const results: Record<string, { opsPerSec: number; nsPerOp: number }> = {};

const sdk = await MeshOsDaemonSdk.start({ thisNode: 1n, eventQueueCapacity: LOG_LINES * 2 });
const handle = await sdk.registerDaemon(idle, Identity.generate());
let start = performance.now();
for (let i = 0; i < LOG_LINES; i++) await handle.publishLog("info", "a log line of about forty bytes, say");
results.publishLog = rate(LOG_LINES, performance.now() - start);

start = performance.now();
for (let i = 0; i < POLLS; i++) await handle.tryNextControl();
results.tryNextControl = rate(POLLS, performance.now() - start);

const identities = Array.from({ length: CYCLES }, () => Identity.generate());
start = performance.now();
for (const identity of identities) await (await sdk.registerDaemon(idle, identity)).gracefulShutdown(0);
results.registerShutdown = rate(CYCLES, performance.now() - start);

let processed = 0;
const echo = await sdk.registerDaemon({ name: "echo", process: (event) => (processed++, [event.payload]) }, Identity.generate());
const batch = Array.from({ length: BATCH }, () => new Uint8Array(32));
start = performance.now();
for (let sent = 0; sent < EVENTS;) {
  sent += await sdk.ingestBatch(echo.daemonId, batch);
  while (sent - processed >= 4 * BATCH) await new Promise((resolve) => setTimeout(resolve, 0));
}
while (processed < EVENTS) await new Promise((resolve) => setTimeout(resolve, 0));
results.eventsIntoProcess = rate(EVENTS, performance.now() - start);
await sdk.shutdown();
console.log(JSON.stringify({ runtime: `${runtimeLabel()} (${sdk.backend})`, results }));
