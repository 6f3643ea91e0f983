// Anything daemon code, a dispatcher or a getter throws — any value at all, including values with
// no prototype, whose String() throws — is contained, counted and logged (issue 14, item 3), and
// values are shown by type in messages (item 9).
import assert from "node:assert/strict";
import { Identity } from "../mod.ts";
import type { ActionDispatcher } from "../mod.ts";
import { describeValue, thrownText } from "../src/errors/meshos_sdk_error.ts";
import { test } from "./_harness.ts";
import { bytes, startManual } from "./_sdk_fixtures.ts";

const bare = () => Object.create(null);

test("a process() that throws a value with no prototype is a crash like any other; later events still run", async () => {
  const { sdk, clock } = await startManual();
  let processed = 0;
  let thrown = false;
  const handle = await sdk.registerDaemon({
    name: "bare-thrower",
    process: () => {
      if (!thrown) {
        thrown = true;
        throw bare();
      }
      processed++;
      return [];
    },
  }, Identity.generate());
  sdk.ingestBatch(handle.daemonId, [bytes("a"), bytes("b")]);
  await clock.advance(600); // crash, backoff 500 ms, retry
  const row = sdk.snapshot().daemons[0];
  assert.equal(row.counters.crashes, 1);
  assert.equal(processed, 2);
  assert.ok(sdk.snapshot().log.records.some((r) => r.level === "error" && r.message.endsWith(": {}")));
  await sdk.shutdown();
});

test("a health() that throws a value with no prototype is logged once and the tick loop goes on", async () => {
  const { sdk, clock } = await startManual();
  await sdk.registerDaemon({ name: "bare-health", process: () => [], health: () => { throw bare(); } }, Identity.generate());
  await clock.advance(500);
  const snap = sdk.snapshot();
  assert.equal(snap.ticks, 5);
  assert.deepEqual(snap.daemons[0].health, { kind: "healthy", reason: null });
  assert.equal(snap.log.records.filter((r) => r.message === "health() threw: {}").length, 1);
  await sdk.shutdown();
});

test("a dispatcher that throws a value with no prototype keeps being called, and each failure is counted", async () => {
  let calls = 0;
  const dispatcher: ActionDispatcher = { dispatch: () => { calls++; throw bare(); } };
  const { sdk, clock } = await startManual({}, { dispatcher });
  const handle = await sdk.registerDaemon({ name: "d", process: () => [] }, Identity.generate());
  sdk.admin.restartDaemon(handle.daemonId);
  await clock.advance(100);
  sdk.admin.restartDaemon(handle.daemonId);
  await clock.advance(100);
  assert.equal(calls, 2);
  assert.equal(sdk.snapshot().actions.failed, 2);
  assert.equal(sdk.snapshot().log.records.filter((r) => r.message.startsWith("dispatcher failed start_daemon")).length, 2);
  await sdk.shutdown();
});

test("thrown values read as text, whatever they are", () => {
  assert.equal(thrownText(new Error("boom")), "boom");
  assert.equal(thrownText("plain"), "plain");
  assert.equal(thrownText({ code: 7 }), '{"code":7}');
  assert.equal(thrownText(bare()), "{}");
  const liar = new Error("x");
  Object.defineProperty(liar, "message", { get: () => { throw new Error("no"); } });
  assert.equal(thrownText(liar), "{}");
  const hostile = new Proxy({}, { get: () => { throw new Error("trap"); }, ownKeys: () => { throw new Error("trap"); } });
  assert.equal(typeof thrownText(hostile), "string");
});

test("values in messages are named by type and size, not spoofable by their own properties", () => {
  assert.equal(describeValue(new Uint16Array(4)), "a Uint16Array(4)");
  assert.equal(describeValue(new ArrayBuffer(4)), "an ArrayBuffer of 4 bytes");
  assert.equal(describeValue(new DataView(new ArrayBuffer(3))), "a DataView of 3 bytes");
  assert.equal(describeValue(Promise.resolve(1)), "a Promise");
  assert.equal(describeValue(Symbol("s")), "Symbol(s)");
  assert.equal(describeValue(null), "null");
  const lying = new Uint8Array(1);
  Object.defineProperty(lying, "length", { value: 1 << 20 });
  assert.equal(describeValue(lying), "a Uint8Array of 1 bytes");
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  assert.equal(describeValue(circular), "an object JSON cannot show (a cycle, or a throwing toJSON)");
});
