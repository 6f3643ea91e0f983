/**
 * End to end through the public SDK: `sdk.ingestBatch` (256 payloads of 32 bytes) → the inbox
 * ring → `process()` of a trivial daemon (one output per event: its payload) → the daemon's
 * output chain. Events per second, in-thread on each ring backend (with and without a reader of
 * `sdk.outputs()`), and with the daemon on a Worker.
 *
 * Usage: `bun bench/sdk_bench.ts` or `deno run -A bench/sdk_bench.ts` [--quick] [--out FILE]
 */

import process from "node:process";
import { setImmediate } from "node:timers";
import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import type { CausalEvent, MeshOsDaemon, MeshOsDaemonHandle } from "../mod.ts";
import type { Measurement } from "./_measure.ts";
import { isQuick, writeReport } from "./_output.ts";

const quick = isQuick();
const EVENTS = quick ? 51_200 : 512_000;
const ROUNDS = quick ? 3 : 7;
const BATCH = 256;
const batch = Array.from({ length: BATCH }, (_, i) => new Uint8Array(32).fill(i));
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const napMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Target {
  sdk: MeshOsDaemonSdk;
  /** Kept referenced: a handle that is garbage-collected unregisters its daemon. */
  handle: MeshOsDaemonHandle;
  daemonId: bigint;
  /** Events processed so far. */
  processed(): number;
  /** How to wait for the daemon to catch up. */
  wait(): Promise<void>;
}

/** Ingests `events` in batches, yielding whenever the inbox is full, until all are processed. */
async function pump(target: Target, events: number): Promise<void> {
  const start = target.processed();
  for (let sent = 0; sent < events;) {
    const accepted = await target.sdk.ingestBatch(target.daemonId, batch);
    sent += accepted;
    if (accepted < BATCH) await target.wait();
  }
  while (target.processed() - start < events) await target.wait();
}

async function measureRounds(name: string, target: Target, read?: () => number): Promise<Measurement> {
  await pump(target, EVENTS / 10); // warm-up
  const perEventNs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    await pump(target, EVENTS);
    perEventNs.push(((performance.now() - start) * 1e6) / EVENTS);
  }
  if (read && read() === 0) throw new Error(`${name}: the output reader saw nothing`);
  const nsPerOp = [...perEventNs].sort((a, b) => a - b)[perEventNs.length >> 1];
  return { name, group: "sdk", nsPerOp, opsPerSec: 1e9 / nsPerOp, samples: perEventNs };
}

async function inThread(backend: "native" | "wasm" | "js", withReader: boolean): Promise<Measurement | null> {
  let sdk: MeshOsDaemonSdk;
  try {
    sdk = await MeshOsDaemonSdk.start(undefined, { backend });
  } catch (err) {
    console.error(`${backend}: not measured (${(err as Error).message})`);
    return null;
  }
  try {
    if (backend !== "js" && sdk.backend === "js") return null; // fell back
    let processed = 0;
    const daemon: MeshOsDaemon = {
      name: "echo",
      process: (event: CausalEvent) => {
        processed++;
        return [event.payload];
      },
    };
    const handle = await sdk.registerDaemon(daemon, Identity.generate());
    let seen = 0;
    if (withReader) {
      (async () => {
        for await (const _output of sdk.outputs(handle.daemonId)) seen++;
      })();
    }
    const target: Target = { sdk, handle, daemonId: handle.daemonId, processed: () => processed, wait: nextTurn };
    const reader = withReader ? " + for-await reader of sdk.outputs()" : "";
    return await measureRounds(`in-thread, ${sdk.backend} inbox${reader}`, target, withReader ? () => seen : undefined);
  } finally {
    await sdk.shutdown();
  }
}

async function onWorker(): Promise<Measurement> {
  const sdk = await MeshOsDaemonSdk.start();
  try {
    const module = new URL("./_echo_daemon.ts", import.meta.url);
    const handle = await sdk.registerDaemon({ name: "echo" }, Identity.generate(), {
      worker: { module, exportName: "echo" },
    });
    const processed = () => sdk.snapshot().daemons[0].counters.processed;
    const target: Target = { sdk, handle, daemonId: handle.daemonId, processed, wait: () => napMs(1) };
    return await measureRounds("daemon on a Worker (js inbox in shared memory)", target);
  } finally {
    await sdk.shutdown();
  }
}

const results: Measurement[] = [];
for (const backend of ["native", "wasm", "js"] as const) {
  const measured = await inThread(backend, false);
  if (measured) results.push(measured);
}
for (const backend of ["native", "js"] as const) {
  const measured = await inThread(backend, true);
  if (measured) results.push(measured);
}
if (!process.argv.includes("--no-worker")) results.push(await onWorker());
writeReport("sdk", results);
