/**
 * Rings shared between Workers — the js backend's (a SharedArrayBuffer) and the native one's (a
 * library handle): Workers attach to the same ring and push concurrently; every record arrives
 * once, in order per producer, intact. The native library is always built by the test script, so
 * a native ring that cannot be made fails these tests.
 */

import assert from "node:assert/strict";
import { test } from "./_harness.ts";
import { ringHandle } from "../src/ffi/_abi_rings.ts";
import { JsRecordRing } from "../src/ffi/js_record_ring.ts";
import { loadNativeBackend } from "../src/ffi/native.ts";
import type { RecordRing } from "../src/ffi/ring_backend.ts";

const RECORDS_PER_PRODUCER = 10_000;

async function runProducers(producers: "single" | "multi", workers: number, native = false): Promise<void> {
  const options = { capacityBytes: 1 << 16, producers };
  const ring: RecordRing = native ? (await loadNativeBackend()).createRing(options) : JsRecordRing.create(options);
  const shared = native ? { handle: ringHandle(ring) } : { buffer: (ring as JsRecordRing).buffer };
  const url = new URL("./_ring_worker_producer.ts", import.meta.url).href;
  const running: { worker: Worker; done: Promise<void> }[] = [];
  for (let producer = 0; producer < workers; producer++) {
    const worker = new Worker(url, { type: "module" });
    let attached!: () => void;
    const ready = new Promise<void>((resolve) => attached = resolve);
    const done = new Promise<void>((resolve, reject) => {
      worker.onmessage = (event) => ("attached" in event.data ? attached() : resolve());
      worker.onerror = (event) => reject(new Error(String((event as ErrorEvent).message)));
    });
    worker.postMessage({ ...shared, producer, count: RECORDS_PER_PRODUCER });
    running.push({ worker, done });
    // One Worker opens the native library at a time (concurrent first opens can crash bun:ffi).
    await Promise.race([ready, done]);
  }
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
    await allDone; // every Worker has closed its view: the ring may be freed after this
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

test("native ring across Workers: one producer Worker attached by handle, every record once, in order, intact", async () => {
  await runProducers("single", 1, true);
});

test("native ring across Workers: three producer Workers (multi), every record once, in order per producer", async () => {
  await runProducers("multi", 3, true);
});
