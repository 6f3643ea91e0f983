/** Prints which ring backend loads in this process (for tests/ring_load_test.ts). */
import { loadRingBackend } from "../src/ffi/load.ts";

const fallbacks: string[] = [];
try {
  const backend = await loadRingBackend({
    onFallback: (choice, reason) => fallbacks.push(`${choice}: ${reason.message}`),
  });
  const ring = backend.createRing({ capacityBytes: 64, producers: "single" });
  ring.tryPush(new Uint8Array([42]));
  let got = -1;
  ring.popBatch(1, (payload) => got = payload[0]);
  ring.close();
  console.log(JSON.stringify({ name: backend.name, got, fallbacks }));
} catch (err) {
  console.log(JSON.stringify({ error: (err as Error).message, fallbacks }));
}
