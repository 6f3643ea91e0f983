import assert from "node:assert/strict";
import { createActor } from "xstate";
import { test } from "./_harness.ts";
import { assertEveryTransitionCovered } from "./_statechart_coverage.ts";
import {
  countsAsDrained,
  countsAsRunning,
  type DaemonEmitted,
  type DaemonEvent,
  daemonLifecycleLabel,
  daemonMachine,
  type DaemonMachineState,
  daemonStateName,
} from "../src/actors/daemon_machine.ts";
import type { RestartBackoffConfig } from "../src/actors/restart_backoff.ts";

const MIN = 60_000;

function startDaemon(now = 0, backoff?: Partial<RestartBackoffConfig>) {
  const actor = createActor(daemonMachine, { input: { now, backoff } });
  const emitted: DaemonEmitted[] = [];
  actor.on("*", (e) => emitted.push(e as DaemonEmitted));
  actor.start();
  return {
    actor,
    emitted,
    send: (e: DaemonEvent) => actor.send(e),
    label: () => daemonLifecycleLabel(actor.getSnapshot()),
    ctx: () => actor.getSnapshot().context,
  };
}

/** A daemon started at `now` (running.normal), emits cleared. */
function runningDaemon(now = 1_000, backoff?: Partial<RestartBackoffConfig>) {
  const d = startDaemon(0, backoff);
  d.send({ type: "start", now });
  return d;
}

/** Crash, wait out the gate, restart — `times` times, starting at `now`; returns the clock after. */
function crashAndRestart(d: ReturnType<typeof startDaemon>, times: number, now: number): number {
  let clock = now;
  for (let i = 0; i < times; i++) {
    d.send({ type: "crash", now: clock, reason: `crash ${i}` });
    clock = d.ctx().restartState.untilMs!;
    d.send({ type: "tick", now: clock });
    clock += 1;
  }
  return clock;
}

// ---------------------------------------------------------------------------------------------
// Graph walk: every declared state and transition is reached by xstate/graph and replayed.

/** Finite abstraction of a snapshot: state, gate, crashes in the window, backpressure on/off. */
function serializeState(s: DaemonMachineState): string {
  const c = s.context;
  return `${daemonLifecycleLabel(s)}|${c.restartState.state}|${c.crashHistoryMs.length}|${c.backpressureLevel !== null}`;
}

function sampleEvents(s: DaemonMachineState): DaemonEvent[] {
  const c = s.context;
  const clock = Math.max(c.registeredAt, c.lastStartAt ?? 0, ...c.crashHistoryMs, c.stopRequestedAt ?? 0);
  const now = clock + 1;
  const until = c.restartState.untilMs;
  return [
    { type: "start", now },
    { type: "backpressure.on", level: 0.5 },
    { type: "backpressure.off" },
    { type: "drain.start", deadline: now + 1_000 },
    { type: "drain.ack" },
    { type: "resume" },
    { type: "stop", now },
    { type: "stopped", now },
    { type: "crash", now, reason: "boom" },
    { type: "crash", now: (c.lastStartAt ?? clock) + MIN, reason: "after a stable run" },
    ...(until === null ? [{ type: "tick", now } as const] : [
      { type: "tick", now: until - 1 } as const,
      { type: "tick", now: until } as const,
    ]),
    { type: "restart.force", now },
  ];
}

test("graph walk: every daemon state and every declared transition is covered", () => {
  assertEveryTransitionCovered(daemonMachine, {
    input: { now: 0 },
    events: sampleEvents,
    serializeState,
    expectedEmits: (actions, event) =>
      actions.includes("emitRestart") ? [{ type: "restart", now: event.now, forced: event.type === "restart.force" }] : [],
  });
});

// ---------------------------------------------------------------------------------------------
// Lifecycle.

test("registered → start → running.normal; lastStartAt recorded", () => {
  const d = startDaemon(5);
  assert.equal(d.label(), "registered");
  assert.equal(d.ctx().registeredAt, 5);
  assert.equal(d.ctx().lastStartAt, null);
  d.send({ type: "start", now: 10 });
  assert.equal(d.label(), "running.normal");
  assert.equal(d.ctx().lastStartAt, 10);
  assert.deepEqual(d.ctx().restartState, { state: "idle", untilMs: null });
  assert.deepEqual(d.emitted, [], "a first start is not a restart");
});

test("backpressure.on/off toggles running.normal ⇄ running.backpressured and keeps the level", () => {
  const d = runningDaemon();
  d.send({ type: "backpressure.on", level: 0.25 });
  assert.equal(d.label(), "running.backpressured");
  assert.equal(d.ctx().backpressureLevel, 0.25);
  d.send({ type: "backpressure.on", level: 0.75 });
  assert.equal(d.label(), "running.backpressured");
  assert.equal(d.ctx().backpressureLevel, 0.75, "a re-send updates the level");
  d.send({ type: "backpressure.on", level: 7 });
  assert.equal(d.ctx().backpressureLevel, 1, "clamped to [0, 1]");
  d.send({ type: "backpressure.off" });
  assert.equal(d.label(), "running.normal");
  assert.equal(d.ctx().backpressureLevel, null);
});

test("the level is remembered outside running and shown again when the daemon runs", () => {
  const d = startDaemon(0);
  d.send({ type: "backpressure.on", level: 0.5 });
  assert.equal(d.label(), "registered");
  d.send({ type: "start", now: 1 });
  assert.equal(d.label(), "running.backpressured");
  d.send({ type: "drain.start", deadline: 100 });
  d.send({ type: "backpressure.off" });
  d.send({ type: "backpressure.on", level: 0.3 });
  d.send({ type: "resume" });
  assert.equal(d.label(), "running.backpressured");
  assert.equal(d.ctx().backpressureLevel, 0.3);
});

test("drain: running → draining (deadline) → drained → resume → running", () => {
  const d = runningDaemon();
  d.send({ type: "backpressure.on", level: 0.5 });
  d.send({ type: "drain.start", deadline: 9_000 });
  assert.equal(d.label(), "draining");
  assert.equal(d.ctx().drainDeadline, 9_000);
  assert.equal(countsAsDrained(d.actor.getSnapshot()), false);
  d.send({ type: "drain.ack" });
  assert.equal(d.label(), "drained");
  assert.equal(countsAsDrained(d.actor.getSnapshot()), true);
  d.send({ type: "resume" });
  assert.equal(d.label(), "running.backpressured");
  assert.equal(d.ctx().drainDeadline, null);
  assert.equal(countsAsRunning(d.actor.getSnapshot()), true);
  d.send({ type: "drain.start", deadline: 10_000 });
  d.send({ type: "resume" });
  assert.equal(d.label(), "running.backpressured", "resume straight from draining");
});

test("stop → stopping → stopped (final)", () => {
  for (const reach of ["running", "draining", "drained", "backingOff", "crashLooping"] as const) {
    const d = runningDaemon(1_000, { crashLoopThreshold: 1 });
    if (reach === "draining" || reach === "drained") d.send({ type: "drain.start", deadline: 5_000 });
    if (reach === "drained") d.send({ type: "drain.ack" });
    if (reach === "crashLooping") d.send({ type: "crash", now: 1_100, reason: "x" });
    if (reach === "backingOff") {
      d.actor.stop();
      const b = runningDaemon(1_000);
      b.send({ type: "crash", now: 1_100, reason: "x" });
      assert.equal(b.label(), "backingOff");
      b.send({ type: "stop", now: 1_200 });
      assert.equal(b.label(), "stopping");
      continue;
    }
    assert.equal(daemonStateName(d.actor.getSnapshot()), reach);
    d.send({ type: "stop", now: 2_000 });
    assert.equal(d.label(), "stopping", `stop from ${reach}`);
    assert.equal(d.ctx().stopRequestedAt, 2_000);
    d.send({ type: "stopped" });
    assert.equal(d.label(), "stopped");
    assert.equal(d.actor.getSnapshot().status, "done");
  }
});

test("stopped is accepted directly from any non-final state (unregister / exit)", () => {
  const fromRegistered = startDaemon(0);
  fromRegistered.send({ type: "stopped" });
  assert.equal(fromRegistered.label(), "stopped");
  const fromRunning = runningDaemon();
  fromRunning.send({ type: "backpressure.on", level: 0.4 });
  fromRunning.send({ type: "stopped", now: 2_000 });
  assert.equal(fromRunning.label(), "stopped");
  const fromBackoff = runningDaemon();
  fromBackoff.send({ type: "crash", now: 1_500, reason: "x" });
  fromBackoff.send({ type: "stopped", now: 1_600 });
  assert.equal(fromBackoff.label(), "stopped");
  assert.equal(fromBackoff.ctx().restartState.state, "idle", "a clean exit idles the gate");
});

test("events outside their states are ignored", () => {
  const d = runningDaemon();
  for (const e of [
    { type: "drain.ack" },
    { type: "resume" },
    { type: "tick", now: 99_999 },
    { type: "start", now: 5_000 },
  ] as DaemonEvent[]) {
    d.send(e);
    assert.equal(d.label(), "running.normal", e.type);
  }
  d.send({ type: "drain.start", deadline: 1 });
  d.send({ type: "drain.ack" });
  d.send({ type: "crash", now: 2_000, reason: "late" });
  assert.equal(d.label(), "drained", "a drained daemon no longer processes, so it cannot crash");
  assert.equal(d.ctx().crashes, 0);
  const s = startDaemon(0);
  s.send({ type: "stop", now: 1 });
  s.send({ type: "crash", now: 1, reason: "x" });
  assert.equal(s.label(), "registered");
});

// ---------------------------------------------------------------------------------------------
// Supervision: upstream SV-1 through the machine.

test("SV-1 crash → backingOff{now + 500}; tick before until ignored; tick at until restarts once", () => {
  const d = runningDaemon(1_000);
  d.send({ type: "crash", now: 2_000, reason: "process() threw: boom" });
  assert.equal(d.label(), "backingOff");
  assert.deepEqual(d.ctx().restartState, { state: "backingOff", untilMs: 2_500 });
  assert.equal(d.ctx().crashes, 1);
  assert.equal(d.ctx().lastCrashReason, "process() threw: boom");
  assert.equal(countsAsDrained(d.actor.getSnapshot()), true);
  d.send({ type: "tick", now: 2_499 });
  assert.equal(d.label(), "backingOff");
  assert.deepEqual(d.emitted, []);
  d.send({ type: "tick", now: 2_500 });
  assert.equal(d.label(), "running.normal");
  assert.deepEqual(d.emitted, [{ type: "restart", now: 2_500, forced: false }]);
  assert.deepEqual(d.ctx().restartState, { state: "idle", untilMs: null });
  assert.equal(d.ctx().restarts, 1);
  assert.equal(d.ctx().lastStartAt, 2_500);
  d.send({ type: "tick", now: 2_600 });
  assert.equal(d.emitted.length, 1, "released only once");
});

test("SV-1 successive crashes double the window: 500, 1000, 2000, 4000", () => {
  const d = runningDaemon(0);
  const windows: number[] = [];
  let clock = 10;
  for (let i = 0; i < 4; i++) {
    d.send({ type: "crash", now: clock, reason: "x" });
    windows.push(d.ctx().restartState.untilMs! - clock);
    clock = d.ctx().restartState.untilMs!;
    d.send({ type: "tick", now: clock });
    clock += 10;
  }
  assert.deepEqual(windows, [500, 1_000, 2_000, 4_000]);
});

test("SV-1 5th crash within 60 s → crashLooping{now + 5 min}; released at until", () => {
  const d = runningDaemon(0);
  const clock = crashAndRestart(d, 4, 10);
  d.send({ type: "crash", now: clock, reason: "fifth" });
  assert.equal(d.label(), "crashLooping");
  assert.deepEqual(d.ctx().restartState, { state: "crashLooping", untilMs: clock + 5 * MIN });
  assert.equal(d.ctx().crashes, 5);
  d.send({ type: "tick", now: clock + 5 * MIN - 1 });
  assert.equal(d.label(), "crashLooping");
  d.send({ type: "tick", now: clock + 5 * MIN });
  assert.equal(d.label(), "running.normal");
  assert.equal(d.emitted.at(-1)!.forced, false);
  d.send({ type: "crash", now: clock + 5 * MIN + 10, reason: "after the cooldown" });
  assert.deepEqual(d.ctx().restartState, { state: "backingOff", untilMs: clock + 5 * MIN + 510 }, "window slid: fresh 500 ms");
});

test("SV-1 a crash while draining counts too (and clears the drain deadline)", () => {
  const d = runningDaemon(0, { crashLoopThreshold: 2 });
  const clock = crashAndRestart(d, 1, 10);
  d.send({ type: "drain.start", deadline: 50_000 });
  d.send({ type: "crash", now: clock, reason: "while draining" });
  assert.equal(d.label(), "crashLooping");
  assert.equal(d.ctx().drainDeadline, null);
});

test("SV-1 a run of ≥ 60 s since the last start resets the window (and this crash waits 500 ms)", () => {
  const d = runningDaemon(0);
  const clock = crashAndRestart(d, 3, 10); // next window would be 4 s
  const lastStart = d.ctx().lastStartAt!;
  d.send({ type: "crash", now: lastStart + MIN, reason: "after a stable run" });
  assert.deepEqual(d.ctx().restartState, { state: "backingOff", untilMs: lastStart + MIN + 500 });
  assert.deepEqual(d.ctx().crashHistoryMs, [lastStart + MIN]);
  assert.ok(clock < lastStart + MIN);
});

test("SV-1 a crash before 60 s of run keeps the doubled window", () => {
  const d = runningDaemon(0);
  crashAndRestart(d, 1, 10);
  const lastStart = d.ctx().lastStartAt!;
  d.send({ type: "crash", now: lastStart + MIN - 1, reason: "short run" });
  assert.deepEqual(d.ctx().restartState, { state: "backingOff", untilMs: lastStart + MIN - 1 + 1_000 });
});

test("SV-1 restart.force from crashLooping / backingOff → running now, gate reset, restart emitted", () => {
  for (const threshold of [1, 5]) {
    const d = runningDaemon(0, { crashLoopThreshold: threshold });
    d.send({ type: "crash", now: 100, reason: "x" });
    assert.equal(d.label(), threshold === 1 ? "crashLooping" : "backingOff");
    d.send({ type: "restart.force", now: 150 });
    assert.equal(d.label(), "running.normal");
    assert.deepEqual(d.ctx().restartState, { state: "idle", untilMs: null });
    assert.deepEqual(d.ctx().crashHistoryMs, []);
    assert.equal(d.ctx().nextBackoffMs, 500);
    assert.equal(d.ctx().lastStartAt, 150);
    assert.deepEqual(d.emitted, [{ type: "restart", now: 150, forced: true }]);
  }
});

test("SV-1 restart.force while running restarts in place (substate kept) and resets the history", () => {
  const d = runningDaemon(0);
  crashAndRestart(d, 2, 10);
  d.send({ type: "backpressure.on", level: 0.5 });
  d.emitted.length = 0;
  d.send({ type: "restart.force", now: 20_000 });
  assert.equal(d.label(), "running.backpressured");
  assert.deepEqual(d.emitted, [{ type: "restart", now: 20_000, forced: true }]);
  assert.deepEqual(d.ctx().crashHistoryMs, []);
  assert.equal(d.ctx().restarts, 3);
});

test("backoff tunables come from the input", () => {
  const d = runningDaemon(0, { initialMs: 100, factor: 3 });
  d.send({ type: "crash", now: 10, reason: "x" });
  assert.equal(d.ctx().restartState.untilMs, 110);
  assert.equal(d.ctx().nextBackoffMs, 300);
  // A bad config fails the actor (status "error"); the runtime validates it first with resolveBackoffConfig.
  const bad = createActor(daemonMachine, { input: { now: 0, backoff: { factor: 0 } } });
  let failure: unknown = null;
  bad.subscribe({ error: (err) => failure = err });
  bad.start();
  assert.equal(bad.getSnapshot().status, "error");
  assert.match(String(failure), /backoff\.factor: expected a finite number >= 1; got 0/);
});
