/**
 * The demo: one node, one daemon, every part of the lifecycle, printed as it happens.
 * Run with `npm run demo` (Bun), `bash scripts/demo.sh --deno`, or `meshos demo` (any runtime).
 *
 * @module
 */

import process from "node:process";
import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import type { DaemonControl } from "../mod.ts";
import { ShoutingEcho, slowDaemon } from "./echo_daemon.ts";

const runtime = "Bun" in globalThis ? "Bun" : "Deno" in globalThis ? "Deno" : "Node.js";
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (what: string) => console.log(`[demo] ${what}`);

await using sdk = await MeshOsDaemonSdk.start({ thisNode: 0x42n, tickIntervalMs: 50n }, {
  ingressIdentity: Identity.fromSeed(new Uint8Array(32).fill(0x07)), // fixed, so the hashes below repeat
});
say(`${runtime}: node ${sdk.snapshot().nodeId} started, ring backend "${sdk.backend}"`);

const inspector = await sdk.inspect({ port: 0 });
say(`inspector: ${inspector.url} (statecharts, counters and log, live)`);

const daemon = new ShoutingEcho();
const identity = Identity.fromSeed(new Uint8Array(32).fill(0x42));
const handle = await sdk.registerDaemon(daemon, identity);
say(`registered "${handle.daemonName}" as daemon 0x${handle.daemonId.toString(16)}`);

// The daemon's control loop: acknowledges a drain with exit(), leaves on Shutdown.
const controlLoop = (async () => {
  for await (const event of handle.controlEvents()) {
    say(`daemon got control ${describe(event)}`);
    if (event.kind === "DrainStart") await handle.exit();
    if (event.kind === "Shutdown") break;
  }
  say("daemon control loop ended");
})();

await handle.publishLog("info", "shouting-echo is up");
const outputs = sdk.outputs(handle.daemonId)[Symbol.asyncIterator]();
sdk.ingestBatch(handle.daemonId, ["hello", "mesh"].map((t) => encoder.encode(t)));
for (let i = 0; i < 2; i++) {
  const out = (await outputs.next()).value!;
  say(`output #${out.sequence}: "${decoder.decode(out.payload)}" (parent hash 0x${out.parentHash.toString(16)})`);
}

say('ingest "boom": process() throws on the first attempt');
sdk.ingest(handle.daemonId, encoder.encode("boom"));
await waitFor(() => sdk.snapshot().daemons[0].lifecycle === "backingOff");
say(`daemon crashed → ${sdk.snapshot().daemons[0].lifecycle} (restart gate until +500 ms)`);
const retried = (await outputs.next()).value!;
const row = sdk.snapshot().daemons[0];
say(`restarted from its snapshot (seen=${daemon.seen}), retried: output #${retried.sequence} "${decoder.decode(retried.payload)}"; crashes ${row.counters.crashes}, restarts ${row.counters.restarts}`);

const slow = await sdk.registerDaemon(slowDaemon(40), Identity.fromSeed(new Uint8Array(32).fill(0x55)));
say(`burst of 5000 events into "${slow.daemonName}" (40 µs each)`);
const pressure = (async () => {
  const kinds: string[] = [];
  for await (const event of slow.controlEvents()) {
    kinds.push(describe(event));
    if (event.kind === "BackpressureOff") break;
  }
  return kinds;
})();
sdk.ingestBatch(slow.daemonId, Array.from({ length: 5000 }, (_, i) => encoder.encode(`event ${i}`)));
say(`slow daemon saw: ${(await pressure).join(" → ")}`);
await slow.exit();

say("operator: enterMaintenance({ drainForMs: 2000 })");
sdk.admin.enterMaintenance({ drainForMs: 2000 });
await waitFor(() => sdk.snapshot().maintenance.state === "Maintenance");
say(`node is in ${sdk.snapshot().maintenance.state}; daemon is ${sdk.snapshot().daemons[0].lifecycle}`);
say("operator: exitMaintenance()");
sdk.admin.exitMaintenance();
await waitFor(() => sdk.snapshot().maintenance.state === "Recovery");
say(`node is in ${sdk.snapshot().maintenance.state}; daemon is ${sdk.snapshot().daemons[0].lifecycle}`);

say("daemon: gracefulShutdown(2000n)");
const started = performance.now();
await handle.gracefulShutdown(2000n);
await controlLoop;
say(`graceful shutdown done in ${Math.round(performance.now() - started)} ms (acknowledged, not timed out)`);

say("log ring:");
for (const line of sdk.snapshot().log.records) {
  console.log(`  #${line.seq} ${line.level.padEnd(5)} ${line.daemonId ?? "node"}  ${line.message}`);
}
say(`controls seen by onControl(): ${daemon.controls.join(", ")}`);

if (process.argv.includes("--stay")) {
  say(`node stays up with its inspector at ${inspector.url}; Ctrl-C to stop`);
  await new Promise(() => {});
}

function describe(event: DaemonControl): string {
  if ("gracePeriodMs" in event) return `${event.kind}{gracePeriodMs: ${event.gracePeriodMs}}`;
  if ("level" in event) return `${event.kind}{level: ${event.level.toFixed(2)}}`;
  return event.kind;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(10);
  if (!condition()) throw new Error("demo: condition not reached within 5 s");
}
