// Run in its own process by tests/ring_hostile_input_test.ts: keeps the payload views a visitor
// was handed, closes the ring, frees more rings, then reads and writes the kept views. Before
// views pinned their memory this crashed the process (SIGSEGV); now it must print "survived".
import { loadRingBackend } from "../../src/ffi/load.ts";

const backend = await loadRingBackend({ prefer: "native" });
const kept: Uint8Array[] = [];
let region: Uint8Array | null = null;
for (let round = 0; round < 50; round++) {
  const ring = backend.createRing({ capacityBytes: 1 << 20, producers: "single" });
  ring.pushBatch(Array.from({ length: 16 }, (_, i) => new Uint8Array(1000).fill(i)));
  ring.popBatch(8, (payload) => kept.push(payload));
  ring.popBatchInPlace(8, (bytes) => (region = bytes));
  ring.close();
}
let sum = 0;
for (const view of kept) {
  for (let i = 0; i < view.length; i += 64) sum += view[i];
  view.fill(0xee); // writing into a closed ring's memory must not crash either
}
const last = region as Uint8Array | null;
if (last) sum += last[0];
console.log(`survived ${backend.name} ${kept.length} views ${sum >= 0}`);
