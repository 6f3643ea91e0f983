/**
 * A Worker that attaches to a shared ring — a JsRecordRing's buffer, or a native ring's handle —
 * and pushes numbered records (ring_worker_test).
 */
import { JsRecordRing } from "../src/ffi/js_record_ring.ts";
import { loadNativeBackend } from "../src/ffi/native.ts";
import type { RecordRing } from "../src/ffi/ring_backend.ts";

interface Job {
  buffer?: SharedArrayBuffer;
  handle?: number;
  producer: number;
  count: number;
}

/** Payload: seq as u32, then (seq % 23) bytes derived from seq and producer. */
function payload(producer: number, seq: number): Uint8Array {
  const out = new Uint8Array(4 + (seq % 23));
  new DataView(out.buffer).setUint32(0, seq, true);
  for (let i = 4; i < out.length; i++) out[i] = (seq + i * 7 + producer) & 0xff;
  return out;
}

const scope = globalThis as unknown as {
  onmessage: ((event: { data: Job }) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (event) => {
  const { buffer, handle, producer, count } = event.data;
  const ring: RecordRing = buffer ? JsRecordRing.attach(buffer) : (await loadNativeBackend()).attachRing(handle!);
  scope.postMessage({ attached: producer }); // the next Worker may open the library now
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let seq = 0;
  let spins = 0;
  while (seq < count) {
    const batch = seq % 2 === 0
      ? [payload(producer, seq)]
      : [payload(producer, seq), payload(producer, seq + 1)].slice(0, count - seq);
    const pushed = batch.length === 1 ? (ring.tryPush(batch[0], producer) ? 1 : 0) : ring.pushBatch(batch, producer);
    seq += pushed;
    if (pushed === 0) {
      spins++;
      Atomics.wait(nap, 0, 0, 0.05); // full: give the consumer the core (2 vCPU machines)
    }
  }
  ring.close();
  scope.postMessage({ producer, spins });
};
