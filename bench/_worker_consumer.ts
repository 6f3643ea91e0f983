/**
 * The consuming side of `bench/worker_bench.ts`, run in a Worker: takes records from the main
 * thread by `postMessage` (one record or one batch per message) or from a ring shared with it (the
 * js ring's SharedArrayBuffer, or the native ring's library handle), reads the first byte of each,
 * and says `done` when a round's count has arrived.
 *
 * @module
 */

import { JsRecordRing } from "../src/ffi/js_record_ring.ts";
import { loadNativeBackend } from "../src/ffi/native.ts";
import type { RecordRing } from "../src/ffi/ring_backend.ts";

/** The first message: how records will arrive. */
export type ConsumerSetup =
  | { via: "message" }
  | { via: "js-ring"; buffer: SharedArrayBuffer }
  | { via: "native-ring"; handle: number };

/** Every later message: a round of `count` records (ring), or a record or batch (message). */
type Incoming = { round: number } | Uint8Array | Uint8Array[];

const scope = globalThis as unknown as {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
};

let ring: RecordRing | null = null;
let expected = 0;
let received = 0;
let checksum = 0;

function visit(bytes: Uint8Array, offset: number, _length: number, _type: number): void {
  checksum += bytes[offset];
}

/** Ring rounds: spin on the ring until `count` records came (the producer spins too). */
function drainRing(target: RecordRing, count: number): void {
  let got = 0;
  while (got < count) got += target.popBatchInPlace(4096, visit);
  scope.postMessage({ done: got, checksum });
}

function onRecord(message: Incoming): void {
  if (message instanceof Uint8Array) {
    received++;
    checksum += message[0];
  } else if (Array.isArray(message)) {
    received += message.length;
    for (const payload of message) checksum += payload[0];
  }
  if (received === expected) scope.postMessage({ done: received, checksum });
}

scope.onmessage = async (event) => {
  const data = event.data as ConsumerSetup | Incoming;
  if (typeof data === "object" && data !== null && "via" in data) {
    if (data.via === "js-ring") ring = JsRecordRing.attach(data.buffer);
    if (data.via === "native-ring") ring = (await loadNativeBackend()).attachRing(data.handle);
    scope.postMessage({ ready: true });
    return;
  }
  if (typeof data === "object" && data !== null && "round" in data) {
    if (ring) return drainRing(ring, data.round);
    expected = data.round;
    received = 0;
    scope.postMessage({ ready: true });
    return;
  }
  onRecord(data);
};
