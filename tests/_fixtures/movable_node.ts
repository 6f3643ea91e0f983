// A node in its own process for the tests of daemons that move (`_movable_nodes.ts`):
// `<runtime> movable_node.ts <nats url> <mesh> <node id> <movable daemons>` joins the NATS mesh,
// adds the "tally" factory, registers that many movable tally daemons (printing "daemon <id>" for
// each), prints "ready" and runs until killed — or until its parent goes (stdin closes).
// Mode "die-on-take-in": it kills itself (SIGKILL) when a peer hands it a daemon, a target that
// dies mid-move; "trust:<key>": it takes commands from the operator with that public key.
import process from "node:process";
import { Identity, MeshOsDaemonSdk } from "../../mod.ts";
import { tally } from "./tally_daemon.ts";

const [url, mesh, nodeArg, daemonsArg, mode] = process.argv.slice(2);
const node = BigInt(nodeArg);

const sdk = await MeshOsDaemonSdk.start({ thisNode: node, tickIntervalMs: 20n }, {
  bus: { nats: { servers: url, mesh } },
  failover: { replicateEveryEvents: 40, replicateEveryMs: 100, afterUnreachableMs: 0 },
  operators: { trusted: mode?.startsWith("trust:") ? [mode.slice("trust:".length)] : [] },
});
let built = 0;
sdk.registerFactory("tally", () => {
  // Its own registrations build daemons first; the next one is a peer's hand-off.
  if (mode === "die-on-take-in" && built++ === Number(daemonsArg)) process.kill(process.pid, "SIGKILL");
  return tally(nodeArg);
});
for (let i = 0; i < Number(daemonsArg); i++) {
  const handle = await sdk.registerMovable("tally", Identity.generate());
  console.log(`daemon ${handle.daemonId}`);
}
console.log("ready");
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
