// A node in its own process for the failover tests:
// `<runtime> failover_node.ts <nats url> <mesh> <node id> <movable daemons>` joins the NATS mesh,
// adds the "tally" factory, registers that many movable tally daemons (printing "daemon <id>" for
// each), prints "ready" and runs until killed — or until its parent goes (stdin closes).
//
// A tally daemon takes payloads "e:<n>" and keeps, in its snapshot, which n it saw, how many
// it saw twice, and whether its ingress chain ever skipped a sequence. "report" makes it output
// {count, dupes, gaps, node}.
import process from "node:process";
import { Identity, MeshOsDaemonSdk } from "../../mod.ts";
import type { CausalEvent, MeshOsDaemon } from "../../mod.ts";

const [url, mesh, nodeArg, daemonsArg] = process.argv.slice(2);
const node = BigInt(nodeArg);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Up to this many distinct event numbers per daemon. */
const MAX_EVENTS = 1 << 16;

function tally(): MeshOsDaemon {
  let seen = new Uint8Array(MAX_EVENTS / 8);
  let count = 0;
  let dupes = 0;
  let gaps = 0;
  let lastSequence = -1n;
  return {
    name: "tally",
    process(event: CausalEvent) {
      if (lastSequence >= 0n && event.sequence !== lastSequence + 1n) gaps++;
      lastSequence = event.sequence;
      const payload = text(event.payload);
      if (payload === "report") {
        return [new TextEncoder().encode(JSON.stringify({ count, dupes, gaps, node: nodeArg }))];
      }
      const n = Number(payload.slice(2));
      const bit = 1 << (n & 7);
      if (seen[n >> 3] & bit) dupes++;
      else count++;
      seen[n >> 3] |= bit;
      return [];
    },
    snapshot: () => new TextEncoder().encode(JSON.stringify({ count, dupes, gaps, lastSequence: String(lastSequence), seen: Array.from(seen) })),
    restore(state: Uint8Array) {
      const saved = JSON.parse(text(state));
      ({ count, dupes, gaps } = saved);
      lastSequence = BigInt(saved.lastSequence);
      seen = Uint8Array.from(saved.seen);
    },
  };
}

const sdk = await MeshOsDaemonSdk.start({ thisNode: node, tickIntervalMs: 20n }, {
  bus: { nats: { servers: url, mesh } },
  failover: { replicateEveryEvents: 40, replicateEveryMs: 100, afterUnreachableMs: 0 },
});
sdk.registerFactory("tally", tally);
for (let i = 0; i < Number(daemonsArg); i++) {
  const handle = await sdk.registerMovable("tally", Identity.generate());
  console.log(`daemon ${handle.daemonId}`);
}
console.log("ready");
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
