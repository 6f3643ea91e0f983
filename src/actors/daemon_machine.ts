/**
 * One registered daemon's lifecycle as an XState v5 machine: registered → running (normal ⇄
 * backpressured) → draining → drained, stopping → stopped, and the supervision gate after a crash
 * (backingOff, crashLooping) with upstream's backoff policy from `restart_backoff.ts`.
 *
 * The runtime drives it with events that carry the clock's `now` and listens with
 * `actor.on("restart", …)` to restore the daemon from its last snapshot.
 *
 * A crash moves straight to `backingOff` or `crashLooping` (there is no transient `crashed` state:
 * guards pick the gate, and `crashes` / `lastCrashReason` in the context record the crash).
 *
 * Difference from upstream, on purpose: the stable-run reset (a run of at least
 * `stableRunThresholdMs` since the last start) is also applied when a crash ends that run, so the
 * crash that follows a long healthy run waits the initial window; upstream applies it only at the
 * next start, after the crash has already used the doubled window.
 *
 * @example
 * ```ts
 * import { createActor } from "xstate";
 * const daemon = createActor(daemonMachine, { input: { now: 0 } });
 * daemon.on("restart", () => restoreFromSnapshot());
 * daemon.start();
 * daemon.send({ type: "start", now: 0 });
 * daemon.send({ type: "crash", now: 10, reason: "process() threw" }); // → backingOff until 510
 * daemon.send({ type: "tick", now: 510 }); // → running, emits restart
 * ```
 *
 * @module
 */

import { and, assign, emit, setup, type SnapshotFrom } from "xstate";
import {
  type BackoffTracker,
  createBackoffTracker,
  forceRelease,
  gateAfterCrash,
  isAdmissible,
  maybeRelease,
  observeCleanExit,
  observeCrash,
  observeStart,
  type RestartBackoffConfig,
  settleStableRun,
} from "./restart_backoff.ts";

/** Input of {@linkcode daemonMachine}: the clock at registration and optional backoff tunables. */
export interface DaemonMachineInput {
  now: number;
  backoff?: Partial<RestartBackoffConfig>;
}

/**
 * Context. The {@linkcode BackoffTracker} fields (`restartState`, `lastStartAt`, `crashHistoryMs`,
 * `nextBackoffMs`, `backoffConfig`) live directly in it.
 */
export interface DaemonContext extends BackoffTracker {
  registeredAt: number;
  /** Last backpressure level received, clamped to [0, 1]; null while off. Kept outside `running` too. */
  backpressureLevel: number | null;
  crashes: number;
  restarts: number;
  lastCrashReason: string | null;
  /** Absolute drain deadline of the current drain, null when not draining. */
  drainDeadline: number | null;
  /** When `stop` was received, null before. */
  stopRequestedAt: number | null;
}

/** Start the daemon (registered → running). */
export interface DaemonStartEvent {
  type: "start";
  now: number;
}
/** Backpressure is on at `level` (clamped to [0, 1]); re-sent when the level moves. */
export interface DaemonBackpressureOnEvent {
  type: "backpressure.on";
  level: number;
  now?: number;
}
/** Backpressure is off. */
export interface DaemonBackpressureOffEvent {
  type: "backpressure.off";
  now?: number;
}
/** The node entered maintenance: drain before `deadline` (running → draining). */
export interface DaemonDrainStartEvent {
  type: "drain.start";
  deadline: number;
  now?: number;
}
/** The daemon finished draining: it stopped or called `exit()` (draining → drained). */
export interface DaemonDrainAckEvent {
  type: "drain.ack";
  now?: number;
}
/** Maintenance is over (draining | drained → running). */
export interface DaemonResumeEvent {
  type: "resume";
  now?: number;
}
/** Stop requested (operator, desired state, graceful shutdown). */
export interface DaemonStopEvent {
  type: "stop";
  now: number;
}
/** The daemon is gone (stopping → stopped; also from any state for unregister / exit). */
export interface DaemonStoppedEvent {
  type: "stopped";
  now?: number;
}
/** `process()` threw (running | draining → backingOff | crashLooping). */
export interface DaemonCrashEvent {
  type: "crash";
  now: number;
  reason: string;
}
/** Clock tick: releases an elapsed restart gate (admissible exactly at `untilMs`). */
export interface DaemonTickEvent {
  type: "tick";
  now: number;
}
/** Operator override (upstream `ForceRestartDaemon`): restart now, gate and history reset. */
export interface DaemonRestartForceEvent {
  type: "restart.force";
  now: number;
}

/** Every event the daemon machine accepts. */
export type DaemonEvent =
  | DaemonStartEvent
  | DaemonBackpressureOnEvent
  | DaemonBackpressureOffEvent
  | DaemonDrainStartEvent
  | DaemonDrainAckEvent
  | DaemonResumeEvent
  | DaemonStopEvent
  | DaemonStoppedEvent
  | DaemonCrashEvent
  | DaemonTickEvent
  | DaemonRestartForceEvent;

/** Restore the daemon from its last snapshot and run it again; `forced` for `restart.force`. */
export interface DaemonRestartEmit {
  type: "restart";
  now: number;
  forced: boolean;
}

/** What the daemon machine emits. */
export type DaemonEmitted = DaemonRestartEmit;

/** Top-level state names, as declared. */
export const DAEMON_STATES = [
  "registered",
  "running",
  "draining",
  "drained",
  "stopping",
  "stopped",
  "backingOff",
  "crashLooping",
] as const;

/** A top-level daemon state name. */
export type DaemonStateName = typeof DAEMON_STATES[number];

function clampLevel(level: number): number {
  return Number.isNaN(level) ? 0 : Math.min(1, Math.max(0, level));
}

// Transitions several states share. A target resolves from the state that uses it, so these fit
// top-level states only.

/** A stop request (running, draining, drained, and the restart gate). */
const STOP_TO_STOPPING = { target: "stopping", actions: "recordStop" } as const;

/** A crash while the daemon processes events (running, draining): guards pick the restart gate. */
const CRASH_TO_GATE = [
  { guard: "crashTripsLoop", target: "crashLooping", actions: "recordCrash" },
  { target: "backingOff", actions: "recordCrash" },
] as const;

/** Maintenance is over (draining, drained): back to the running substate the level asks for. */
const RESUME_TO_RUNNING = [
  { guard: "backpressureActive", target: "running.backpressured", actions: "clearDrainDeadline" },
  { target: "running.normal", actions: "clearDrainDeadline" },
] as const;

/** The restart gate (backingOff, crashLooping): released by a tick at its end, forced, or stopped. */
const RESTART_GATE_TRANSITIONS = {
  tick: [
    {
      guard: and(["restartGateOpen", "backpressureActive"]),
      target: "running.backpressured",
      actions: ["restartFromGate", "emitRestart"],
    },
    { guard: "restartGateOpen", target: "running.normal", actions: ["restartFromGate", "emitRestart"] },
  ],
  "restart.force": [
    { guard: "backpressureActive", target: "running.backpressured", actions: ["forceRestart", "emitRestart"] },
    { target: "running.normal", actions: ["forceRestart", "emitRestart"] },
  ],
  stop: STOP_TO_STOPPING,
} as const;

/** The daemon lifecycle statechart. */
export const daemonMachine = setup({
  types: {
    context: {} as DaemonContext,
    events: {} as DaemonEvent,
    input: {} as DaemonMachineInput,
    emitted: {} as DaemonEmitted,
  },
  guards: {
    backpressureActive: ({ context }) => context.backpressureLevel !== null,
    crashTripsLoop: ({ context, event }) => {
      const { now } = event as DaemonCrashEvent;
      return gateAfterCrash(settleStableRun(context, now), now) === "crashLooping";
    },
    restartGateOpen: ({ context, event }) => isAdmissible(context.restartState, (event as DaemonTickEvent).now),
  },
  actions: {
    recordStart: assign(({ context, event }) => observeStart(context, (event as DaemonStartEvent).now)),
    recordBackpressure: assign({
      backpressureLevel: ({ event }) => clampLevel((event as DaemonBackpressureOnEvent).level),
    }),
    clearBackpressure: assign({ backpressureLevel: null }),
    recordDrainDeadline: assign({ drainDeadline: ({ event }) => (event as DaemonDrainStartEvent).deadline }),
    clearDrainDeadline: assign({ drainDeadline: null }),
    recordStop: assign({ stopRequestedAt: ({ event }) => (event as DaemonStopEvent).now }),
    recordCrash: assign(({ context, event }) => {
      const { now, reason } = event as DaemonCrashEvent;
      return {
        ...observeCrash(settleStableRun(context, now), now),
        crashes: context.crashes + 1,
        lastCrashReason: reason,
        drainDeadline: null,
      };
    }),
    restartFromGate: assign(({ context, event }) => {
      const { now } = event as DaemonTickEvent;
      return { ...observeStart(maybeRelease(context, now).tracker, now), restarts: context.restarts + 1 };
    }),
    forceRestart: assign(({ context, event }) => {
      const { now } = event as DaemonRestartForceEvent;
      return {
        ...observeStart(forceRelease(context).tracker, now),
        restarts: context.restarts + 1,
        drainDeadline: null,
      };
    }),
    recordCleanExit: assign(({ context, event }) => observeCleanExit(context, event.now ?? context.lastStartAt ?? 0)),
    emitRestart: emit(({ event }) => ({
      type: "restart" as const,
      now: (event as DaemonTickEvent | DaemonRestartForceEvent).now,
      forced: event.type === "restart.force",
    })),
  },
}).createMachine({
  id: "daemon",
  initial: "registered",
  context: ({ input }) => ({
    ...createBackoffTracker(input.backoff),
    registeredAt: input.now,
    backpressureLevel: null,
    crashes: 0,
    restarts: 0,
    lastCrashReason: null,
    drainDeadline: null,
    stopRequestedAt: null,
  }),
  on: {
    // Outside `running` the level is only remembered, so that re-entering `running` shows it.
    "backpressure.on": { actions: "recordBackpressure" },
    "backpressure.off": { actions: "clearBackpressure" },
    stopped: { target: ".stopped", actions: "recordCleanExit" },
  },
  states: {
    registered: {
      on: {
        start: [
          { guard: "backpressureActive", target: "running.backpressured", actions: "recordStart" },
          { target: "running.normal", actions: "recordStart" },
        ],
      },
    },
    running: {
      initial: "normal",
      on: {
        "drain.start": { target: "draining", actions: "recordDrainDeadline" },
        stop: STOP_TO_STOPPING,
        crash: CRASH_TO_GATE,
        // Stays in the current substate: the daemon is restored in place.
        "restart.force": { actions: ["forceRestart", "emitRestart"] },
      },
      states: {
        normal: {
          on: { "backpressure.on": { target: "backpressured", actions: "recordBackpressure" } },
        },
        backpressured: {
          on: {
            "backpressure.on": { actions: "recordBackpressure" },
            "backpressure.off": { target: "normal", actions: "clearBackpressure" },
          },
        },
      },
    },
    draining: {
      on: {
        "drain.ack": { target: "drained" },
        resume: RESUME_TO_RUNNING,
        stop: STOP_TO_STOPPING,
        crash: CRASH_TO_GATE,
      },
    },
    drained: {
      on: {
        resume: RESUME_TO_RUNNING,
        stop: STOP_TO_STOPPING,
      },
    },
    backingOff: { on: RESTART_GATE_TRANSITIONS },
    crashLooping: { on: RESTART_GATE_TRANSITIONS },
    stopping: {},
    stopped: { type: "final" },
  },
});

/** The state of a {@linkcode daemonMachine} actor (XState calls it a snapshot; "snapshot" here means the runtime view of `sdk.snapshot()`). */
export type DaemonMachineState = SnapshotFrom<typeof daemonMachine>;

/**
 * The state as a dotted label for the runtime snapshot and the inspector, e.g.
 * `running.backpressured`.
 *
 * @example
 * ```ts
 * daemonLifecycleLabel(daemon.getSnapshot()); // "backingOff"
 * ```
 */
export function daemonLifecycleLabel(state: DaemonMachineState): string {
  const value = state.value;
  if (typeof value === "string") return value;
  const [parent, child] = Object.entries(value)[0] as [string, string];
  return `${parent}.${child}`;
}

/**
 * The top-level state name of a state.
 *
 * @example
 * ```ts
 * daemonStateName(daemon.getSnapshot()); // "running"
 * ```
 */
export function daemonStateName(state: DaemonMachineState): DaemonStateName {
  return daemonLifecycleLabel(state).split(".")[0] as DaemonStateName;
}

/**
 * True when the daemon no longer processes events, so it does not hold up a maintenance drain:
 * registered (never started), drained, stopped, or held by the restart gate (upstream's fold says
 * `Stopped` after a crash).
 *
 * @example
 * ```ts
 * const allDaemonsDrained = daemons.every((d) => countsAsDrained(d.getSnapshot()));
 * ```
 */
export function countsAsDrained(state: DaemonMachineState): boolean {
  const name = daemonStateName(state);
  return name === "registered" || name === "drained" || name === "stopped" || name === "backingOff" ||
    name === "crashLooping";
}

/**
 * True while the daemon is in `running` (either substate): what maintenance exit waits for,
 * together with the daemon's polled health.
 *
 * @example
 * ```ts
 * const healthy = daemons.every((d) => countsAsRunning(d.getSnapshot()) && d.health !== "unhealthy");
 * ```
 */
export function countsAsRunning(state: DaemonMachineState): boolean {
  return daemonStateName(state) === "running";
}
