/**
 * The node's maintenance state (upstream net-mesh `MaintenanceState`, spec §4.1) as an XState v5
 * machine. Three drivers move it:
 *
 * - the operator (`admin.enter`, `admin.exit`);
 * - observed transitions (`observed`), accepted only along upstream's validity table;
 * - the runtime's own reconcile (`tick`), which commits Entering → Maintenance / DrainFailed and
 *   Exiting → Recovery → Active by itself (product §3.14; upstream only emits an action and waits).
 *
 * Differences from upstream, on purpose: `admin.enter` is accepted only from `Active` (and replaces
 * the fields while already `EnteringMaintenance`) instead of from any state (§10 item 24); an admin
 * enter without `drainForMs` gets the default deadline in the state itself, so a drain always ends.
 *
 * The runtime subscribes to the control broadcasts with `actor.on("drainStart" | "drainFinish")`.
 *
 * @example
 * ```ts
 * import { createActor } from "xstate";
 * const node = createActor(maintenanceMachine, {
 *   input: { now: 0, defaultDrainDeadlineMs: 600_000, recoveryRampWindowMs: 300_000 },
 * });
 * node.on("drainStart", ({ deadline }) => console.log("drain until", deadline));
 * node.start();
 * node.send({ type: "admin.enter", now: 10, drainForMs: null }); // → EnteringMaintenance
 * node.send({ type: "tick", now: 20, allDaemonsDrained: true, allDaemonsRunningHealthy: false });
 * node.getSnapshot().value; // "Maintenance"
 * ```
 *
 * @module
 */

import { assign, emit, setup, type SnapshotFrom } from "xstate";

/** The six maintenance states, in upstream's declaration order. */
export const MAINTENANCE_STATES = [
  "Active",
  "EnteringMaintenance",
  "Maintenance",
  "ExitingMaintenance",
  "DrainFailed",
  "Recovery",
] as const;

/** Name of a maintenance state; also the machine's state value. */
export type MaintenanceKind = typeof MAINTENANCE_STATES[number];

/** Timing configuration, in ms. */
export interface MaintenanceConfig {
  /** Drain deadline when `admin.enter` names none (upstream 10 min). */
  defaultDrainDeadlineMs: number;
  /** Recovery → Active after this long (upstream 5 min). */
  recoveryRampWindowMs: number;
}

/** Input of {@linkcode maintenanceMachine}: the clock's `now` at creation plus the configuration. */
export interface MaintenanceMachineInput extends MaintenanceConfig {
  now: number;
}

/** Context: when the current state began, its deadline (Entering only), its reason (DrainFailed only). */
export interface MaintenanceContext {
  since: number;
  deadline: number | null;
  reason: string | null;
  config: MaintenanceConfig;
}

/** Operator: enter maintenance, draining for `drainForMs` (null → `defaultDrainDeadlineMs`). */
export interface MaintenanceAdminEnterEvent {
  type: "admin.enter";
  now: number;
  drainForMs: number | null;
}
/** Operator: leave maintenance (from `Maintenance` or `DrainFailed`). */
export interface MaintenanceAdminExitEvent {
  type: "admin.exit";
  now: number;
}
/**
 * A transition observed elsewhere (upstream `MaintenanceTransitionObserved`). Applied only when
 * {@linkcode isValidSuccessor} allows it. `since` defaults to `now`; `deadline` (Entering only)
 * defaults to `now + defaultDrainDeadlineMs`; `reason` is kept for `DrainFailed`.
 */
export interface MaintenanceObservedEvent {
  type: "observed";
  now: number;
  target: MaintenanceKind;
  reason?: string;
  since?: number;
  deadline?: number | null;
}
/** The runtime's reconcile pass: what it knows about the daemons at `now`. */
export interface MaintenanceTickEvent {
  type: "tick";
  now: number;
  /** No daemon is still running or draining. */
  allDaemonsDrained: boolean;
  /** Every daemon runs with health healthy or unknown (vacuously true with none). */
  allDaemonsRunningHealthy: boolean;
}

/** Every event the maintenance machine accepts. */
export type MaintenanceEvent =
  | MaintenanceAdminEnterEvent
  | MaintenanceAdminExitEvent
  | MaintenanceObservedEvent
  | MaintenanceTickEvent;

/** Broadcast `DrainStart` to every daemon; `deadline` is an absolute clock time in ms. */
export interface MaintenanceDrainStartEmit {
  type: "drainStart";
  deadline: number;
}
/** Broadcast `DrainFinish` to every daemon. */
export interface MaintenanceDrainFinishEmit {
  type: "drainFinish";
}
/** What the machine emits (upstream §4.1 control-emission table; nothing else emits). */
export type MaintenanceEmitted = MaintenanceDrainStartEmit | MaintenanceDrainFinishEmit;

const VALID_SUCCESSORS: Readonly<Record<MaintenanceKind, readonly MaintenanceKind[]>> = {
  Active: ["EnteringMaintenance"],
  EnteringMaintenance: ["Maintenance", "DrainFailed"],
  Maintenance: ["ExitingMaintenance", "DrainFailed"],
  // ExitingMaintenance → DrainFailed is rejected on purpose upstream: a late DrainFailed must not
  // undo an operator's exit.
  ExitingMaintenance: ["Recovery"],
  DrainFailed: ["ExitingMaintenance"],
  Recovery: ["Active"],
};

/**
 * Upstream's `is_valid_successor`: the same state is always valid (its fields are replaced);
 * otherwise only the forward arcs of the §4.1 table.
 *
 * @example
 * ```ts
 * isValidSuccessor("ExitingMaintenance", "DrainFailed"); // false
 * isValidSuccessor("Recovery", "Recovery"); // true
 * ```
 */
export function isValidSuccessor(from: MaintenanceKind, to: MaintenanceKind): boolean {
  return from === to || VALID_SUCCESSORS[from].includes(to);
}

/** An observed transition to the current state: the fields are replaced in place, nothing is emitted. */
function observedReplace(current: MaintenanceKind) {
  return { guard: { type: "observedTargetIs", params: { target: current } }, actions: "adoptObserved" } as const;
}

/**
 * An observed arc of the validity table to `target`: adopts the observed fields, then sends the
 * control broadcast `emit` when the arc enters or leaves EnteringMaintenance.
 */
function observedArc(target: MaintenanceKind, emit?: "emitDrainStart" | "emitDrainFinish") {
  return {
    guard: { type: "observedTargetIs", params: { target } },
    target,
    actions: emit === undefined ? "adoptObserved" : ["adoptObserved", emit] as const,
  } as const;
}

/**
 * The node's maintenance statechart. State ids are the upstream variant names.
 */
export const maintenanceMachine = setup({
  types: {
    context: {} as MaintenanceContext,
    events: {} as MaintenanceEvent,
    input: {} as MaintenanceMachineInput,
    emitted: {} as MaintenanceEmitted,
  },
  guards: {
    observedTargetIs: ({ event }, params: { target: MaintenanceKind }) =>
      event.type === "observed" && event.target === params.target,
    allDaemonsDrained: ({ event }) => event.type === "tick" && event.allDaemonsDrained,
    drainDeadlineElapsed: ({ context, event }) =>
      event.type === "tick" && context.deadline !== null && event.now >= context.deadline,
    allDaemonsRunningHealthy: ({ event }) => event.type === "tick" && event.allDaemonsRunningHealthy,
    recoveryRampElapsed: ({ context, event }) =>
      event.type === "tick" && event.now - context.since >= context.config.recoveryRampWindowMs,
  },
  actions: {
    beginDrain: assign(({ context, event }) => {
      const { now, drainForMs } = event as MaintenanceAdminEnterEvent;
      return {
        since: now,
        deadline: now + (drainForMs ?? context.config.defaultDrainDeadlineMs),
        reason: null,
      };
    }),
    adoptObserved: assign(({ context, event }) => {
      const observed = event as MaintenanceObservedEvent;
      const deadline = observed.target !== "EnteringMaintenance"
        ? null
        : observed.deadline === undefined
        ? observed.now + context.config.defaultDrainDeadlineMs
        : observed.deadline;
      const reason = observed.target === "DrainFailed" ? observed.reason ?? "drain failed (observed)" : null;
      return { since: observed.since ?? observed.now, deadline, reason };
    }),
    restartClock: assign(({ event }) => ({ since: event.now, deadline: null, reason: null })),
    failDrain: assign(({ context, event }) => ({
      since: event.now,
      deadline: null,
      reason: `drain deadline elapsed after ${event.now - context.since}ms`,
    })),
    emitDrainStart: emit(({ context, event }) => ({
      type: "drainStart" as const,
      deadline: context.deadline ?? event.now + context.config.defaultDrainDeadlineMs,
    })),
    emitDrainFinish: emit({ type: "drainFinish" as const }),
  },
}).createMachine({
  id: "maintenance",
  initial: "Active",
  context: ({ input }) => ({
    since: input.now,
    deadline: null,
    reason: null,
    config: {
      defaultDrainDeadlineMs: input.defaultDrainDeadlineMs,
      recoveryRampWindowMs: input.recoveryRampWindowMs,
    },
  }),
  states: {
    Active: {
      on: {
        "admin.enter": { target: "EnteringMaintenance", actions: ["beginDrain", "emitDrainStart"] },
        observed: observedArc("EnteringMaintenance", "emitDrainStart"),
      },
    },
    EnteringMaintenance: {
      on: {
        // Same-variant replace: new since/deadline, no second DrainStart.
        "admin.enter": { actions: "beginDrain" },
        observed: [
          observedReplace("EnteringMaintenance"),
          observedArc("Maintenance", "emitDrainFinish"),
          observedArc("DrainFailed", "emitDrainFinish"),
        ],
        tick: [
          // A finished drain wins even when the deadline has passed (upstream reconcile order).
          { guard: "allDaemonsDrained", target: "Maintenance", actions: ["restartClock", "emitDrainFinish"] },
          { guard: "drainDeadlineElapsed", target: "DrainFailed", actions: ["failDrain", "emitDrainFinish"] },
        ],
      },
    },
    Maintenance: {
      on: {
        "admin.exit": { target: "ExitingMaintenance", actions: "restartClock" },
        observed: [observedReplace("Maintenance"), observedArc("ExitingMaintenance"), observedArc("DrainFailed")],
      },
    },
    ExitingMaintenance: {
      on: {
        observed: [observedReplace("ExitingMaintenance"), observedArc("Recovery")],
        tick: { guard: "allDaemonsRunningHealthy", target: "Recovery", actions: "restartClock" },
      },
    },
    DrainFailed: {
      on: {
        "admin.exit": { target: "ExitingMaintenance", actions: "restartClock" },
        observed: [observedReplace("DrainFailed"), observedArc("ExitingMaintenance")],
      },
    },
    Recovery: {
      on: {
        observed: [observedReplace("Recovery"), observedArc("Active")],
        tick: { guard: "recoveryRampElapsed", target: "Active", actions: "restartClock" },
      },
    },
  },
});

/** The state of a {@linkcode maintenanceMachine} actor (XState's snapshot). */
export type MaintenanceMachineState = SnapshotFrom<typeof maintenanceMachine>;

/** The maintenance state as daemons and the runtime snapshot see it, relative to a `now`. */
export interface MaintenanceView {
  kind: MaintenanceKind;
  /** ms since the current state began (0 if `now` is earlier). */
  sinceMs: number;
  /** ms left before the drain deadline (EnteringMaintenance only), saturating at 0; else null. */
  deadlineRemainingMs: number | null;
  /** Why the drain failed (DrainFailed only); else null. */
  reason: string | null;
}

/**
 * The maintenance state as seen at `now` (upstream `MaintenanceStateView::from_state`).
 *
 * @example
 * ```ts
 * maintenanceView(actor.getSnapshot(), clock.now()).deadlineRemainingMs;
 * ```
 */
export function maintenanceView(state: MaintenanceMachineState, now: number): MaintenanceView {
  const kind = maintenanceKind(state);
  const { since, deadline, reason } = state.context;
  return {
    kind,
    sinceMs: Math.max(0, now - since),
    deadlineRemainingMs: kind === "EnteringMaintenance" && deadline !== null ? Math.max(0, deadline - now) : null,
    reason: kind === "DrainFailed" ? reason : null,
  };
}

/**
 * The state name of a state.
 *
 * @example
 * ```ts
 * maintenanceKind(actor.getSnapshot()); // "Active"
 * ```
 */
export function maintenanceKind(state: MaintenanceMachineState): MaintenanceKind {
  return state.value as MaintenanceKind;
}

/**
 * True when `admin.enter` would be accepted (from `Active`, or replacing an ongoing drain).
 *
 * @example
 * ```ts
 * if (!canEnterMaintenance(node.getSnapshot())) throw new Error(explainAdminRejection(node.getSnapshot(), "enter")!);
 * ```
 */
export function canEnterMaintenance(state: MaintenanceMachineState): boolean {
  return state.can({ type: "admin.enter", now: state.context.since, drainForMs: null });
}

/**
 * True when `admin.exit` would be accepted (from `Maintenance` or `DrainFailed`).
 *
 * @example
 * ```ts
 * canExitMaintenance(node.getSnapshot()); // false while Active
 * ```
 */
export function canExitMaintenance(state: MaintenanceMachineState): boolean {
  return state.can({ type: "admin.exit", now: state.context.since });
}

/**
 * Why an admin command would be rejected now, as an error message naming what was received and
 * what was expected; null when it would be accepted.
 *
 * @example
 * ```ts
 * explainAdminRejection(actor.getSnapshot(), "exit");
 * // "exitMaintenance: expected the node in Maintenance or DrainFailed; got Active"
 * ```
 */
export function explainAdminRejection(state: MaintenanceMachineState, command: "enter" | "exit"): string | null {
  if (command === "enter") {
    return canEnterMaintenance(state) ? null : `enterMaintenance: expected the node in Active or EnteringMaintenance; got ${maintenanceKind(state)}`;
  }
  return canExitMaintenance(state) ? null : `exitMaintenance: expected the node in Maintenance or DrainFailed; got ${maintenanceKind(state)}`;
}
