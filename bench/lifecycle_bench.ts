/**
 * A daemon's lifecycle on one node (issue 10's registration rows): register then leave, in the
 * ways a daemon can — `exit()`, `gracefulShutdown(0)`, `admin.stopDaemon(id, { graceMs: 0 })` —
 * and registration alone up to 1,000 live daemons. Identities are made before the clock starts
 * (an ed25519 key pair costs ~240 µs, more than what is measured).
 *
 * Usage: `bun bench/lifecycle_bench.ts [--quick] [--out FILE]` (Deno: `deno run -A`). Numbers only.
 *
 * @module
 */

import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import type { MeshOsDaemonHandle } from "../mod.ts";
import type { Measurement } from "./_measure.ts";
import { isQuick, writeReport } from "./_output.ts";

const ROUNDS = isQuick() ? 200 : 1_000;
const daemon = { name: "idle", process: () => null };

async function cycles(name: string, leave: (sdk: MeshOsDaemonSdk, handle: MeshOsDaemonHandle) => Promise<void>): Promise<Measurement> {
  const sdk = await MeshOsDaemonSdk.start({ thisNode: 1n });
  const identities = Array.from({ length: ROUNDS * 2 }, () => Identity.generate());
  for (let i = 0; i < ROUNDS; i++) await leave(sdk, await sdk.registerDaemon(daemon, identities[i])); // warm-up
  const start = performance.now();
  for (let i = ROUNDS; i < 2 * ROUNDS; i++) await leave(sdk, await sdk.registerDaemon(daemon, identities[i]));
  const nsPerOp = ((performance.now() - start) * 1e6) / ROUNDS;
  await sdk.shutdown();
  return { name, group: "lifecycle", nsPerOp, opsPerSec: 1e9 / nsPerOp, samples: [nsPerOp] };
}

async function registrations(): Promise<Measurement> {
  const sdk = await MeshOsDaemonSdk.start({ thisNode: 1n });
  const identities = Array.from({ length: ROUNDS }, () => Identity.generate());
  const start = performance.now();
  for (const identity of identities) await sdk.registerDaemon(daemon, identity);
  const nsPerOp = ((performance.now() - start) * 1e6) / ROUNDS;
  await sdk.shutdown();
  return { name: `register only, up to ${ROUNDS} live daemons`, group: "lifecycle", nsPerOp, opsPerSec: 1e9 / nsPerOp, samples: [nsPerOp] };
}

writeReport("lifecycle", [
  await cycles("register + exit()", (_sdk, handle) => handle.exit()),
  await cycles("register + gracefulShutdown(0) (Shutdown delivered, unregistered)", (_sdk, handle) => handle.gracefulShutdown(0)),
  await cycles("register + admin.stopDaemon(id, { graceMs: 0 })", (sdk, handle) => sdk.admin.stopDaemon(handle.daemonId, { graceMs: 0 })),
  await registrations(),
]);
