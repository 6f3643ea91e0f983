// Config fields and start options honoured through the public SDK, the counters that say what
// was lost, default grace, and unknown daemon ids (issue 9's missing tests).
import assert from "node:assert/strict";
import { DEFAULT_GRACE_MS, Identity } from "../mod.ts";
import type { CausalEvent } from "../mod.ts";
import { test } from "./_harness.ts";
import { bytes, echoDaemon, rejectsWithKind, startManual } from "./_sdk_fixtures.ts";

test("outputCapacity bounds the outputs kept for late readers; evicted ones are counted in outputsDropped", async () => {
  const { sdk, clock } = await startManual({}, { outputCapacity: 3 });
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  sdk.ingestBatch(handle.daemonId, ["a", "b", "c", "d", "e"].map(bytes));
  await clock.advance(100);
  const row = sdk.snapshot().daemons[0];
  assert.equal(row.counters.outputs, 5);
  assert.equal(row.counters.outputsDropped, 2);
  const kept: CausalEvent[] = [];
  for await (const out of sdk.outputs(handle.daemonId)) {
    kept.push(out);
    if (kept.length === 3) break;
  }
  assert.deepEqual(kept.map((o) => new TextDecoder().decode(o.payload)), ["c", "d", "e"]); // the oldest went
  await sdk.shutdown();
});

test("events still in the inbox when a daemon stops are counted in discardedOnStop", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon({ name: "crashy", process: () => { throw new Error("no"); } }, Identity.generate());
  sdk.ingest(handle.daemonId, bytes("first")); // crashes: the daemon backs off 500 ms, the event waits for its retry
  await clock.advance(100);
  assert.equal(sdk.snapshot().daemons[0].lifecycle, "backingOff");
  assert.equal(await sdk.ingestBatch(handle.daemonId, ["x", "y", "z"].map(bytes)), 3); // queued behind the backoff
  await sdk.admin.stopDaemon(handle.daemonId, { graceMs: 0 });
  const row = sdk.snapshot().daemons.find((d) => d.name === "crashy")!;
  assert.equal(row.lifecycle, "stopped");
  assert.equal(row.counters.discardedOnStop, 4); // the event waiting for its retry, and the three behind it
  assert.equal(row.counters.processed, 0);
  await sdk.shutdown();
});

test("gracefulShutdown() with no grace sends Shutdown{5000n} and lasts 5000 ms for a daemon that never answers", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  let done = false;
  const shutdown = handle.gracefulShutdown().then(() => (done = true));
  assert.equal(DEFAULT_GRACE_MS, 5000n);
  const other = await sdk.registerDaemon(echoDaemon("watch"), Identity.generate());
  assert.equal(sdk.snapshot().daemons.find((d) => d.name === "echo")?.lifecycle.startsWith("stopping"), true);
  await clock.advance(4_999);
  assert.equal(done, false);
  await clock.advance(1);
  await shutdown;
  assert.equal(done, true);
  assert.deepEqual(sdk.snapshot().daemons.filter((d) => d.lifecycle !== "stopped").map((d) => d.name), ["watch"]);
  await other.exit();
  await sdk.shutdown();
});

test("the default grace also applies to admin.stopDaemon without graceMs", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const stopped = sdk.admin.stopDaemon(handle.daemonId);
  assert.deepEqual(await handle.nextControl(0n), { kind: "Shutdown", gracePeriodMs: 5000n });
  await clock.advance(5_000);
  await stopped;
  await sdk.shutdown();
});

test("tickIntervalMs is honoured: one tick per interval on the clock", async () => {
  const { sdk, clock } = await startManual({ tickIntervalMs: 250n });
  const ticks = () => sdk.snapshot().ticks;
  assert.equal(ticks(), 0);
  await clock.advance(249);
  assert.equal(ticks(), 0);
  await clock.advance(1);
  assert.equal(ticks(), 1);
  await clock.advance(750);
  assert.equal(ticks(), 4);
  await sdk.shutdown();
});

test("logRingCapacity bounds the log ring; overwritten records are counted in log.dropped", async () => {
  const { sdk } = await startManual({ logRingCapacity: 8 });
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate()); // logs "registered": 1 record
  for (let i = 0; i < 20; i++) await handle.publishLog("info", `line ${i}`);
  const log = sdk.snapshot().log;
  assert.equal(log.records.length, 8);
  assert.equal(log.dropped, 13); // 21 written, 8 kept
  assert.deepEqual(log.records.map((r) => r.message), Array.from({ length: 8 }, (_, i) => `line ${12 + i}`));
  await sdk.shutdown();
});

test("stopDaemon and restartDaemon on an unknown id are unknown_daemon naming the id", async () => {
  const { sdk } = await startManual();
  const detail = /^daemonId: no registered daemon has id 0x00000000000004d2 on this node or any peer; expected the daemonId of a live handle$/;
  await rejectsWithKind(sdk.admin.stopDaemon(1234n), "unknown_daemon", detail);
  await rejectsWithKind(() => sdk.admin.restartDaemon(1234n), "unknown_daemon", detail);
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  await handle.exit();
  await rejectsWithKind(() => sdk.admin.restartDaemon(handle.daemonId), "unknown_daemon"); // gone once it exits
  await sdk.shutdown();
});

test("DT-7 a restore() that throws is logged as an error with its text; the daemon goes on", async () => {
  const { sdk, clock } = await startManual();
  let processed = 0;
  let crashed = false;
  const handle = await sdk.registerDaemon({
    name: "bad-restore",
    process: (e) => {
      if (e.payload[0] === 0xcc && !crashed) {
        crashed = true;
        throw new Error("crash");
      }
      processed++;
      return [];
    },
    snapshot: () => new Uint8Array([1]),
    restore: (state) => { throw new Error(`stateless daemon cannot take ${state.length} bytes`); },
  }, Identity.generate());
  sdk.ingest(handle.daemonId, bytes("warm-up"));
  await clock.advance(100); // the state is saved
  sdk.ingest(handle.daemonId, new Uint8Array([0xcc]));
  await clock.advance(600); // crash, backoff, restore (throws), retry
  const error = sdk.snapshot().log.records.find((r) => r.message.startsWith("restore() threw"));
  assert.equal(error?.level, "error");
  assert.equal(error?.message, "restore() threw: stateless daemon cannot take 1 bytes");
  sdk.ingest(handle.daemonId, bytes("after"));
  await clock.advance(100);
  assert.equal(processed, 3); // warm-up, the retried event, after
  assert.equal(sdk.snapshot().daemons[0].lifecycle, "running.normal");
  await sdk.shutdown();
});
