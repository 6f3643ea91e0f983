import assert from "node:assert/strict";
import { test } from "./_harness.ts";
import { MeshOsSdkError } from "../src/errors/meshos_sdk_error.ts";
import {
  type BackoffTracker,
  createBackoffTracker,
  DEFAULT_RESTART_BACKOFF,
  forceRelease,
  gateAfterCrash,
  isAdmissible,
  maybeRelease,
  observeCleanExit,
  observeCrash,
  observeStart,
  resolveBackoffConfig,
  settleStableRun,
} from "../src/actors/restart_backoff.ts";

// Upstream's tests anchor every instant on one base; seconds after it, in ms.
const BASE = 1_000_000;
const t = (secs: number) => BASE + secs * 1_000;

function crashes(tracker: BackoffTracker, instants: number[]): BackoffTracker {
  return instants.reduce((tr, at) => observeCrash(tr, at), tracker);
}

test("SV-1 fresh tracker is idle and admissible", () => {
  const bt = createBackoffTracker();
  assert.deepEqual(bt.restartState, { state: "idle", untilMs: null });
  assert.equal(isAdmissible(bt.restartState, t(0)), true);
  assert.deepEqual(bt.backoffConfig, DEFAULT_RESTART_BACKOFF);
});

test("SV-1 first crash flips to BackingOff{t0 + 500 ms}", () => {
  const bt = observeCrash(createBackoffTracker(), t(0));
  assert.deepEqual(bt.restartState, { state: "backingOff", untilMs: t(0) + 500 });
});

test("SV-1 consecutive crashes double the backoff: the 4th waits 4 s", () => {
  const bt = crashes(createBackoffTracker(), [t(0), t(1), t(2), t(3)]);
  assert.deepEqual(bt.restartState, { state: "backingOff", untilMs: t(3) + 4_000 });
  assert.equal(bt.nextBackoffMs, 8_000);
});

test("SV-1 5th crash within 60 s flips to CrashLooping{t + 5 min} and resets the window", () => {
  const bt = crashes(createBackoffTracker(), [t(0), t(1), t(2), t(3), t(4)]);
  assert.deepEqual(bt.restartState, { state: "crashLooping", untilMs: t(4) + 5 * 60_000 });
  assert.equal(bt.nextBackoffMs, 500);
});

test("SV-1 crash-loop count slides with the window", () => {
  const bt = crashes(createBackoffTracker(), [t(0), t(1), t(2), t(3), t(120)]);
  assert.equal(bt.restartState.state, "backingOff");
  assert.deepEqual(bt.crashHistoryMs, [t(120)]);
});

test("SV-1 a crash exactly 60 s after the oldest still counts (cutoff is strict, as upstream)", () => {
  const bt = crashes(createBackoffTracker(), [t(0), t(1), t(2), t(3), t(60)]);
  assert.equal(bt.restartState.state, "crashLooping");
});

test("SV-1 observe_start after a stable run resets the window to 500 ms", () => {
  let bt = observeCrash(createBackoffTracker(), t(0));
  bt = observeStart(bt, t(1));
  bt = observeStart(bt, t(121));
  assert.equal(bt.nextBackoffMs, 500);
  assert.deepEqual(bt.crashHistoryMs, []);
});

test("SV-1 observe_start before a stable run keeps the doubled window", () => {
  let bt = observeCrash(createBackoffTracker(), t(0));
  assert.equal(bt.nextBackoffMs, 1_000);
  bt = observeStart(bt, t(1));
  bt = observeStart(bt, t(5));
  assert.equal(bt.nextBackoffMs, 1_000);
  assert.equal(bt.lastStartAt, t(5));
});

test("SV-1 maybe_release flips BackingOff to idle only once until has elapsed", () => {
  const bt = observeCrash(createBackoffTracker(), t(0));
  const early = maybeRelease(bt, t(0));
  assert.equal(early.released, false);
  assert.equal(early.tracker.restartState.state, "backingOff");
  const late = maybeRelease(bt, t(0) + 600);
  assert.equal(late.released, true);
  assert.deepEqual(late.tracker.restartState, { state: "idle", untilMs: null });
  assert.equal(maybeRelease(late.tracker, t(0) + 700).released, false, "released only once");
});

test("SV-1 admissibility honours the until boundary (admissible exactly at until)", () => {
  const bt = observeCrash(createBackoffTracker(), t(0));
  const until = bt.restartState.untilMs!;
  assert.equal(isAdmissible(bt.restartState, until - 1), false);
  assert.equal(isAdmissible(bt.restartState, until), true);
  assert.equal(maybeRelease(bt, until).released, true);
});

test("SV-1 backoff caps at max (60 s)", () => {
  const bt = crashes(createBackoffTracker(), Array.from({ length: 15 }, (_, i) => t(i * 200)));
  assert.equal(bt.nextBackoffMs, 60_000);
  const windows = Array.from({ length: 9 }, (_, i) => i).reduce<{ tr: BackoffTracker; seen: number[] }>(
    ({ tr, seen }, i) => {
      const next = observeCrash(tr, t(i * 200));
      return { tr: next, seen: [...seen, next.restartState.untilMs! - t(i * 200)] };
    },
    { tr: createBackoffTracker(), seen: [] },
  ).seen;
  assert.deepEqual(windows, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
});

test("SV-1 force_release clears a BackingOff gate and resets the window (returns true)", () => {
  const bt = crashes(createBackoffTracker(), [t(0), t(1)]);
  assert.equal(bt.restartState.state, "backingOff");
  assert.ok(bt.nextBackoffMs > 500);
  const { tracker, wasGated } = forceRelease(bt);
  assert.equal(wasGated, true);
  assert.deepEqual(tracker.restartState, { state: "idle", untilMs: null });
  assert.equal(tracker.nextBackoffMs, 500);
  assert.deepEqual(tracker.crashHistoryMs, []);
});

test("SV-1 force_release returns false when already idle", () => {
  const { tracker, wasGated } = forceRelease(createBackoffTracker());
  assert.equal(wasGated, false);
  assert.equal(tracker.restartState.state, "idle");
});

test("SV-1 force_release clears a CrashLooping gate", () => {
  const bt = crashes(createBackoffTracker({ crashLoopThreshold: 3 }), [t(0), t(1), t(2)]);
  assert.equal(bt.restartState.state, "crashLooping");
  const { tracker, wasGated } = forceRelease(bt);
  assert.equal(wasGated, true);
  assert.equal(tracker.restartState.state, "idle");
});

test("observe_clean_exit: idle gate, stable-run reset, lastStartAt kept", () => {
  let bt = observeStart(observeCrash(createBackoffTracker(), t(0)), t(1));
  bt = observeCleanExit(bt, t(90));
  assert.equal(bt.restartState.state, "idle");
  assert.equal(bt.nextBackoffMs, 500);
  assert.equal(bt.lastStartAt, t(1));
  const short = observeCleanExit(observeStart(observeCrash(createBackoffTracker(), t(0)), t(1)), t(10));
  assert.equal(short.nextBackoffMs, 1_000);
});

test("settleStableRun and gateAfterCrash are pure previews", () => {
  const bt = observeStart(crashes(createBackoffTracker(), [t(0), t(1), t(2), t(3)]), t(10));
  assert.equal(gateAfterCrash(bt, t(11)), "crashLooping");
  assert.equal(bt.crashHistoryMs.length, 4, "the preview did not change the tracker");
  const settled = settleStableRun(bt, t(70));
  assert.deepEqual(settled.crashHistoryMs, []);
  assert.equal(gateAfterCrash(settled, t(70)), "backingOff");
  assert.equal(settleStableRun(bt, t(69)), bt, "a short run changes nothing");
});

test("extra fields of a tracker-shaped context survive every fold", () => {
  const base = { ...createBackoffTracker(), crashes: 7 };
  assert.equal(observeCrash(base, 0).crashes, 7);
  assert.equal(observeStart(base, 0).crashes, 7);
  assert.equal(maybeRelease(base, 0).tracker.crashes, 7);
  assert.equal(forceRelease(base).tracker.crashes, 7);
});

test("config: partial override, undefined means default, invalid values are invalid_config", () => {
  assert.equal(resolveBackoffConfig({ initialMs: 100, maxMs: undefined }).maxMs, 60_000);
  assert.equal(resolveBackoffConfig({ initialMs: 100 }).initialMs, 100);
  assert.throws(() => resolveBackoffConfig({ factor: 0.5 }), (err: unknown) => {
    assert.ok(err instanceof MeshOsSdkError);
    assert.equal(err.kind, "invalid_config");
    assert.equal(err.detail, "backoff.factor: expected a finite number >= 1; got 0.5");
    return true;
  });
  assert.throws(() => resolveBackoffConfig({ initialMs: Number.NaN }), /backoff.initialMs/);
  assert.throws(() => resolveBackoffConfig({ initialMs: 10_000, maxMs: 5_000 }), /backoff.maxMs/);
  assert.throws(() => createBackoffTracker({ crashLoopThreshold: 0 }), /crashLoopThreshold/);
});
