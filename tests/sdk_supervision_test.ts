// Supervision through the public API (product decision 13): crash → backoff → restore → retry,
// dead letters, crash-looping, forced restart — all on a manual clock.
import assert from "node:assert/strict";
import { Identity } from "../mod.ts";
import type { CausalEvent, MeshOsDaemon } from "../mod.ts";
import { test } from "./_harness.ts";
import { bytes, startManual } from "./_sdk_fixtures.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Counts processed payloads; throws the first `failures` times it sees "poison". */
function flaky(failures: number): MeshOsDaemon & { count: number; restored: number[] } {
  let left = failures;
  return {
    name: "flaky",
    count: 0,
    restored: [],
    process(event: CausalEvent) {
      if (decoder.decode(event.payload) === "poison" && left-- > 0) throw new Error("poisoned");
      this.count++;
      return [];
    },
    snapshot() {
      return encoder.encode(String(this.count));
    },
    restore(state: Uint8Array) {
      this.count = Number(decoder.decode(state));
      this.restored.push(this.count);
    },
  };
}

test("a daemon that throws twice on one payload restarts twice, restores, and succeeds on the third try", async () => {
  const { sdk, clock } = await startManual();
  const daemon = flaky(2);
  const handle = await sdk.registerDaemon(daemon, Identity.generate());
  sdk.ingestBatch(handle.daemonId, [bytes("a"), bytes("b")]);
  await clock.advance(0);
  daemon.count = 999; // state the snapshot did not see: a restore must undo it
  sdk.ingestBatch(handle.daemonId, [bytes("poison"), bytes("after")]);
  await clock.advance(0);
  assert.equal(sdk.snapshot().daemons[0].lifecycle, "backingOff");
  assert.deepEqual(sdk.snapshot().daemons[0].restart.state, "backingOff");
  await clock.advance(500); // first backoff: 500 ms
  assert.equal(sdk.snapshot().daemons[0].lifecycle, "backingOff"); // crashed again on retry, now 1 s
  await clock.advance(1000);
  const row = sdk.snapshot().daemons[0];
  assert.equal(row.lifecycle, "running.normal");
  assert.equal(row.counters.crashes, 2);
  assert.equal(row.counters.restarts, 2);
  assert.deepEqual(daemon.restored, [2, 2]);
  assert.equal(daemon.count, 4); // a, b, poison (third try), after
  assert.equal(row.counters.processed, 4);
  assert.deepEqual(sdk.snapshot().deadLetters, []);
  await sdk.shutdown();
});

test("events queued during a restart are kept and processed after it", async () => {
  const { sdk, clock } = await startManual();
  const daemon = flaky(1);
  const handle = await sdk.registerDaemon(daemon, Identity.generate());
  sdk.ingest(handle.daemonId, bytes("poison"));
  await clock.advance(0);
  assert.equal(await sdk.ingestBatch(handle.daemonId, [bytes("x"), bytes("y")]), 2);
  assert.equal(sdk.snapshot().daemons[0].counters.inboxDepth, 3);
  await clock.advance(500);
  assert.equal(daemon.count, 3);
  assert.equal(sdk.snapshot().daemons[0].counters.inboxDepth, 0);
  await sdk.shutdown();
});

test("a daemon that always throws ends crash-looping and its poison events are dead-lettered", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon({ name: "doomed", process: () => { throw new Error("always"); } }, Identity.generate());
  sdk.ingestBatch(handle.daemonId, [bytes("p1"), bytes("p2")]);
  await clock.advance(0);
  // crashes at 0, 500, 1500 (p1 dead-lettered), 3500, 7500 → the 5th crash within 60 s trips the loop gate
  await clock.advance(500 + 1000 + 2000 + 4000);
  const row = sdk.snapshot().daemons[0];
  assert.equal(row.lifecycle, "crashLooping");
  assert.equal(row.restart.state, "crashLooping");
  assert.equal(row.counters.crashes, 5);
  const letters = sdk.snapshot().deadLetters;
  assert.equal(letters.length, 1);
  assert.equal(letters[0].attempts, 3);
  assert.equal(letters[0].sequence, "1");
  assert.equal(letters[0].error, "always");
  assert.equal(atob(letters[0].payloadBase64), "p1");
  await clock.advance(5 * 60_000 - 1);
  assert.equal(sdk.snapshot().daemons[0].lifecycle, "crashLooping");
  await sdk.shutdown();
});

test("admin.restartDaemon clears the crash-loop gate at once", async () => {
  const { sdk, clock } = await startManual({}, { backoff: { crashLoopThreshold: 1 } });
  const daemon = flaky(1);
  const handle = await sdk.registerDaemon(daemon, Identity.generate());
  sdk.ingest(handle.daemonId, bytes("poison"));
  await clock.advance(0);
  assert.equal(sdk.snapshot().daemons[0].lifecycle, "crashLooping");
  sdk.admin.restartDaemon(handle.daemonId);
  await clock.advance(0);
  const row = sdk.snapshot().daemons[0];
  assert.equal(row.lifecycle, "running.normal");
  assert.equal(row.restart.state, "idle");
  assert.equal(daemon.count, 1);
  await sdk.shutdown();
});

test("health() and saturation() are polled every tick; bad values are logged once", async () => {
  const { sdk, clock } = await startManual();
  let health: unknown = "healthy";
  await sdk.registerDaemon({
    name: "moody",
    process: () => [],
    health: () => health as "healthy",
    saturation: () => { throw new Error("no gauge"); },
  }, Identity.generate());
  await clock.advance(100);
  assert.deepEqual(sdk.snapshot().daemons[0].health, { kind: "healthy", reason: null });
  health = "on-fire";
  await clock.advance(300);
  health = { kind: "unhealthy" };
  await clock.advance(100);
  const snap = sdk.snapshot();
  assert.deepEqual(snap.daemons[0].health, { kind: "unhealthy", reason: null });
  assert.equal(snap.daemons[0].saturation, 0);
  const complaints = snap.log.records.filter((r) => r.message.startsWith("health() returned \"on-fire\""));
  assert.equal(complaints.length, 1);
  assert.equal(snap.log.records.filter((r) => r.message === "saturation() threw: no gauge").length, 1);
  await sdk.shutdown();
});
