// Behaviour change 1 of issue 9: a daemon's lifetime is deterministic. A handle nobody holds any
// more, collected by a forced GC, must not unregister its daemon (upstream's Rust `Drop` does;
// JavaScript's collector runs whenever it likes). Needs `Bun.gc` or Deno's `--v8-flags=--expose-gc`.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { Identity, type MeshOsDaemonSdk } from "../mod.ts";
import { hexId } from "../src/contract/u64.ts";
import { test } from "./_harness.ts";
import { echoDaemon, startManual } from "./_sdk_fixtures.ts";

function forceGc(): void {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) return bun.gc(true);
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, "run Deno with --v8-flags=--expose-gc: this test needs a forced collection");
  gc();
}

/** Registers a daemon and lets its handle go out of reach; returns the id and a probe of the handle. */
async function registerAndDrop(sdk: MeshOsDaemonSdk): Promise<{ daemonId: bigint; handle: WeakRef<object> }> {
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  return { daemonId: handle.daemonId, handle: new WeakRef(handle) };
}

test("a collected handle leaves its daemon registered and processing", async () => {
  const { sdk } = await startManual();
  const { daemonId, handle } = await registerAndDrop(sdk);
  // deref() keeps its target alive to the end of the current job, so each collection runs on a
  // task of its own, after the previous check.
  for (let round = 0; round < 20; round++) {
    await sleep(5);
    forceGc();
    await sleep(5); // finalizers run on a later task
    if (handle.deref() === undefined) break;
  }
  assert.equal(handle.deref(), undefined, "the handle was collected (else this test proves nothing)");
  forceGc();
  await sleep(5);
  const payloads = Array.from({ length: 64 }, (_, i) => new Uint8Array([i]));
  assert.equal(await sdk.ingestBatch(daemonId, payloads), 64);
  const outputs = sdk.outputs(daemonId)[Symbol.asyncIterator]();
  for (let i = 0; i < 64; i++) assert.deepEqual((await outputs.next()).value?.payload, new Uint8Array([i]));
  const row = sdk.snapshot().daemons.find((d) => d.daemonId === hexId(daemonId));
  assert.equal(row?.lifecycle, "running.normal");
  assert.equal(row?.counters.processed, 64);
  assert.ok(!sdk.snapshot().log.records.some((r) => r.message.includes("unregistered")), "nothing unregistered it");
  await sdk.shutdown();
});
