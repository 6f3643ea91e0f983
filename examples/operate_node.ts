/**
 * One node of `npm run demo:operate`: joins the NATS mesh "operate", trusts the demo operator,
 * registers the "counter" factory, and — with `--movable K` — K movable counters. It prints which
 * counters it hosts whenever that changes, and at the end how far each got.
 *
 * `bun examples/operate_node.ts --nats nats://127.0.0.1:4222 --node 1 --movable 3 --run-for 9000`
 *
 * @module
 */

import process from "node:process";
import { Identity, MeshOsDaemonSdk, OperatorIdentity } from "../mod.ts";
import type { CausalEvent } from "../mod.ts";

function flag(name: string, fallback?: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : fallback;
  if (value === undefined) throw new Error(`operate_node.ts: --${name} is required`);
  return value;
}

/** The demo's operator and counters come from fixed seeds, so every process can name them. */
export const demoOperator = () => OperatorIdentity.fromSeed(new Uint8Array(32).fill(0x0d));
export const counterIdentity = (i: number) => Identity.fromSeed(new Uint8Array(32).fill(0x40 + i));

if (import.meta.main) {
  const runtime = "Bun" in globalThis ? "Bun" : "Deno";
  const nodeId = BigInt(flag("node"));
  const label = `[${runtime} node ${nodeId}]`;
  const counts = new Map<string, number>();
  const sdk = await MeshOsDaemonSdk.start({ thisNode: nodeId, tickIntervalMs: 20n }, {
    bus: { nats: { servers: flag("nats"), mesh: "operate" } },
    operators: { trusted: [demoOperator().publicKeyHex] },
  });
  sdk.registerFactory("counter", () => {
    let count = 0;
    return {
      name: "counter",
      process(_event: CausalEvent) {
        count++;
        return [new TextEncoder().encode(String(count))];
      },
      snapshot: () => new TextEncoder().encode(String(count)),
      restore: (state: Uint8Array) => void (count = Number(new TextDecoder().decode(state))),
    };
  });
  for (let i = 0; i < Number(flag("movable", "0")); i++) await sdk.registerMovable("counter", counterIdentity(i));
  let hosted = "";
  const watch = setInterval(() => {
    const mine = sdk.snapshot().daemons.filter((d) => d.lifecycle !== "stopped");
    for (const d of mine) counts.set(d.daemonId, d.counters.processed);
    const now = `${mine.length} counter(s)`;
    if (now !== hosted) console.log(`${label} hosts ${(hosted = now)}`);
  }, 50);
  setTimeout(async () => {
    clearInterval(watch);
    console.log(`${label} is ${sdk.snapshot().maintenance.state}; events processed here per counter: ${[...counts.values()].join(", ") || "none"}`);
    await sdk.shutdown();
  }, Number(flag("run-for", "9000")));
}
