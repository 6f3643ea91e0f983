/**
 * Events across nodes: a sending node (this process) and a hosting node (a child process of the
 * same runtime) on one local `nats-server`, and the same two nodes on the in-memory bus (one
 * process, no network) for comparison. Measured, in one run:
 *
 * - the raw JetStream publish rate of the same client (`@nats-io/jetstream`), one message per
 *   event, 256 unacknowledged at a time — the baseline;
 * - cross-node throughput: `ingestBatch` of 1,000 events, 16 batches unacknowledged, until the
 *   daemon on the other node processed all of them;
 * - end-to-end latency at a fixed offered load (100 k events/s: 100 events every ms for 3 s), from
 *   `ingest` to `process()` on the other node, p50 and p99 (each payload carries its send time:
 *   `performance.timeOrigin + performance.now()`, one clock on one machine).
 *
 * Usage: `bun bench/mesh_bench.ts [--quick] [--out FILE]` (Deno: `deno run -A`). Numbers only.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import type { MeshOsBusOption } from "../mod.ts";
import { startNatsServer } from "../tests/_nats_server.ts";
import { writeFileSync } from "node:fs";
import { isQuick } from "./_output.ts";
import { runtimeLabel } from "./_measure.ts";

const PAYLOAD_BYTES = 32;
const BATCH = 1_000;
const IN_FLIGHT = 16;
const OFFERED_PER_MS = 100; // 100 k events/s
const HOST_DAEMON = Identity.fromSeed(new Uint8Array(32).fill(0x42));
const wallMs = () => performance.timeOrigin + performance.now();

/** One case of the report. */
export interface MeshMeasurement {
  name: string;
  bus: "nats" | "memory" | "jetstream";
  eventsPerSec: number;
  /** Latency from send to process(), ms, at the fixed offered load. */
  p50Ms?: number;
  p99Ms?: number;
  /** Events the other side counted (a check that everything arrived). */
  events: number;
  /** Bus messages that carried them. */
  messages?: number;
}

/** What the hosting node reports after each phase. */
interface HostReport {
  processed: number;
  lastAtMs: number;
  latencies: number[];
}

/** A hosting node: a daemon that records the send time each payload carries. */
async function hostNode(bus: MeshOsBusOption) {
  const sdk = await MeshOsDaemonSdk.start({ thisNode: 2n, tickIntervalMs: 100n, inboxCapacity: 65_536 }, { bus });
  let report: HostReport = { processed: 0, lastAtMs: 0, latencies: [] };
  let sampleLatency = false;
  const handle = await sdk.registerDaemon({
    name: "bench-host",
    process: (event) => {
      const now = wallMs();
      if (sampleLatency) {
        const view = new DataView(event.payload.buffer, event.payload.byteOffset, 8);
        report.latencies.push(now - view.getFloat64(0, true));
      }
      report.processed++;
      report.lastAtMs = now;
      return null;
    },
  }, HOST_DAEMON);
  return {
    sdk,
    handle,
    /** Starts a phase now; resolves with its report once `events` were processed. */
    phase(events: number, latency: boolean): Promise<HostReport> {
      report = { processed: 0, lastAtMs: 0, latencies: [] };
      sampleLatency = latency;
      const phaseReport = report;
      return (async () => {
        while (phaseReport.processed < events) await new Promise((resolve) => setTimeout(resolve, 2));
        return phaseReport;
      })();
    },
  };
}

function payload(): Uint8Array {
  const bytes = new Uint8Array(PAYLOAD_BYTES);
  new DataView(bytes.buffer).setFloat64(0, wallMs(), true);
  return bytes;
}

/** Sends `total` events in batches with `IN_FLIGHT` unacknowledged; resolves when all are durable. */
async function sendThroughput(sdk: MeshOsDaemonSdk, daemonId: bigint, total: number): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  const batch = Array.from({ length: BATCH }, payload);
  for (let sent = 0; sent < total; sent += BATCH) {
    const p: Promise<unknown> = sdk.ingestBatch(daemonId, batch).finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= IN_FLIGHT) await Promise.race(pending);
  }
  await Promise.all(pending);
}

/** `total` events at 100 per ms (each stamped as it is sent); resolves when all are durable. */
async function sendFixedLoad(sdk: MeshOsDaemonSdk, daemonId: bigint, total: number): Promise<number> {
  const start = performance.now();
  const sends: Promise<unknown>[] = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(performance.now() - start) * OFFERED_PER_MS);
    if (due > sent) {
      sends.push(sdk.ingestBatch(daemonId, Array.from({ length: due - sent }, payload)));
      sent = due;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(sends);
  return (performance.now() - start) / 1e3;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Waits until `sdk` knows where `daemonId` is (its host's heartbeat arrived). */
async function knows(sdk: MeshOsDaemonSdk, daemonId: bigint): Promise<void> {
  for (;;) {
    try {
      await sdk.ingestBatch(daemonId, []);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

// ── the hosting node as a child process: `--host <nats url>`; reads "phase <events> <latency>" ──

async function runHostProcess(url: string): Promise<void> {
  const host = await hostNode({ nats: { servers: url, mesh: "bench" } });
  process.stdin.once("close", () => process.exit(0)); // never outlive the sending node
  console.log("ready");
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, events, latency] = line.split(" ");
    if (command === "quit") break;
    const started = host.phase(Number(events), latency === "1");
    console.log("go"); // counting from here: the sender starts now
    const report = await started;
    const latencies = report.latencies;
    console.log(JSON.stringify({
      processed: report.processed,
      lastAtMs: report.lastAtMs,
      latencies: [],
      p50: latencies.length ? percentile(latencies, 0.5) : null,
      p99: latencies.length ? percentile(latencies, 0.99) : null,
      received: host.sdk.snapshot().mesh.framesReceived,
    }));
  }
  await host.sdk.shutdown();
  process.exit(0);
}

async function natsCases(total: number, loadMs: number): Promise<MeshMeasurement[]> {
  const server = await startNatsServer();
  const results: MeshMeasurement[] = [];
  const script = fileURLToPath(import.meta.url);
  const args = "Bun" in globalThis ? [script, "--host", server.url] : ["run", "-A", script, "--host", server.url];
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => (await lines.next()).value as string;
  /** Tells the hosting node to count `events`, and waits until it does. */
  const startPhase = async (events: number, latency: boolean) => {
    child.stdin!.write(`phase ${events} ${latency ? 1 : 0}\n`);
    if ((await next()) !== "go") throw new Error("the hosting node did not start the phase");
  };
  try {
    if ((await next()) !== "ready") throw new Error("the hosting node did not start");
    // Baseline: the same client publishing one JetStream message per event.
    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "RAW", subjects: ["raw.>"] });
    const js = jetstream(nc);
    const raw = Math.min(total, 200_000);
    const body = payload();
    let start = performance.now();
    const pending = new Set<Promise<unknown>>();
    for (let i = 0; i < raw; i++) {
      const p: Promise<unknown> = js.publish("raw.events", body).finally(() => pending.delete(p));
      pending.add(p);
      if (pending.size >= 256) await Promise.race(pending);
    }
    await Promise.all(pending);
    results.push({ name: "raw JetStream publish, one message per event (baseline)", bus: "jetstream", eventsPerSec: raw / ((performance.now() - start) / 1e3), events: raw, messages: raw });
    await nc.close();

    const sender = await MeshOsDaemonSdk.start({ thisNode: 1n, tickIntervalMs: 100n }, { bus: { nats: { servers: server.url, mesh: "bench" } } });
    await knows(sender, HOST_DAEMON.originHash);
    // Warm-up, then throughput.
    await startPhase(BATCH * 20, false);
    await sendThroughput(sender, HOST_DAEMON.originHash, BATCH * 20);
    await next();
    await startPhase(total, false);
    const framesBefore = sender.snapshot().mesh.framesSent;
    start = wallMs();
    await sendThroughput(sender, HOST_DAEMON.originHash, total);
    const done = JSON.parse(await next());
    results.push({
      name: `SDK ingestBatch(${BATCH}) → process() on the other node`,
      bus: "nats",
      eventsPerSec: total / ((done.lastAtMs - start) / 1e3),
      events: done.processed,
      messages: sender.snapshot().mesh.framesSent - framesBefore,
    });
    // Latency at a fixed offered load.
    const expected = Math.floor(loadMs) * OFFERED_PER_MS;
    await startPhase(expected, true);
    const seconds = await sendFixedLoad(sender, HOST_DAEMON.originHash, expected);
    const latency = JSON.parse(await next());
    results.push({
      name: `SDK at ${OFFERED_PER_MS} k events/s offered, ingest → process() on the other node`,
      bus: "nats",
      eventsPerSec: expected / seconds,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      events: latency.processed,
    });
    child.stdin!.write("quit\n");
    await sender.shutdown();
  } finally {
    child.kill();
    await server.stop();
  }
  return results;
}

async function memoryCases(total: number, loadMs: number): Promise<MeshMeasurement[]> {
  const mesh = `bench-${crypto.randomUUID().slice(0, 8)}`;
  const host = await hostNode({ memory: { mesh } });
  const sender = await MeshOsDaemonSdk.start({ thisNode: 1n, tickIntervalMs: 100n }, { bus: { memory: { mesh } } });
  const results: MeshMeasurement[] = [];
  const id = HOST_DAEMON.originHash;
  let phase = host.phase(BATCH * 20, false);
  await sendThroughput(sender, id, BATCH * 20);
  await phase;
  phase = host.phase(total, false);
  const start = wallMs();
  await sendThroughput(sender, id, total);
  const done = await phase;
  results.push({ name: `SDK ingestBatch(${BATCH}) → process() on the other node`, bus: "memory", eventsPerSec: total / ((done.lastAtMs - start) / 1e3), events: done.processed });
  const expected = Math.floor(loadMs) * OFFERED_PER_MS;
  phase = host.phase(expected, true);
  const seconds = await sendFixedLoad(sender, id, expected);
  const latency = await phase;
  results.push({
    name: `SDK at ${OFFERED_PER_MS} k events/s offered, ingest → process() on the other node`,
    bus: "memory",
    eventsPerSec: expected / seconds,
    p50Ms: percentile(latency.latencies, 0.5),
    p99Ms: percentile(latency.latencies, 0.99),
    events: latency.processed,
  });
  await sender.shutdown();
  await host.sdk.shutdown();
  return results;
}

const hostAt = process.argv.indexOf("--host");
if (hostAt >= 0) {
  await runHostProcess(process.argv[hostAt + 1]);
} else {
  const total = isQuick() ? 200_000 : 2_000_000;
  const loadMs = isQuick() ? 1_000 : 3_000;
  const results = [...await natsCases(total, loadMs), ...await memoryCases(total, loadMs)];
  const json = JSON.stringify({ runtime: runtimeLabel(), bench: "mesh", results }, null, 1);
  const at = process.argv.indexOf("--out");
  if (at >= 0 && process.argv[at + 1]) writeFileSync(process.argv[at + 1], json);
  else console.log(json);
  process.exit(0);
}
