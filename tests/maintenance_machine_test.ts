import assert from "node:assert/strict";
import { createActor } from "xstate";
import { test } from "./_harness.ts";
import { assertEveryTransitionCovered } from "./_statechart_coverage.ts";
import {
  canEnterMaintenance,
  canExitMaintenance,
  explainAdminRejection,
  isValidSuccessor,
  MAINTENANCE_STATES,
  type MaintenanceEmitted,
  type MaintenanceEvent,
  type MaintenanceKind,
  maintenanceKind,
  maintenanceMachine,
  type MaintenanceMachineState,
  maintenanceView,
} from "../src/actors/maintenance_machine.ts";

const MIN = 60_000;
const CONFIG = { defaultDrainDeadlineMs: 10 * MIN, recoveryRampWindowMs: 5 * MIN };

function startNode(now = 0) {
  const actor = createActor(maintenanceMachine, { input: { now, ...CONFIG } });
  const emitted: MaintenanceEmitted[] = [];
  actor.on("*", (e) => emitted.push(e as MaintenanceEmitted));
  actor.start();
  return { actor, emitted, send: (e: MaintenanceEvent) => actor.send(e), kind: () => maintenanceKind(actor.getSnapshot()) };
}

function tick(now: number, flags: { drained?: boolean; healthy?: boolean } = {}): MaintenanceEvent {
  return { type: "tick", now, allDaemonsDrained: flags.drained ?? false, allDaemonsRunningHealthy: flags.healthy ?? false };
}

/** Drives a fresh node to `kind` through the admin/tick drivers, starting at t = 1000; clears emits. */
function nodeIn(kind: MaintenanceKind) {
  const node = startNode(0);
  const base = 1_000;
  if (kind !== "Active") node.send({ type: "admin.enter", now: base, drainForMs: MIN });
  if (kind === "Maintenance" || kind === "ExitingMaintenance" || kind === "Recovery") {
    node.send(tick(base + 10, { drained: true }));
  }
  if (kind === "DrainFailed") node.send(tick(base + MIN));
  if (kind === "ExitingMaintenance" || kind === "Recovery") node.send({ type: "admin.exit", now: base + 20 });
  if (kind === "Recovery") node.send(tick(base + 30, { healthy: true }));
  assert.equal(node.kind(), kind);
  node.emitted.length = 0;
  return node;
}

// ---------------------------------------------------------------------------------------------
// Graph walk: every declared state and transition is reached by xstate/graph and replayed.

const EMIT_OF_ACTION: Record<string, string> = { emitDrainStart: "drainStart", emitDrainFinish: "drainFinish" };

function sampleEvents(snapshot: MaintenanceMachineState): MaintenanceEvent[] {
  const { since, deadline, config } = snapshot.context;
  const now = since + 1;
  return [
    { type: "admin.enter", now, drainForMs: null },
    { type: "admin.enter", now, drainForMs: 50 },
    { type: "admin.exit", now },
    ...MAINTENANCE_STATES.map((target): MaintenanceEvent => ({ type: "observed", now, target, reason: "seen" })),
    tick(now),
    tick(now, { drained: true }),
    tick(now, { healthy: true }),
    tick(deadline ?? now),
    tick(since + config.recoveryRampWindowMs),
  ];
}

test("graph walk: every maintenance state and every declared transition is covered", () => {
  assertEveryTransitionCovered(maintenanceMachine, {
    input: { now: 0, ...CONFIG },
    events: sampleEvents,
    serializeState: (s) => JSON.stringify(s.value),
    // The chart's emit actions decide which broadcasts a replay must see.
    expectedEmits: (actions) => actions.flatMap((n) => EMIT_OF_ACTION[n] ? [EMIT_OF_ACTION[n]] : []),
    describeEmit: (emitted) => emitted.type,
  });
});

test("the chart accepts an observed transition exactly when isValidSuccessor allows it (all 36 pairs)", () => {
  for (const from of MAINTENANCE_STATES) {
    for (const to of MAINTENANCE_STATES) {
      const node = nodeIn(from);
      const before = node.actor.getSnapshot().context;
      node.send({ type: "observed", now: 5_000, target: to, since: 4_000, reason: "r" });
      const after = node.actor.getSnapshot();
      const moved = maintenanceKind(after) !== from || after.context !== before;
      const valid = isValidSuccessor(from, to);
      // Active → Active carries no fields upstream, so "accepted" and "ignored" look the same there.
      if (!(from === "Active" && to === "Active")) assert.equal(moved, valid, `${from} → ${to}`);
      assert.equal(maintenanceKind(after), valid ? to : from, `${from} → ${to}`);
      if (valid && !(from === "Active" && to === "Active")) assert.equal(after.context.since, 4_000);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Upstream MS-* ported to the machine.

test("MS-1 default state is Active: no deadline, no reason, enter allowed, exit not", () => {
  const node = startNode(100);
  const view = maintenanceView(node.actor.getSnapshot(), 150);
  assert.deepEqual(view, { kind: "Active", sinceMs: 50, deadlineRemainingMs: null, reason: null });
  assert.equal(canEnterMaintenance(node.actor.getSnapshot()), true);
  assert.equal(canExitMaintenance(node.actor.getSnapshot()), false);
});

test("MS-2 EnteringMaintenance keeps the given since; Maintenance and Recovery are reachable states", () => {
  const node = startNode(0);
  node.send({ type: "observed", now: 900, target: "EnteringMaintenance", since: 500, deadline: 60_500 });
  assert.equal(node.kind(), "EnteringMaintenance");
  assert.equal(node.actor.getSnapshot().context.since, 500);
  assert.equal(node.actor.getSnapshot().context.deadline, 60_500);
  assert.equal(nodeIn("Maintenance").kind(), "Maintenance");
  assert.equal(nodeIn("Recovery").kind(), "Recovery");
});

test("MS-3 valid arcs and same-variant replacements", () => {
  const valid: [MaintenanceKind, MaintenanceKind][] = [
    ["Active", "EnteringMaintenance"],
    ["EnteringMaintenance", "Maintenance"],
    ["EnteringMaintenance", "DrainFailed"],
    ["Maintenance", "ExitingMaintenance"],
    ["DrainFailed", "ExitingMaintenance"],
    ["ExitingMaintenance", "Recovery"],
    ["Recovery", "Active"],
    ["EnteringMaintenance", "EnteringMaintenance"],
    ["Recovery", "Recovery"],
  ];
  for (const [from, to] of valid) assert.equal(isValidSuccessor(from, to), true, `${from} → ${to}`);
});

test("MS-4 rejected arcs", () => {
  const rejected: [MaintenanceKind, MaintenanceKind][] = [
    ["EnteringMaintenance", "Active"],
    ["Maintenance", "EnteringMaintenance"],
    ["Recovery", "Maintenance"],
    ["ExitingMaintenance", "EnteringMaintenance"],
    ["DrainFailed", "EnteringMaintenance"],
    ["Maintenance", "Active"],
  ];
  for (const [from, to] of rejected) {
    assert.equal(isValidSuccessor(from, to), false, `${from} → ${to}`);
    const node = nodeIn(from);
    const before = node.actor.getSnapshot().context;
    node.send({ type: "observed", now: 9_999, target: to });
    assert.equal(node.kind(), from);
    assert.equal(node.actor.getSnapshot().context, before, "no field changes either");
    assert.deepEqual(node.emitted, []);
  }
});

test("MS-5 Exiting→DrainFailed is rejected", () => {
  assert.equal(isValidSuccessor("ExitingMaintenance", "DrainFailed"), false);
  const node = nodeIn("ExitingMaintenance");
  node.send({ type: "observed", now: 9_000, target: "DrainFailed", reason: "late replay" });
  assert.equal(node.kind(), "ExitingMaintenance");
  assert.equal(node.actor.getSnapshot().context.reason, null);
});

test("MS-7 admin.enter flips Active → EnteringMaintenance with since = now and a deadline", () => {
  const node = startNode(0);
  node.send({ type: "admin.enter", now: 1_000, drainForMs: 30_000 });
  assert.equal(node.kind(), "EnteringMaintenance");
  assert.deepEqual(
    { since: node.actor.getSnapshot().context.since, deadline: node.actor.getSnapshot().context.deadline },
    { since: 1_000, deadline: 31_000 },
  );
  const defaulted = startNode(0);
  defaulted.send({ type: "admin.enter", now: 2_000, drainForMs: null });
  assert.equal(defaulted.actor.getSnapshot().context.deadline, 2_000 + CONFIG.defaultDrainDeadlineMs);
});

test("MS-8 since of every driven transition is the event's now (replay determinism)", () => {
  const node = startNode(0);
  node.send({ type: "admin.enter", now: 100, drainForMs: null });
  node.send(tick(250, { drained: true }));
  assert.equal(node.actor.getSnapshot().context.since, 250);
  node.send({ type: "admin.exit", now: 400 });
  assert.equal(node.actor.getSnapshot().context.since, 400);
  node.send(tick(480, { healthy: true }));
  assert.equal(node.actor.getSnapshot().context.since, 480);
});

test("MS-10 observed Maintenance{since: base} from Entering advances to Maintenance{since: base}", () => {
  const node = nodeIn("EnteringMaintenance");
  node.send({ type: "observed", now: 7_000, target: "Maintenance", since: 6_500 });
  assert.equal(node.kind(), "Maintenance");
  assert.equal(node.actor.getSnapshot().context.since, 6_500);
  assert.equal(node.actor.getSnapshot().context.deadline, null);
});

test("MS-11 admin.exit from Active leaves Active (rejected visibly); from Maintenance → Exiting", () => {
  const active = startNode(0);
  active.send({ type: "admin.exit", now: 10 });
  assert.equal(active.kind(), "Active");
  assert.equal(
    explainAdminRejection(active.actor.getSnapshot(), "exit"),
    "exitMaintenance: expected the node in Maintenance or DrainFailed; got Active",
  );
  const node = nodeIn("Maintenance");
  assert.equal(canExitMaintenance(node.actor.getSnapshot()), true);
  assert.equal(explainAdminRejection(node.actor.getSnapshot(), "exit"), null);
  node.send({ type: "admin.exit", now: 5_000 });
  assert.equal(node.kind(), "ExitingMaintenance");
  assert.equal(node.actor.getSnapshot().context.since, 5_000);
  const failed = nodeIn("DrainFailed");
  failed.send({ type: "admin.exit", now: 90_000 });
  assert.equal(failed.kind(), "ExitingMaintenance");
  assert.equal(failed.actor.getSnapshot().context.reason, null);
});

test("MS-12 in Recovery an observed Maintenance is ignored, then an observed Active is accepted", () => {
  const node = nodeIn("Recovery");
  const since = node.actor.getSnapshot().context.since;
  node.send({ type: "observed", now: 8_000, target: "Maintenance" });
  assert.equal(node.kind(), "Recovery");
  assert.equal(node.actor.getSnapshot().context.since, since);
  node.send({ type: "observed", now: 8_100, target: "Active" });
  assert.equal(node.kind(), "Active");
});

test("MS-13 Entering + all daemons drained → Maintenance, exactly one drainFinish", () => {
  const node = nodeIn("EnteringMaintenance");
  node.send(tick(1_500, { drained: true }));
  assert.equal(node.kind(), "Maintenance");
  assert.deepEqual(node.emitted, [{ type: "drainFinish" }]);
  node.send(tick(1_600, { drained: true }));
  assert.deepEqual(node.emitted, [{ type: "drainFinish" }], "no repeat on later ticks");
});

test("MS-14 Entering with daemons still running before the deadline → nothing", () => {
  const node = nodeIn("EnteringMaintenance"); // deadline 1000 + 60 s
  node.send(tick(2_000));
  node.send(tick(1_000 + MIN - 1, { healthy: true }));
  assert.equal(node.kind(), "EnteringMaintenance");
  assert.deepEqual(node.emitted, []);
});

test("MS-15 Entering past its deadline, not drained → DrainFailed with the elapsed reason", () => {
  const node = startNode(0);
  const base = 10_000;
  node.send({ type: "admin.enter", now: base, drainForMs: MIN });
  node.emitted.length = 0;
  node.send(tick(base + 61_000));
  assert.equal(node.kind(), "DrainFailed");
  const view = maintenanceView(node.actor.getSnapshot(), base + 62_000);
  assert.match(view.reason!, /drain deadline elapsed/);
  assert.equal(view.reason, "drain deadline elapsed after 61000ms");
  assert.deepEqual(node.emitted, [{ type: "drainFinish" }]);
});

test("MS-15 boundary: DrainFailed exactly at the deadline, not 1 ms before", () => {
  const node = nodeIn("EnteringMaintenance");
  const { deadline } = node.actor.getSnapshot().context;
  node.send(tick(deadline! - 1));
  assert.equal(node.kind(), "EnteringMaintenance");
  node.send(tick(deadline!));
  assert.equal(node.kind(), "DrainFailed");
});

test("MS-16 Entering past its deadline but drained → Maintenance, not DrainFailed", () => {
  const node = nodeIn("EnteringMaintenance");
  node.send(tick(1_000 + 61_000, { drained: true }));
  assert.equal(node.kind(), "Maintenance");
  assert.deepEqual(node.emitted, [{ type: "drainFinish" }]);
});

test("MS-17 Maintenance and DrainFailed do not move on ticks", () => {
  for (const kind of ["Maintenance", "DrainFailed"] as const) {
    const node = nodeIn(kind);
    node.send(tick(10 * MIN, { drained: true, healthy: true }));
    node.send(tick(100 * MIN));
    assert.equal(node.kind(), kind);
    assert.deepEqual(node.emitted, []);
  }
});

test("MS-18 Exiting with every daemon running healthy → Recovery", () => {
  const node = nodeIn("ExitingMaintenance");
  node.send(tick(3_000));
  assert.equal(node.kind(), "ExitingMaintenance");
  node.send(tick(3_100, { healthy: true }));
  assert.equal(node.kind(), "Recovery");
  assert.equal(node.actor.getSnapshot().context.since, 3_100);
  assert.deepEqual(node.emitted, []);
});

test("MS-19 Recovery 1 min in → nothing; at the 5 min ramp → Active", () => {
  const node = nodeIn("Recovery");
  const { since } = node.actor.getSnapshot().context;
  node.send(tick(since + MIN, { healthy: true }));
  assert.equal(node.kind(), "Recovery");
  node.send(tick(since + 5 * MIN - 1));
  assert.equal(node.kind(), "Recovery");
  node.send(tick(since + 5 * MIN));
  assert.equal(node.kind(), "Active");
  assert.deepEqual(node.emitted, []);
});

test("MS-19 Recovery 6 min in → Active", () => {
  const node = nodeIn("Recovery");
  node.send(tick(node.actor.getSnapshot().context.since + 6 * MIN));
  assert.equal(node.kind(), "Active");
});

// ---------------------------------------------------------------------------------------------
// Control emissions (upstream §4.1 table) and our admin rule (product: validity table for enter).

test("drainStart is emitted exactly once on entering; a second admin.enter only replaces the fields", () => {
  const node = startNode(0);
  node.send({ type: "admin.enter", now: 100, drainForMs: 1_000 });
  assert.deepEqual(node.emitted, [{ type: "drainStart", deadline: 1_100 }]);
  node.send({ type: "admin.enter", now: 200, drainForMs: 5_000 });
  assert.equal(node.kind(), "EnteringMaintenance");
  assert.deepEqual(node.actor.getSnapshot().context, { ...node.actor.getSnapshot().context, since: 200, deadline: 5_200 });
  assert.deepEqual(node.emitted, [{ type: "drainStart", deadline: 1_100 }], "no second drainStart");
  node.send({ type: "observed", now: 300, target: "EnteringMaintenance" });
  assert.equal(node.emitted.length, 1, "same-variant observed does not re-broadcast either");
});

test("drainStart from an observed Entering carries its deadline (default when none is given)", () => {
  const given = startNode(0);
  given.send({ type: "observed", now: 100, target: "EnteringMaintenance", deadline: 700 });
  assert.deepEqual(given.emitted, [{ type: "drainStart", deadline: 700 }]);
  const open = startNode(0);
  open.send({ type: "observed", now: 100, target: "EnteringMaintenance", deadline: null });
  assert.equal(open.actor.getSnapshot().context.deadline, null, "no deadline: never DrainFailed by tick");
  assert.deepEqual(open.emitted, [{ type: "drainStart", deadline: 100 + CONFIG.defaultDrainDeadlineMs }]);
  open.send(tick(100 * MIN));
  assert.equal(open.kind(), "EnteringMaintenance");
});

test("drainFinish on both exits of EnteringMaintenance, whichever driver", () => {
  const cases: [MaintenanceEvent, MaintenanceKind][] = [
    [tick(1_001, { drained: true }), "Maintenance"],
    [tick(1_000 + MIN), "DrainFailed"],
    [{ type: "observed", now: 1_001, target: "Maintenance" }, "Maintenance"],
    [{ type: "observed", now: 1_001, target: "DrainFailed", reason: "peer says so" }, "DrainFailed"],
  ];
  for (const [event, expected] of cases) {
    const node = nodeIn("EnteringMaintenance");
    node.send(event);
    assert.equal(node.kind(), expected);
    assert.deepEqual(node.emitted, [{ type: "drainFinish" }], JSON.stringify(event));
  }
});

test("nothing else emits: exit, recovery, back to Active, Maintenance → DrainFailed", () => {
  const node = nodeIn("Maintenance");
  node.send({ type: "observed", now: 2_000, target: "DrainFailed", reason: "late" });
  assert.equal(node.kind(), "DrainFailed");
  assert.equal(node.actor.getSnapshot().context.reason, "late");
  node.send({ type: "admin.exit", now: 2_100 });
  node.send(tick(2_200, { healthy: true }));
  node.send(tick(2_200 + 5 * MIN));
  assert.equal(node.kind(), "Active");
  assert.deepEqual(node.emitted, []);
});

test("admin.enter from any state but Active/Entering is rejected (differs from upstream §10 item 24)", () => {
  for (const kind of ["Maintenance", "ExitingMaintenance", "DrainFailed", "Recovery"] as const) {
    const node = nodeIn(kind);
    assert.equal(canEnterMaintenance(node.actor.getSnapshot()), false);
    assert.equal(
      explainAdminRejection(node.actor.getSnapshot(), "enter"),
      `enterMaintenance: expected the node in Active or EnteringMaintenance; got ${kind}`,
    );
    const before = node.actor.getSnapshot().context;
    node.send({ type: "admin.enter", now: 50_000, drainForMs: null });
    assert.equal(node.kind(), kind);
    assert.equal(node.actor.getSnapshot().context, before);
    assert.deepEqual(node.emitted, [], "no DrainStart re-broadcast");
  }
  assert.equal(canEnterMaintenance(nodeIn("EnteringMaintenance").actor.getSnapshot()), true);
});

// ---------------------------------------------------------------------------------------------
// The daemon-facing view (upstream RS-14 / RS-15).

test("RS-14 view of Active", () => {
  assert.equal(maintenanceView(startNode(0).actor.getSnapshot(), 10).kind, "Active");
});

test("RS-15 view of Entering past its deadline saturates deadlineRemainingMs at 0", () => {
  const node = startNode(0);
  const now = 100_000;
  node.send({ type: "observed", now, target: "EnteringMaintenance", since: now - 5_000, deadline: now - 1_000 });
  const view = maintenanceView(node.actor.getSnapshot(), now);
  assert.deepEqual(view, { kind: "EnteringMaintenance", sinceMs: 5_000, deadlineRemainingMs: 0, reason: null });
  assert.equal(maintenanceView(node.actor.getSnapshot(), now - 6_000).sinceMs, 0, "sinceMs saturates too");
  const fresh = nodeIn("EnteringMaintenance");
  assert.equal(maintenanceView(fresh.actor.getSnapshot(), 1_000 + 20_000).deadlineRemainingMs, 40_000);
});
