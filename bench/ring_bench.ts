/**
 * Micro-benchmark of the record rings: ns per record for push + pop, one record at a time and in
 * batches of 256, through each form of the API (`popBatch` views, `popBatchInPlace`, `pushFrames`),
 * on every backend that loads here, plus a plain JS array queue for scale. Writes JSON
 * measurements (see bench/_measure.ts) to `--out FILE` or stdout; `bench/run.sh` collects them.
 *
 * Usage: `bun bench/ring_bench.ts` or `deno run -A bench/ring_bench.ts` [--quick] [--out FILE]
 *   [--backend native|wasm|js]
 */

import process from "node:process";
import { FrameBuilder } from "../src/ffi/frame_builder.ts";
import { loadEveryBackend } from "../src/ffi/load.ts";
import type { RecordRing, RingBackend } from "../src/ffi/ring_backend.ts";
import { measure, type Measurement } from "./_measure.ts";
import { isQuick, writeReport } from "./_output.ts";

const quick = isQuick();
const RECORDS = quick ? 25_600 : 256_000;
const BATCH = 256;
const PAYLOAD_BYTES = 32;
const samples = quick ? 5 : 15;

const payload = new Uint8Array(PAYLOAD_BYTES).map((_, i) => i);
const batch = Array.from({ length: BATCH }, (_, i) => payload.map((b) => b ^ i));
const packed = new FrameBuilder(BATCH * 64);
for (const p of batch) packed.add(p, 1);
const frames = packed.frames;

/** What the visitors saw: a consumer that reads the first payload byte of each record. */
const seen = { bytes: 0 };
function visitView(p: Uint8Array, _type: number): void {
  seen.bytes += p[0];
}
function visitInPlace(bytes: Uint8Array, offset: number, _length: number, _type: number): void {
  seen.bytes += bytes[offset];
}

/** One way of moving records through a ring: `run` moves RECORDS of them. */
interface Shape {
  name: string;
  run(ring: RecordRing): () => void;
}

const SHAPES: Shape[] = [
  {
    name: "tryPush + popBatch(1), 1 record",
    run: (ring) => () => {
      for (let i = 0; i < RECORDS; i++) {
        ring.tryPush(payload, 1);
        ring.popBatch(1, visitView);
      }
    },
  },
  {
    name: "tryPush + popBatchInPlace(1), 1 record",
    run: (ring) => () => {
      for (let i = 0; i < RECORDS; i++) {
        ring.tryPush(payload, 1);
        ring.popBatchInPlace(1, visitInPlace);
      }
    },
  },
  {
    name: `pushBatch + popBatch, batch ${BATCH}`,
    run: (ring) => () => {
      for (let i = 0; i < RECORDS; i += BATCH) {
        ring.pushBatch(batch, 1);
        ring.popBatch(BATCH, visitView);
      }
    },
  },
  {
    name: `pushBatch + popBatchInPlace, batch ${BATCH}`,
    run: (ring) => () => {
      for (let i = 0; i < RECORDS; i += BATCH) {
        ring.pushBatch(batch, 1);
        ring.popBatchInPlace(BATCH, visitInPlace);
      }
    },
  },
  {
    name: `pushFrames + popBatchInPlace, batch ${BATCH} (frames packed once)`,
    run: (ring) => () => {
      for (let i = 0; i < RECORDS; i += BATCH) {
        ring.pushFrames(frames);
        ring.popBatchInPlace(BATCH, visitInPlace);
      }
    },
  },
  {
    name: `JS fill + pushFrames + popBatchInPlace, batch ${BATCH}`,
    run: (ring) => {
      const builder = new FrameBuilder(BATCH * 64);
      const words = new Int32Array(builder.bytes.buffer);
      return () => {
        for (let i = 0; i < RECORDS; i += BATCH) {
          builder.clear();
          for (let r = 0; r < BATCH; r++) {
            const word = builder.reserve(PAYLOAD_BYTES, 1) >> 2;
            for (let w = 0; w < PAYLOAD_BYTES / 4; w++) words[word + w] = r + w;
          }
          ring.pushFrames(builder.frames);
          ring.popBatchInPlace(BATCH, visitInPlace);
        }
      };
    },
  },
];

function ringCases(backend: RingBackend, producers: "single" | "multi"): Measurement[] {
  const mode = producers === "single" ? "spsc" : "mpsc";
  return SHAPES.map((shape) => {
    const ring = backend.createRing({ capacityBytes: 1 << 16, producers });
    const m = measure(`${backend.name} ${mode} ${shape.name}`, "ring", RECORDS, shape.run(ring), { samples });
    if (ring.depth() !== 0) throw new Error(`${m.name}: ${ring.depth()} records left behind`);
    ring.close();
    return { ...m, backend: backend.name, key: `${mode} ${shape.name}` };
  });
}

function arrayQueueCase(): Measurement {
  const queue: Uint8Array[] = [];
  const m = measure("js array queue push(copy)+shift, 1 record", "ring", RECORDS, () => {
    for (let i = 0; i < RECORDS; i++) {
      queue.push(payload.slice());
      visitView(queue.shift()!, 1);
    }
  }, { samples });
  return { ...m, backend: "array", key: "spsc tryPush + popBatch(1), 1 record" };
}

/** `--backend native|wasm|js`: measure one backend only (bench/run.sh gives each its own process,
 * so no backend runs on JIT state another left behind). */
const only = process.argv.includes("--backend") ? process.argv[process.argv.indexOf("--backend") + 1] : undefined;
const matches = (name: string) =>
  only === undefined || name === only || (only === "native" && (name === "bun-ffi" || name === "deno-ffi"));
const { loaded } = await loadEveryBackend();
const results: Measurement[] = [];
for (const backend of loaded.filter((b) => matches(b.name))) {
  results.push(...ringCases(backend, "single"), ...ringCases(backend, "multi"));
}
if (only === undefined || only === "js") results.push(arrayQueueCase());
if (seen.bytes === 0) throw new Error("the visitors saw no payload bytes");
writeReport("ring", results);
