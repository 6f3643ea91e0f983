/**
 * Micro-benchmark of the record rings: ns per record for one push + one pop, and for batches of
 * 256, on every backend that loads here, plus a plain JS array queue for scale. Writes JSON
 * measurements (see bench/_measure.ts) to `--out FILE` or stdout; `bench/run.sh` collects them.
 *
 * Usage: `bun bench/ring_bench.ts` or `deno run -A bench/ring_bench.ts` [--quick] [--out FILE]
 */

import { loadEveryBackend } from "../src/ffi/load.ts";
import type { RecordRing, RingBackend } from "../src/ffi/ring_backend.ts";
import { measure, type Measurement } from "./_measure.ts";
import { isQuick, writeReport } from "./_output.ts";

const quick = isQuick();
const RECORDS = quick ? 20_000 : 200_000;
const BATCH = 256;
const PAYLOAD_BYTES = 32;
const samples = quick ? 5 : 15;

const payload = new Uint8Array(PAYLOAD_BYTES).map((_, i) => i);
const batch = Array.from({ length: BATCH }, (_, i) => payload.map((b) => b ^ i));
let sink = 0;
const visit = (p: Uint8Array, _type: number): void => {
  sink += p[0];
};

function single(ring: RecordRing): () => void {
  return () => {
    for (let i = 0; i < RECORDS; i++) {
      ring.tryPush(payload, 1);
      ring.popBatch(1, visit);
    }
  };
}

function batched(ring: RecordRing): () => void {
  return () => {
    for (let i = 0; i < RECORDS; i += BATCH) {
      ring.pushBatch(batch, 1);
      ring.popBatch(BATCH, visit);
    }
  };
}

function ringCases(backend: RingBackend, producers: "single" | "multi"): Measurement[] {
  const ring = backend.createRing({ capacityBytes: 1 << 16, producers });
  const mode = producers === "single" ? "spsc" : "mpsc";
  const out = [
    measure(`${backend.name} ${mode} push+pop, 1 record`, "ring", RECORDS, single(ring), { samples }),
    measure(`${backend.name} ${mode} push+pop, batch ${BATCH}`, "ring", RECORDS, batched(ring), { samples }),
  ];
  ring.close();
  return out;
}

function arrayQueueCase(): Measurement {
  const queue: Uint8Array[] = [];
  return measure("js array queue push(copy)+shift, 1 record", "ring", RECORDS, () => {
    for (let i = 0; i < RECORDS; i++) {
      queue.push(payload.slice());
      visit(queue.shift()!, 1);
    }
  }, { samples });
}

const { loaded } = await loadEveryBackend();
const results: Measurement[] = [];
for (const backend of loaded) {
  results.push(...ringCases(backend, "single"), ...ringCases(backend, "multi"));
}
results.push(arrayQueueCase());
if (sink === 0) throw new Error("the visitors saw no payload bytes");
writeReport("ring", results);
