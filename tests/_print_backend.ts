/**
 * Prints, as one JSON line, which ring backend loads in this process and what was passed over
 * (for tests/ring_load_test.ts, which runs it with chosen permissions and environment).
 *
 * `deno run _print_backend.ts` / `bun _print_backend.ts` use `loadRingBackend()` (the automatic
 * choice); with an argument `native`, `wasm` or `js`, `loadBackend` of that one (the backend asked
 * for); with `sdk`, `MeshOsDaemonSdk.start()` and its `backend`.
 *
 * @module
 */
import process from "node:process";
import { MeshOsSdkError } from "../src/errors/meshos_sdk_error.ts";
import { type BackendChoice, loadBackend, loadRingBackend } from "../src/ffi/load.ts";
import type { RingBackend } from "../src/ffi/ring_backend.ts";

/** An error as the report shows it: kind and detail of a MeshOsSdkError, else its class and message. */
function describe(err: unknown): { kind: string; detail: string } {
  if (err instanceof MeshOsSdkError) return { kind: err.kind, detail: err.detail };
  return { kind: `not a MeshOsSdkError: ${(err as Error)?.name}`, detail: String((err as Error)?.message ?? err) };
}

function roundTrip(backend: RingBackend): number {
  const ring = backend.createRing({ capacityBytes: 64, producers: "single" });
  ring.tryPush(new Uint8Array([42]));
  let got = -1;
  ring.popBatch(1, (payload) => got = payload[0]);
  ring.close();
  return got;
}

const mode = process.argv[2];
const fallbacks: { choice: string; kind: string; detail: string }[] = [];
try {
  if (mode === "sdk") {
    // Imported only here: the loader's own runs may have no permissions at all.
    const { MeshOsDaemonSdk } = await import("../mod.ts");
    const sdk = await MeshOsDaemonSdk.start();
    console.log(JSON.stringify({ name: sdk.backend, fallbacks }));
    await sdk.shutdown();
  } else {
    const backend = mode === undefined
      ? await loadRingBackend({ onFallback: (choice, reason) => fallbacks.push({ choice, ...describe(reason) }) })
      : await loadBackend(mode as BackendChoice);
    console.log(JSON.stringify({ name: backend.name, got: roundTrip(backend), fallbacks }));
  }
} catch (err) {
  console.log(JSON.stringify({ error: describe(err), fallbacks }));
}
