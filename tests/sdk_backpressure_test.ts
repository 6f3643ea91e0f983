// Real backpressure (product decision 1): bus depth sampled each tick, edges and level re-sends.
import assert from "node:assert/strict";
import { Identity } from "../mod.ts";
import type { DaemonControl } from "../mod.ts";
import { test } from "./_harness.ts";
import { bytes, startManual } from "./_sdk_fixtures.ts";

test("a burst larger than one pump turn turns backpressure on, then off once drained", async () => {
  const { sdk, clock } = await startManual({ backpressureThreshold: 1000, backpressureRelease: 200, inboxCapacity: 8192 });
  const seen: DaemonControl[] = [];
  const handle = await sdk.registerDaemon({ name: "slow", process: () => [], onControl: (e) => void seen.push(e) }, Identity.generate());
  const burst = Array.from({ length: 3000 }, (_, i) => bytes(`event ${i}`));
  assert.equal(await sdk.ingestBatch(handle.daemonId, burst), 3000);
  const inboxDepth = () => sdk.snapshot().daemons[0].counters.inboxDepth;
  // One pump turn (1024) runs in microtasks; the next waits for a turn of the manual clock, so
  // the tick sees the rest.
  await clock.advance(100);
  const during = sdk.snapshot();
  assert.equal(during.backpressure.active, true);
  assert.equal(during.daemons[0].lifecycle, "running.backpressured");
  assert.equal(seen[0].kind, "BackpressureOn");
  assert.ok((seen[0] as { level: number }).level > 0);
  assert.equal((await handle.nextControl(0n))?.kind, "BackpressureOn");
  assert.equal(inboxDepth(), during.daemons[0].counters.inboxDepth, "the backlog waits for the clock's turn");

  // 1976 records left, 1024 a turn: the pump asks for two more turns, each one at a time.
  for (let turn = 0; turn < 3 && inboxDepth() > 0; turn++) {
    assert.equal(await clock.runDeferred(), 1, `turn ${turn}: one pump turn was waiting`);
  }
  assert.equal(inboxDepth(), 0);
  assert.equal(clock.pendingDeferred, 0);
  await clock.advance(100);
  const after = sdk.snapshot();
  assert.equal(after.backpressure.active, false);
  assert.equal(after.daemons[0].lifecycle, "running.normal");
  assert.equal(seen.at(-1)?.kind, "BackpressureOff");
  assert.equal(after.daemons[0].counters.processed, 3000);
  await sdk.shutdown();
});

test("a daemon whose own inbox passes its high-water mark gets the signal for itself", async () => {
  const { sdk, clock } = await startManual({ inboxCapacity: 64, backpressureThreshold: 100_000, backpressureRelease: 10 });
  const calm = await sdk.registerDaemon({ name: "calm", process: () => [] }, Identity.generate());
  // `stuck` crashes on its first event and sits in backingOff, so its inbox fills undrained.
  const stuck = await sdk.registerDaemon({ name: "stuck", process: () => { throw new Error("down"); } }, Identity.generate());
  sdk.ingest(stuck.daemonId, bytes("x"));
  await clock.advance(0);
  assert.equal(await sdk.ingestBatch(stuck.daemonId, Array.from({ length: 60 }, () => bytes("y"))), 60);
  await clock.advance(100);
  assert.equal(sdk.snapshot().backpressure.active, false);
  assert.equal((await stuck.nextControl(0n))?.kind, "BackpressureOn");
  assert.equal(await calm.nextControl(0n), null);
  await sdk.shutdown();
});
