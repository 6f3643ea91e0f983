// Deferred host turns (`Clock.defer`, what the in-thread pump yields with) on both clocks.
import assert from "node:assert/strict";
import { ManualClock, systemClock } from "../mod.ts";
import { test } from "./_harness.ts";

/** Resolves once `ran` holds `count` entries, polling on real timers (the harness bounds the wait). */
function untilRan(ran: string[], count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (ran.length >= count ? resolve() : void setTimeout(check, 1));
    check();
  });
}

test("ManualClock: deferred turns wait for runDeferred, run in order, and turns they defer wait for the next call", async () => {
  const clock = new ManualClock();
  const ran: string[] = [];
  clock.defer(() => {
    ran.push("a");
    clock.defer(() => ran.push("c"));
  });
  clock.defer(() => ran.push("b"));
  await clock.advance(1_000);
  assert.equal(ran.length, 0, "advance() leaves deferred turns alone");
  assert.equal(clock.pendingDeferred, 2);
  assert.equal(await clock.runDeferred(), 2);
  assert.deepEqual(ran, ["a", "b"]);
  assert.equal(await clock.runDeferred(), 1);
  assert.deepEqual(ran, ["a", "b", "c"]);
  assert.equal(await clock.runDeferred(), 0);
});

test("ManualClock: clearTimer cancels a deferred turn, even one a turn of the same call cancels", async () => {
  const clock = new ManualClock();
  const ran: string[] = [];
  let second = 0;
  clock.defer(() => {
    ran.push("first");
    clock.clearTimer(second);
  });
  second = clock.defer(() => ran.push("second"));
  clock.clearTimer(clock.defer(() => ran.push("cancelled")));
  assert.equal(await clock.runDeferred(), 1);
  assert.deepEqual(ran, ["first"]);
  assert.equal(clock.pendingDeferred, 0);
});

test("systemClock: defer runs on a later host turn, in order; clearTimer cancels it", async () => {
  const clock = systemClock();
  const ran: string[] = [];
  clock.defer(() => ran.push("a"));
  clock.clearTimer(clock.defer(() => ran.push("cancelled")));
  clock.defer(() => ran.push("b"));
  await Promise.resolve();
  assert.equal(ran.length, 0, "not on a microtask");
  await untilRan(ran, 2);
  clock.defer(() => ran.push("last")); // turns run in order: a cancelled one that ran would be before this
  await untilRan(ran, 3);
  assert.deepEqual(ran, ["a", "b", "last"]);
});

test("systemClock without setImmediate: defer goes through a MessageChannel that closes when idle", async () => {
  const host = globalThis as { setImmediate?: unknown };
  const saved = host.setImmediate;
  host.setImmediate = undefined;
  let clock;
  try {
    clock = systemClock();
  } finally {
    host.setImmediate = saved;
  }
  const ran: string[] = [];
  clock.defer(() => {
    ran.push("a");
    clock.defer(() => ran.push("c"));
  });
  clock.clearTimer(clock.defer(() => ran.push("cancelled")));
  clock.defer(() => ran.push("b"));
  await Promise.resolve();
  assert.equal(ran.length, 0, "not on a microtask");
  await untilRan(ran, 3);
  assert.deepEqual(ran, ["a", "b", "c"]);
  // Under Deno the resource sanitizer fails this test if the channel's ports were left open.
});
