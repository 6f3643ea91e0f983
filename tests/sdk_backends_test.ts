/**
 * The SDK on each ring backend: the same scenario — register, a burst larger than one pump batch
 * that overfills the inbox, logs in and out of the log ring, a full event queue, shutdown — runs
 * on native (bun-ffi or deno-ffi), wasm and js, and each run checks it is on the backend it asked
 * for. Every other SDK test runs on the default (native) only.
 */

import assert from "node:assert/strict";
import { Identity, type MeshOsDaemonSdkOptions } from "../mod.ts";
import type { CausalEvent } from "../mod.ts";
import { hexId } from "../src/contract/u64.ts";
import { runtimeName, test } from "./_harness.ts";
import { rejectsWithKind, startManual } from "./_sdk_fixtures.ts";

/** Events the inbox holds; the burst is larger, and larger than one pump batch (1024 records). */
const INBOX_CAPACITY = 2048;
/** Events ingested at once: the inbox takes {@link INBOX_CAPACITY}, the rest are refused. */
const BURST = 3000;
/** Log lines the event queue holds before `publishLog` is `queue_full`. */
const EVENT_QUEUE_CAPACITY = 2;

const BACKENDS: { choice: NonNullable<MeshOsDaemonSdkOptions["backend"]>; name: string }[] = [
  { choice: "native", name: runtimeName === "bun" ? "bun-ffi" : "deno-ffi" },
  { choice: "wasm", name: "wasm" },
  { choice: "js", name: "js" },
];

/** Payload `i`: its index as a little-endian u32. */
function indexed(i: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, i, true);
  return out;
}

function indexOf(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0, true);
}

for (const { choice, name } of BACKENDS) {
  test(`sdk on ${choice}: burst past a pump batch and a full inbox, logs, queue_full, shutdown`, async () => {
    const ingress = Identity.generate();
    const { sdk, clock } = await startManual(
      { thisNode: 9n, inboxCapacity: INBOX_CAPACITY, eventQueueCapacity: EVENT_QUEUE_CAPACITY },
      { backend: choice, ingressIdentity: ingress },
    );
    assert.equal(sdk.backend, name, `asked for ${choice}`);
    assert.equal(sdk.snapshot().backend, name);

    const seen: CausalEvent[] = [];
    // One output per event: its index, then a marker byte.
    const handle = await sdk.registerDaemon(
      { name: `on-${choice}`, process: (event) => { seen.push(event); return [new Uint8Array([...event.payload, 0xee])]; } },
      Identity.generate(),
    );

    // Logs go through the event queue into the backend's log ring; the third finds the queue full.
    const published = await Promise.allSettled([1, 2, 3].map((i) => handle.publishLog(i === 2 ? "warn" : "info", `line ${i}`)));
    assert.deepEqual(published.map((r) => r.status), ["fulfilled", "fulfilled", "rejected"]);
    await rejectsWithKind(
      Promise.reject((published[2] as PromiseRejectedResult).reason),
      "queue_full",
      /^MeshOS event queue at capacity; daemon log line dropped$/,
    );
    await clock.advance(100);
    const lines = sdk.snapshot().log.records.filter((r) => r.daemonId === hexId(handle.daemonId) && r.message.startsWith("line "));
    assert.deepEqual(lines.map((r) => [r.level, r.message, r.nodeId]), [
      ["info", "line 1", "0x0000000000000009"],
      ["warn", "line 2", "0x0000000000000009"],
    ]);
    assert.ok(lines[0].seq < lines[1].seq);
    assert.equal(sdk.snapshot().eventQueue.rejected, 1);

    // The inbox takes what it holds and refuses the rest, counted.
    const accepted = sdk.ingestBatch(handle.daemonId, Array.from({ length: BURST }, (_, i) => indexed(i)));
    const oneMore = sdk.ingest(handle.daemonId, indexed(BURST)); // settled at once: the daemon has not run
    assert.equal(await accepted, INBOX_CAPACITY);
    assert.equal(await oneMore, false);
    await Promise.resolve(); // the first pump turn
    assert.ok(seen.length > 0 && seen.length < INBOX_CAPACITY, `one pump turn took ${seen.length} events`);
    for (let turn = 0; turn < 100 && seen.length < INBOX_CAPACITY; turn++) await clock.runDeferred();

    assert.equal(seen.length, INBOX_CAPACITY);
    seen.forEach((event, i) => {
      assert.equal(indexOf(event.payload), i, `event #${i} in order`);
      assert.equal(event.sequence, BigInt(i + 1));
      assert.equal(event.originHash, ingress.originHash);
    });
    const counters = sdk.snapshot().daemons[0].counters;
    assert.deepEqual(
      {
        ingested: counters.ingested,
        inboxRejected: counters.inboxRejected,
        processed: counters.processed,
        outputs: counters.outputs,
        processErrors: counters.processErrors,
        inboxDepth: counters.inboxDepth,
      },
      {
        ingested: INBOX_CAPACITY,
        inboxRejected: BURST - INBOX_CAPACITY + 1,
        processed: INBOX_CAPACITY,
        outputs: INBOX_CAPACITY,
        processErrors: 0,
        inboxDepth: 0,
      },
    );

    const outputs: CausalEvent[] = [];
    for await (const out of sdk.outputs(handle.daemonId)) {
      outputs.push(out);
      if (outputs.length === INBOX_CAPACITY) break;
    }
    outputs.forEach((out, i) => {
      assert.equal(indexOf(out.payload.subarray(0, 4)), i, `output #${i} in order`);
      assert.equal(out.payload[4], 0xee);
      assert.equal(out.sequence, BigInt(i + 1));
      assert.equal(out.originHash, handle.daemonId);
    });

    await sdk.shutdown();
    await rejectsWithKind(sdk.shutdown(), "already_shutdown");
    await rejectsWithKind(handle.publishLog("info", "after shutdown"), "loop_closed");
  });
}
