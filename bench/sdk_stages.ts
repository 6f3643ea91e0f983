/**
 * Where an event's time goes on the SDK's in-thread path, stage by stage, measured alone with the
 * SDK's own code (ns per event, batches of 256 events of 32 bytes): the inbox ring, the copy out
 * of ring memory, the ingress causal stamp, `process()` and its output check, the output's causal
 * link and the output stream, and the xxh3 hash both links need. Compare the sum with the whole
 * path in `bench/sdk_bench.ts`.
 *
 * Usage: `bun bench/sdk_stages.ts` or `deno run -A bench/sdk_stages.ts` [--quick] [--out FILE]
 */

import { loadBackend } from "../src/ffi/load.ts";
import type { RecordRing } from "../src/ffi/ring_backend.ts";
import { CausalChain } from "../src/identity/causal_chain.ts";
import { ObservedHorizon } from "../src/identity/horizon.ts";
import { xxh3_64_into } from "../src/identity/xxh3.ts";
import { OutputStream } from "../src/runtime/output_stream.ts";
import { payloadCopier } from "../src/runtime/payload_copier.ts";
import { checkOutputs } from "../src/contract/daemon_spec.ts";
import type { CausalEvent } from "../src/contract/types.ts";
import { measure, type Measurement } from "./_measure.ts";
import { isQuick, writeReport } from "./_output.ts";

const quick = isQuick();
const EVENTS = quick ? 25_600 : 256_000;
const BATCH = 256;
const samples = quick ? 5 : 15;
const ORIGIN = 0x1234_5678_9abc_def0n;

const batch = Array.from({ length: BATCH }, (_, i) => new Uint8Array(32).fill(i));
const results: Measurement[] = [];
let sink = 0;

function stage(name: string, run: () => void): void {
  results.push({ ...measure(name, "stages", EVENTS, run, { samples }), key: name });
}

/** Ring stages on the backend the SDK picks by default. */
async function ringStages(): Promise<void> {
  let ring: RecordRing;
  let name: string;
  try {
    const backend = await loadBackend("native");
    ring = backend.createRing({ capacityBytes: 1 << 18, producers: "single" });
    name = backend.name;
  } catch {
    const backend = await loadBackend("js");
    ring = backend.createRing({ capacityBytes: 1 << 18, producers: "single" });
    name = backend.name;
  }
  stage(`1a inbox ring (${name}): pushBatch + popBatch (a view per record)`, () => {
    for (let i = 0; i < EVENTS; i += BATCH) {
      ring.pushBatch(batch);
      ring.popBatch(BATCH, (payload) => sink += payload.length);
    }
  });
  stage(`1b inbox ring (${name}): pushBatch + popBatchInPlace (no view; the pump)`, () => {
    for (let i = 0; i < EVENTS; i += BATCH) {
      ring.pushBatch(batch);
      ring.popBatchInPlace(BATCH, (_bytes, _offset, length) => sink += length);
    }
  });
  const copy = payloadCopier();
  let copied = 0;
  stage("2 = 1b + copy out of ring memory with payloadCopier (the pump)", () => {
    for (let i = 0; i < EVENTS; i += BATCH) {
      ring.pushBatch(batch);
      ring.popBatchInPlace(BATCH, (bytes, offset, length) => copied += copy(bytes, offset, length)[length - 1]);
    }
  });
  if (copied === 0) throw new Error("the copies were empty");
  ring.close();
}

/** The slot's `stamp`: the ingress chain's next link, the horizon, the event object. */
function stampStage(): void {
  const chain = new CausalChain(ORIGIN);
  const horizon = new ObservedHorizon();
  stage("3 ingress stamp: CausalChain.append + horizon.observe + event", () => {
    for (let i = 0; i < EVENTS; i++) {
      const payload = batch[i & 255];
      const { link } = chain.append(payload);
      horizon.observe(link.originHash, link.sequence);
      const event: CausalEvent = { ...link, payload };
      sink += event.payload.length;
    }
  });
  const scratch = new Uint8Array(64);
  const out = new Uint32Array(2);
  stage("3x of which: xxh3_64 of link + payload (64 bytes)", () => {
    for (let i = 0; i < EVENTS; i++) {
      scratch[0] = i;
      xxh3_64_into(scratch, out, { offset: 0, length: 64 });
      sink += out[0] & 1;
    }
  });
}

/** `process()` of the echo daemon and the slot's check of what it returned. */
function processStage(): void {
  const event: CausalEvent = { originHash: ORIGIN, horizonEncoded: 0n, sequence: 1n, parentHash: 0n, payload: batch[0] };
  const daemon = { process: (e: CausalEvent) => [e.payload] };
  stage("4 process() (echo) + checkOutputs", () => {
    for (let i = 0; i < EVENTS; i++) sink += checkOutputs(daemon.process(event)).length;
  });
}

/** The slot's `completed`: the output's link on the daemon's chain, then the output stream. */
function outputStages(): void {
  const chain = new CausalChain(ORIGIN + 1n);
  const horizon = new ObservedHorizon();
  horizon.observe(ORIGIN, 1n);
  const stream = new OutputStream(4096);
  stage("5 output: CausalChain.append + event + OutputStream.push (4096 kept)", () => {
    for (let i = 0; i < EVENTS; i++) {
      const payload = batch[i & 255];
      const { link } = chain.append(payload, horizon.encode());
      stream.push({ ...link, payload });
    }
  });
  const event: CausalEvent = { originHash: ORIGIN, horizonEncoded: 0n, sequence: 1n, parentHash: 0n, payload: batch[0] };
  const full = new OutputStream(4096);
  for (let i = 0; i < 4096; i++) full.push(event);
  stage("5x of which: OutputStream.push when full (4096 kept)", () => {
    for (let i = 0; i < EVENTS; i++) full.push(event);
  });
}

await ringStages();
stampStage();
processStage();
outputStages();
if (sink === 0) throw new Error("nothing was measured");
writeReport("stages", results);
