/**
 * The js backend's rings live in a SharedArrayBuffer: Workers attach to the same ring and push
 * concurrently; every record arrives once, in order per producer, intact.
 */

import assert from "node:assert/strict";
import { test } from "./_harness.ts";
import { JsRecordRing } from "../src/ffi/js_record_ring.ts";

const RECORDS_PER_PRODUCER = 10_000;

async function runProducers(producers: "single" | "multi", workers: number): Promise<void> {
  const ring = JsRecordRing.create({ capacityBytes: 1 << 16, producers });
  assert.ok(ring.buffer instanceof SharedArrayBuffer);
  const url = new URL("./_ring_worker_producer.ts", import.meta.url).href;
  const running = Array.from({ length: workers }, (_, producer) => {
    const worker = new Worker(url, { type: "module" });
    const done = new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (event) => reject(new Error(String((event as ErrorEvent).message)));
    });
    worker.postMessage({ buffer: ring.buffer, producer, count: RECORDS_PER_PRODUCER });
    return { worker, done };
  });
  const nextSeq = new Array(workers).fill(0);
  let received = 0;
  const allDone = Promise.all(running.map((r) => r.done));
  try {
    const deadline = Date.now() + 60_000;
    while (received < workers * RECORDS_PER_PRODUCER && Date.now() < deadline) {
      const popped = ring.popBatch(4096, (payload, producer) => {
        // Plain comparisons per record (node:assert per byte would dominate the run time).
        const seq = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0, true);
        let intact = producer < workers && seq === nextSeq[producer] && payload.length === 4 + (seq % 23);
        for (let i = 4; intact && i < payload.length; i++) intact = payload[i] === ((seq + i * 7 + producer) & 0xff);
        if (!intact) {
          assert.fail(`producer ${producer}: record ${seq} (expected ${nextSeq[producer]}) is wrong: ${payload}`);
        }
        nextSeq[producer]++;
      });
      received += popped;
      if (popped === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await allDone;
    assert.equal(received, workers * RECORDS_PER_PRODUCER);
    assert.deepEqual(nextSeq, new Array(workers).fill(RECORDS_PER_PRODUCER));
    assert.equal(ring.depth(), 0);
  } finally {
    for (const { worker } of running) worker.terminate();
    ring.close();
  }
}

test("js ring across Workers: one producer Worker, every record once, in order, intact", async () => {
  await runProducers("single", 1);
});

test("js ring across Workers: three producer Workers (multi), every record once, in order per producer", async () => {
  await runProducers("multi", 3);
});
