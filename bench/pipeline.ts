/**
 * A whole program for `hyperfine`: load one backend, push and pop 1 M records of 32 B in batches
 * of 256 (`pushBatch`, `popBatchInPlace`), exit. Measures startup (runtime + library load) plus
 * sustained throughput together.
 *
 * Usage: `bun bench/pipeline.ts native|wasm|js|array [records]`
 */

import process from "node:process";
import { type BackendChoice, loadBackend } from "../src/ffi/load.ts";

const choice = process.argv[2] ?? "native";
const records = Number(process.argv[3] ?? 1_000_000);
const BATCH = 256;
const batch = Array.from({ length: BATCH }, (_, i) => new Uint8Array(32).fill(i));
let sum = 0;

if (choice === "array") {
  const queue: Uint8Array[] = [];
  for (let i = 0; i < records; i += BATCH) {
    for (const payload of batch) queue.push(payload.slice());
    while (queue.length > 0) sum += queue.shift()![0];
  }
} else {
  const backend = await loadBackend(choice as BackendChoice);
  const ring = backend.createRing({ capacityBytes: 1 << 16, producers: "single" });
  for (let i = 0; i < records; i += BATCH) {
    if (ring.pushBatch(batch, 1) !== BATCH) throw new Error("ring unexpectedly full");
    ring.popBatchInPlace(BATCH, (bytes, offset) => sum += bytes[offset]);
  }
  ring.close();
}
if (sum === 0) throw new Error("no payload bytes seen");
