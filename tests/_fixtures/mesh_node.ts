// A node in its own process for the mesh fault tests: `<runtime> mesh_node.ts <nats url> <node id>`
// joins the NATS mesh "faults", registers one daemon, prints "ready" and runs until killed.
import process from "node:process";
import { Identity, MeshOsDaemonSdk } from "../../mod.ts";

const [url, nodeId] = process.argv.slice(2);
const sdk = await MeshOsDaemonSdk.start({ thisNode: BigInt(nodeId), tickIntervalMs: 100n }, {
  bus: { nats: { servers: url, mesh: "faults" } },
});
await sdk.registerDaemon({ name: "idle", process: () => [] }, Identity.generate());
console.log("ready");
setInterval(() => {}, 60_000);
