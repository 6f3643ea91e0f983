// After any crash the daemon's state reflects exactly the events whose outputs were emitted
// (issue 14 item 5): snapshot() is taken after every event that succeeds, so a restart never
// restores a state from before some of them. A property over random failure rates and batch
// shapes, in-thread, on a manual clock; and the same in a Worker for one fixed shape.
import assert from "node:assert/strict";
import fc from "fast-check";
import { Identity } from "../mod.ts";
import type { CausalEvent, MeshOsDaemon } from "../mod.ts";
import { test } from "./_harness.ts";
import { bytes, startManual } from "./_sdk_fixtures.ts";

const text = (payload: Uint8Array) => new TextDecoder().decode(payload);

/** Counts the events it processed; fails once on each index in `failOnce`; emits one output per success. */
function counter(failOnce: Set<number>): MeshOsDaemon & { count: number } {
  const failed = new Set<number>();
  return {
    name: "counter",
    count: 0,
    process(event: CausalEvent) {
      const index = Number(text(event.payload));
      if (failOnce.has(index) && !failed.has(index)) {
        failed.add(index);
        throw new Error(`fails once at ${index}`);
      }
      this.count++;
      return [event.payload];
    },
    snapshot() {
      return bytes(String(this.count));
    },
    restore(state: Uint8Array) {
      this.count = Number(text(state));
    },
  };
}

test("property: whatever fails, the restored state counts exactly the events whose outputs were emitted", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 20, max: 300 }),
      fc.double({ min: 0, max: 0.3, noNaN: true }),
      fc.integer({ min: 1, max: 64 }),
      fc.integer(),
      async (events, rate, batch, seed) => {
        let state = seed;
        const random = () => ((state = (Math.imul(state, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
        const failOnce = new Set<number>();
        for (let i = 0; i < events; i++) if (random() < rate) failOnce.add(i);
        const { sdk, clock } = await startManual({}, { backoff: { initialMs: 1, maxMs: 1, crashLoopThreshold: 1_000_000 } });
        const daemon = counter(failOnce);
        const handle = await sdk.registerDaemon(daemon, Identity.generate());
        for (let start = 0; start < events; start += batch) {
          const payloads = Array.from({ length: Math.min(batch, events - start) }, (_, i) => bytes(String(start + i)));
          assert.equal(await sdk.ingestBatch(handle.daemonId, payloads), payloads.length);
        }
        for (let turn = 0; turn < 10_000 && sdk.snapshot().daemons[0].counters.processed < events; turn++) {
          await clock.advance(100); // a restart happens on a tick
        }
        const counters = sdk.snapshot().daemons[0].counters;
        assert.equal(counters.processed, events);
        assert.equal(counters.outputs, events, "one output per event, each once");
        assert.equal(counters.crashes, failOnce.size);
        assert.equal(daemon.count, events, `the state counts ${daemon.count} of ${events} events, ${failOnce.size} failures`);
        await sdk.shutdown();
      },
    ),
    { numRuns: 25 },
  );
});
