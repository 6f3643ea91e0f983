// Helpers of the tests with movable daemons on nodes in their own processes
// (`_fixtures/movable_node.ts`), on a real nats-server: start a node, find where a daemon lives,
// send events, ask a tally daemon (`_fixtures/tally_daemon.ts`) what it counted.
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { MeshOsDaemonSdk, PeerRow } from "../mod.ts";
import type { TallyReport } from "./_fixtures/tally_daemon.ts";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const bytes = (value: string) => new TextEncoder().encode(value);

export async function until(what: string | (() => string), check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  for (const giveUp = Date.now() + timeoutMs; Date.now() < giveUp;) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`still waiting for ${typeof what === "string" ? what : what()}`);
}

/** A node process (`_fixtures/movable_node.ts`): resolves with the daemons it registered, once ready. */
export async function spawnNode(url: string, mesh: string, nodeId: bigint, daemons: number, mode = ""): Promise<{ child: ChildProcess; ids: bigint[] }> {
  const script = fileURLToPath(new URL("./_fixtures/movable_node.ts", import.meta.url));
  const args = [script, url, mesh, String(nodeId), String(daemons), mode];
  // stdin is a pipe the node watches: it exits when this process goes, however it goes.
  const child = spawn(process.execPath, "Bun" in globalThis ? args : ["run", "-A", ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const ids: bigint[] = [];
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += String(chunk);
      for (const match of out.matchAll(/^daemon (\d+)$/gm)) if (!ids.includes(BigInt(match[1]))) ids.push(BigInt(match[1]));
      if (/^ready$/m.test(out)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`node ${nodeId} exited early (${code})`)));
  });
  return { child, ids };
}

/** The peer that hosts `daemonId` as `sdk`'s peer table has it (null: none that is reachable). */
export function hostOf(sdk: MeshOsDaemonSdk, daemonId: bigint): PeerRow | null {
  const hex = `0x${daemonId.toString(16).padStart(16, "0")}`;
  return sdk.snapshot().mesh.peers.find((peer) => peer.daemons.includes(hex) && peer.health !== "Unreachable") ?? null;
}

/**
 * Asks tally daemon `id` (through `sdk`, wherever it runs) for its report until it counts
 * `expected` events; a daemon that lost events never gets there: the wait ends, naming what it
 * last reported.
 */
export async function reportOf(sdk: MeshOsDaemonSdk, id: bigint, expected: number): Promise<TallyReport> {
  const outputs = sdk.outputs(id)[Symbol.asyncIterator]();
  let report: TallyReport | null = null;
  await until(() => `daemon ${id} to report ${expected} events (last report: ${JSON.stringify(report)})`, async () => {
    await sdk.ingest(id, bytes("report"));
    let timer!: ReturnType<typeof setTimeout>;
    const next = await Promise.race([outputs.next(), new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 2_000)))]);
    clearTimeout(timer);
    if (next === null || next.done) return false;
    report = JSON.parse(new TextDecoder().decode(next.value.payload));
    return report!.count >= expected;
  }, 20_000);
  await outputs.return?.();
  return report!;
}

/** Sends `count` events "e:1"… to `id` in batches of 25, `pauseMs` apart; resolves with how many were acknowledged. */
export async function flow(sdk: MeshOsDaemonSdk, id: bigint, count: number, pauseMs: number, during?: (next: number) => void): Promise<number> {
  let acknowledged = 0;
  for (let next = 1; next <= count; next += 25) {
    during?.(next);
    await sdk.ingestBatch(id, Array.from({ length: 25 }, (_, i) => bytes(`e:${next + i}`)));
    acknowledged = next + 24;
    await sleep(pauseMs);
  }
  return acknowledged;
}

/** SIGKILLs every node process in `nodes` that still runs, and waits until each has exited. */
export async function killNodes(nodes: readonly ChildProcess[]): Promise<void> {
  await Promise.all(nodes.map((child) => {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    return exited;
  }));
}
