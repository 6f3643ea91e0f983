/**
 * Daemons that move (issue 12), on one local `nats-server`, every node but the measuring one a
 * process of its own, events flowing all the while from a producer process:
 * - drain: the time from `enterMaintenance` to Maintenance (every daemon's DrainFinish sent) on a
 *   node hosting 100 movable daemons, which all move to its two peers;
 * - failover: the time from SIGKILL of a node hosting 100 movable daemons until its peers host
 *   every one (default policy: Unreachable after 5 s of silence, restored 1 s later).
 * Anchors (from Kubernetes' docs): a pod's default termination grace is 30 s
 * (`terminationGracePeriodSeconds`), and a lost node's pods are evicted after about 5 minutes
 * (`pod-eviction-timeout`, or the 300 s `tolerationSeconds` of `node.kubernetes.io/unreachable`).
 *
 * Usage: `<runtime> bench/move_bench.ts [--quick] [--out FILE]`; the child modes
 * `--node <url> <mesh> <id> <daemons>` and `--produce <url> <mesh> <ids…>` are this file too.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import type { MeshOsDaemon, MeshOsDaemonSdkOptions } from "../mod.ts";
import { startNatsServer } from "../tests/_nats_server.ts";
import { isQuick } from "./_output.ts";
import { runtimeLabel } from "./_measure.ts";

/** One measured move. */
export interface MoveMeasurement {
  name: string;
  daemons: number;
  /** Milliseconds from the cause (enterMaintenance, SIGKILL) to every daemon running elsewhere. */
  runs: number[];
  /** Events per second the producer offered, across the daemons. */
  offeredPerSec: number;
}

const DAEMONS = 100;
/** The producer sends each daemon this many events every `PRODUCE_EVERY_MS`. */
const EVENTS_PER_TICK = 4;
const PRODUCE_EVERY_MS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hex = (id: bigint) => `0x${id.toString(16).padStart(16, "0")}`;

function counter(): MeshOsDaemon {
  let count = 0;
  return {
    name: "counter",
    process: () => (count++, []),
    snapshot: () => new TextEncoder().encode(String(count)),
    restore: (state) => void (count = Number(new TextDecoder().decode(state))),
  };
}

function nodeOptions(url: string, mesh: string): MeshOsDaemonSdkOptions {
  return { bus: { nats: { servers: url, mesh } }, backendNotice: false };
}

async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  for (const giveUp = Date.now() + timeoutMs; Date.now() < giveUp;) {
    if (check()) return;
    await sleep(5);
  }
  throw new Error(`still waiting for ${what}`);
}

/** `--node`: a node with the counter factory and `daemons` movable counters (their ids printed). */
async function runNode(url: string, mesh: string, id: string, daemons: string): Promise<void> {
  const sdk = await MeshOsDaemonSdk.start({ thisNode: BigInt(id), tickIntervalMs: 20n }, nodeOptions(url, mesh));
  sdk.registerFactory("counter", counter);
  const ids: bigint[] = [];
  for (let i = 0; i < Number(daemons); i++) ids.push((await sdk.registerMovable("counter", Identity.generate())).daemonId);
  console.log(`ids ${ids.join(" ")}`);
  process.stdin.once("close", () => process.exit(0));
  process.stdin.resume();
}

/** `--produce`: events to every daemon in `ids`, `EVENTS_PER_TICK` each per tick, until stdin closes. */
async function runProducer(url: string, mesh: string, ids: bigint[]): Promise<void> {
  const sdk = await MeshOsDaemonSdk.start({ thisNode: 99n, tickIntervalMs: 100n }, nodeOptions(url, mesh));
  process.stdin.once("close", () => process.exit(0));
  process.stdin.resume();
  const payloads = Array.from({ length: EVENTS_PER_TICK }, () => new Uint8Array(16));
  await until("the daemons known", () => ids.every((id) => sdk.snapshot().mesh.peers.some((p) => p.daemons.includes(hex(id)))));
  console.log("producing");
  for (;;) {
    const tick = sleep(PRODUCE_EVERY_MS);
    await Promise.all(ids.map((id) => sdk.ingestBatch(id, payloads).catch(() => 0)));
    await tick;
  }
}

/** Starts this file in a child mode; resolves with the child and its first line that matches `ready`. */
async function child(args: string[], ready: RegExp): Promise<{ child: ChildProcess; line: string }> {
  const script = fileURLToPath(import.meta.url);
  const all = "Bun" in globalThis ? [script, ...args] : ["run", "-A", script, ...args];
  const proc = spawn(process.execPath, all, { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (chunk: Buffer) => {
      out += String(chunk);
      const match = out.split("\n").find((l) => ready.test(l));
      if (match) resolve(match);
    });
    proc.once("exit", (code) => reject(new Error(`${args[0]} child exited (${code})`)));
  });
  return { child: proc, line };
}

const offered = DAEMONS * EVENTS_PER_TICK * (1_000 / PRODUCE_EVERY_MS);

/** One drain: node 1 (here) with 100 movable daemons under load enters maintenance. */
async function drainOnce(url: string, round: number): Promise<number> {
  const mesh = `drain${round}x${Date.now() % 100_000}`;
  const children: ChildProcess[] = [];
  const sdk = await MeshOsDaemonSdk.start({ thisNode: 1n, tickIntervalMs: 20n }, nodeOptions(url, mesh));
  try {
    sdk.registerFactory("counter", counter);
    const ids: bigint[] = [];
    for (let i = 0; i < DAEMONS; i++) ids.push((await sdk.registerMovable("counter", Identity.generate())).daemonId);
    for (const id of ["2", "3"]) children.push((await child(["--node", url, mesh, id, "0"], /^ids/)).child);
    children.push((await child(["--produce", url, mesh, ...ids.map(String)], /^producing/)).child);
    await until("both peers healthy", () => sdk.snapshot().mesh.peers.filter((p) => p.health === "Healthy" && p.nodeId !== hex(99n)).length === 2);
    await sleep(2_000); // under load
    const started = performance.now();
    sdk.admin.enterMaintenance({ drainForMs: 60_000 });
    await until("Maintenance", () => sdk.snapshot().maintenance.state === "Maintenance");
    const took = performance.now() - started;
    const moved = sdk.snapshot().daemons.filter((d) => d.lifecycle !== "stopped").length;
    if (moved !== 0) throw new Error(`${moved} daemons did not move`);
    return took;
  } finally {
    for (const c of children) c.kill("SIGKILL");
    await sdk.shutdown();
  }
}

/** One failover: node 1 (a process) with 100 movable daemons under load is SIGKILLed. */
async function failoverOnce(url: string, round: number): Promise<number> {
  const mesh = `failover${round}x${Date.now() % 100_000}`;
  const children: ChildProcess[] = [];
  const observer = await MeshOsDaemonSdk.start({ thisNode: 8n, tickIntervalMs: 20n }, nodeOptions(url, mesh));
  try {
    const victim = await child(["--node", url, mesh, "1", String(DAEMONS)], /^ids/);
    children.push(victim.child);
    const ids = victim.line.split(" ").slice(1).map(BigInt);
    for (const id of ["2", "3"]) children.push((await child(["--node", url, mesh, id, "0"], /^ids/)).child);
    children.push((await child(["--produce", url, mesh, ...ids.map(String)], /^producing/)).child);
    await sleep(2_000); // under load
    const hostedBy = (nodes: string[]) => {
      const peers = observer.snapshot().mesh.peers.filter((p) => nodes.includes(p.nodeId) && p.health === "Healthy");
      return ids.every((id) => peers.some((p) => p.daemons.includes(hex(id))));
    };
    await until("the victim's daemons seen", () => hostedBy([hex(1n)]));
    victim.child.kill("SIGKILL");
    const started = performance.now();
    await until("every daemon on a survivor", () => hostedBy([hex(2n), hex(3n)]));
    return performance.now() - started;
  } finally {
    for (const c of children) c.kill("SIGKILL");
    await observer.shutdown();
  }
}

async function main(): Promise<void> {
  const rounds = isQuick() ? 1 : 3;
  const server = await startNatsServer();
  const results: MoveMeasurement[] = [];
  try {
    const drains: number[] = [];
    for (let round = 0; round < rounds; round++) drains.push(await drainOnce(server.url, round));
    results.push({ name: "enterMaintenance → Maintenance, every daemon moved to the two peers", daemons: DAEMONS, runs: drains, offeredPerSec: offered });
    const failovers: number[] = [];
    for (let round = 0; round < rounds; round++) failovers.push(await failoverOnce(server.url, round));
    results.push({ name: "SIGKILL → every daemon hosted by the two peers (Unreachable after 5 s, restored 1 s later)", daemons: DAEMONS, runs: failovers, offeredPerSec: offered });
  } finally {
    await server.stop();
  }
  const report = JSON.stringify({ runtime: runtimeLabel(), results }, null, 1);
  const at = process.argv.indexOf("--out");
  if (at >= 0 && process.argv[at + 1]) writeFileSync(process.argv[at + 1], report);
  else console.log(report);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === "--node") await runNode(rest[0], rest[1], rest[2], rest[3]);
else if (mode === "--produce") await runProducer(rest[0], rest[1], rest.slice(2).map(BigInt));
else {
  await main();
  process.exit(0);
}
