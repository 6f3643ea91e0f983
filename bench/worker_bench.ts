/**
 * Records across threads: the main thread produces 32-byte records, a Worker consumes them (reads
 * a byte of each). Compared: `postMessage` (one record per message, and 256 per message) against
 * the js ring (SharedArrayBuffer) and the native ring (Zig memory, attached by handle), pushed one
 * record per call and in batches of 256. Records per second, median of the rounds; both threads
 * spin on a full or empty ring (2 vCPUs: one each).
 *
 * Usage: `bun bench/worker_bench.ts` or `deno run -A bench/worker_bench.ts` [--quick] [--out FILE]
 */

import { FrameBuilder } from "../src/ffi/frame_builder.ts";
import { JsRecordRing } from "../src/ffi/js_record_ring.ts";
import { loadNativeBackend } from "../src/ffi/native.ts";
import { ringHandle } from "../src/ffi/_abi_rings.ts";
import type { RecordRing } from "../src/ffi/ring_backend.ts";
import type { Measurement } from "./_measure.ts";
import { isQuick, writeReport } from "./_output.ts";
import type { ConsumerSetup } from "./_worker_consumer.ts";

const quick = isQuick();
const ROUNDS = quick ? 3 : 7;
const BATCH = 256;
const PAYLOAD_BYTES = 32;
const RING_BYTES = 1 << 20;
const CONSUMER_URL = new URL("./_worker_consumer.ts", import.meta.url).href;

const payload = new Uint8Array(PAYLOAD_BYTES).map((_, i) => i + 1);
const batch = Array.from({ length: BATCH }, (_, i) => payload.map((b) => b ^ i));
const builder = new FrameBuilder(BATCH * 64);
for (const p of batch) builder.add(p, 1);
const frames = builder.frames;
const FRAME_BYTES = frames.length / BATCH;

/** A Worker and a way to wait for its next message. */
class Consumer {
  readonly worker = new Worker(CONSUMER_URL, { type: "module" });
  #waiting: ((data: unknown) => void) | null = null;

  constructor() {
    this.worker.onmessage = (event: MessageEvent) => {
      const wake = this.#waiting;
      this.#waiting = null;
      wake?.(event.data);
    };
  }

  /** Posts `message` and resolves with the Worker's next message. */
  ask(message: unknown): Promise<unknown> {
    const reply = this.next();
    this.worker.postMessage(message);
    return reply;
  }

  next(): Promise<unknown> {
    return new Promise((resolve) => (this.#waiting = resolve));
  }
}

/** How the main thread sends one round of `count` records. */
type Producer = (count: number) => void;

function ringProducer(ring: RecordRing, shape: "single" | "batch" | "frames"): Producer {
  if (shape === "single") {
    return (count) => {
      for (let i = 0; i < count; i++) while (!ring.tryPush(payload, 1));
    };
  }
  if (shape === "batch") {
    return (count) => {
      for (let sent = 0; sent < count; sent += BATCH) {
        let pushed = ring.pushBatch(batch, 1);
        while (pushed < BATCH) pushed += ring.pushBatch(batch.slice(pushed), 1);
      }
    };
  }
  return (count) => {
    for (let sent = 0; sent < count; sent += BATCH) {
      let pushed = ring.pushFrames(frames);
      while (pushed < BATCH) pushed += ring.pushFrames(frames.subarray(pushed * FRAME_BYTES));
    }
  };
}

/** Rounds of `count` records through `setup`; records per second at the median round. */
async function runCase(
  name: string,
  count: number,
  setup: ConsumerSetup,
  produce: Producer | "message-single" | "message-batch",
): Promise<Measurement> {
  const consumer = new Consumer();
  await consumer.ask(setup);
  const perRecordNs: number[] = [];
  try {
    for (let round = -1; round < ROUNDS; round++) { // round -1 warms up
      // Whole batches, so every shape sends exactly `records`.
      const records = Math.ceil((round < 0 ? count / 10 : count) / BATCH) * BATCH;
      let start: number;
      let done: Promise<unknown>;
      if (typeof produce === "function") {
        done = consumer.next();
        consumer.worker.postMessage({ round: records });
        start = performance.now();
        produce(records);
      } else {
        await consumer.ask({ round: records });
        done = consumer.next();
        start = performance.now();
        if (produce === "message-single") for (let i = 0; i < records; i++) consumer.worker.postMessage(payload);
        else for (let i = 0; i < records; i += BATCH) consumer.worker.postMessage(batch);
      }
      const reply = await done as { done: number };
      const elapsedMs = performance.now() - start;
      if (reply.done !== records) throw new Error(`${name}: ${reply.done} of ${records} records arrived`);
      if (round >= 0) perRecordNs.push((elapsedMs * 1e6) / records);
    }
  } finally {
    consumer.worker.terminate();
  }
  console.error(`${name}: ${perRecordNs.map((ns) => (1e3 / ns).toFixed(1)).join(" ")} M records/s`);
  const sorted = [...perRecordNs].sort((a, b) => a - b);
  const nsPerOp = sorted[sorted.length >> 1];
  return { name, group: "workers", nsPerOp, opsPerSec: 1e9 / nsPerOp, samples: perRecordNs };
}

// A pending reply from a Worker does not keep Bun's event loop alive by itself.
const keepAlive = setInterval(() => {}, 1000);
const results: Measurement[] = [];
const scale = quick ? 0.1 : 1;
results.push(await runCase("postMessage, 1 record per message", 200_000 * scale, { via: "message" }, "message-single"));
results.push(
  await runCase(`postMessage, ${BATCH} records per message`, 2_000_000 * scale, { via: "message" }, "message-batch"),
);

const jsRing = JsRecordRing.create({ capacityBytes: RING_BYTES, producers: "single" });
const jsSetup: ConsumerSetup = { via: "js-ring", buffer: jsRing.buffer as SharedArrayBuffer };
results.push(await runCase("js ring, tryPush 1 record", 2_000_000 * scale, jsSetup, ringProducer(jsRing, "single")));
results.push(await runCase(`js ring, pushBatch ${BATCH}`, 10_000_000 * scale, jsSetup, ringProducer(jsRing, "batch")));
results.push(
  await runCase(`js ring, pushFrames ${BATCH}`, 20_000_000 * scale, jsSetup, ringProducer(jsRing, "frames")),
);
jsRing.close();

let native: RecordRing | null = null;
try {
  native = (await loadNativeBackend()).createRing({ capacityBytes: RING_BYTES, producers: "single" });
} catch (err) {
  console.error(`native ring not measured: ${(err as Error).message}`);
}
if (native) {
  const nativeSetup: ConsumerSetup = { via: "native-ring", handle: ringHandle(native) };
  const label = `native ring (${"Bun" in globalThis ? "bun-ffi" : "deno-ffi"})`;
  results.push(await runCase(`${label}, tryPush 1 record`, 2_000_000 * scale, nativeSetup, ringProducer(native, "single")));
  results.push(
    await runCase(`${label}, pushBatch ${BATCH}`, 10_000_000 * scale, nativeSetup, ringProducer(native, "batch")),
  );
  results.push(
    await runCase(`${label}, pushFrames ${BATCH}`, 20_000_000 * scale, nativeSetup, ringProducer(native, "frames")),
  );
  native.close(); // every Worker that attached it has been terminated
}
clearInterval(keepAlive);
writeReport("workers", results);
