/**
 * What a user's project looks like: it imports the package by name. The consumer check in
 * `tests/consumer_test.ts` packs this repository, installs the tarball into a fresh project with
 * `bun add` (and a Deno workspace), copies this file there and runs it.
 *
 * @module
 */

import { Identity, MeshOsDaemonSdk } from "@meshos/sdk";

await using sdk = await MeshOsDaemonSdk.start();
const identity = Identity.fromSeed(new Uint8Array(32).fill(0x42));
const handle = await sdk.registerDaemon({ name: "consumer", process: (event) => [event.payload] }, identity);
sdk.ingest(handle.daemonId, new TextEncoder().encode("ping"));
for await (const out of sdk.outputs(handle.daemonId)) {
  const text = new TextDecoder().decode(out.payload);
  console.log(`consumer: daemon 0x${handle.daemonId.toString(16)} answered "${text}" as output #${out.sequence}`);
  break;
}
