/**
 * Scale (issue 10): 10,000 daemons registered on one node with small inboxes (16 records): the
 * registration rate per thousand as the node fills (linear means flat), the memory an idle
 * daemon holds (JS heap and resident set, after a full GC, over the empty node), and how long
 * `sdk.snapshot()` takes at 1,000, 5,000 and 10,000 daemons. Anchors: an idle Erlang process
 * ≈ 2.6 KB, an idle XState v6 actor ≈ 6.2 KiB (issue 10).
 *
 * Usage: `bun bench/scale_bench.ts [--quick] [--out FILE]`; Deno: `deno run -A --v8-flags=--expose-gc`.
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import process from "node:process";
import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import { isQuick } from "./_output.ts";
import { runtimeLabel } from "./_measure.ts";

/** What the scale run found. */
export interface ScaleReport {
  runtime: string;
  daemons: number;
  /** Registrations per second in each successive thousand. */
  perThousand: number[];
  heapBytesPerDaemon: number;
  rssBytesPerDaemon: number;
  /** Milliseconds of one `snapshot()` at each count. */
  snapshotMs: { daemons: number; ms: number }[];
}

const DAEMONS = isQuick() ? 2_000 : 10_000;
const STEP = 1_000;

function collect(): void {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) return bun.gc(true);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") throw new Error("run Deno with --v8-flags=--expose-gc: the memory figures need a full GC");
  gc();
}

function memory(): { heap: number; rss: number } {
  collect();
  collect();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

function snapshotMs(sdk: MeshOsDaemonSdk): number {
  const runs = 5;
  const start = performance.now();
  for (let i = 0; i < runs; i++) sdk.snapshot();
  return (performance.now() - start) / runs;
}

const identities = Array.from({ length: DAEMONS }, () => Identity.generate());
const sdk = await MeshOsDaemonSdk.start({ thisNode: 1n, inboxCapacity: 16 }, { backendNotice: false });
const daemon = { name: "idle", process: () => null };
const before = memory();
const perThousand: number[] = [];
const snapshots: { daemons: number; ms: number }[] = [];
for (let done = 0; done < DAEMONS; done += STEP) {
  const start = performance.now();
  for (let i = done; i < done + STEP; i++) await sdk.registerDaemon(daemon, identities[i]);
  perThousand.push(STEP / ((performance.now() - start) / 1e3));
  const count = done + STEP;
  if (count === 1_000 || count === 5_000 || count === DAEMONS) snapshots.push({ daemons: count, ms: snapshotMs(sdk) });
}
const after = memory();
const report: ScaleReport = {
  runtime: runtimeLabel(),
  daemons: DAEMONS,
  perThousand,
  heapBytesPerDaemon: (after.heap - before.heap) / DAEMONS,
  rssBytesPerDaemon: (after.rss - before.rss) / DAEMONS,
  snapshotMs: snapshots,
};
await sdk.shutdown();
const json = JSON.stringify(report, null, 1);
const at = process.argv.indexOf("--out");
if (at >= 0 && process.argv[at + 1]) writeFileSync(process.argv[at + 1], json);
else console.log(json);
process.exit(0);
