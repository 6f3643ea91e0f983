/**
 * The supervision backoff policy (upstream net-mesh `supervision.rs`, spec §3.15 / §4.6) as pure
 * data and pure functions. The daemon machine keeps a {@linkcode BackoffTracker} in its context and
 * folds every start, crash, tick and forced restart through these functions.
 *
 * Times are plain millisecond numbers from the runtime's injectable monotonic clock.
 *
 * @example
 * ```ts
 * let tracker = createBackoffTracker({});
 * tracker = observeCrash(tracker, 1_000);
 * tracker.restartState; // { state: "backingOff", untilMs: 1_500 }
 * isAdmissible(tracker.restartState, 1_500); // true: admissible exactly at `untilMs`
 * ```
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { rejectUnknownKeys } from "../contract/config.ts";

/** Tunables of the backoff policy; every field in milliseconds except `factor` and the threshold. */
export interface RestartBackoffConfig {
  /** Backoff window after the first crash. Default 500. */
  initialMs: number;
  /** Multiplier applied to the window after each crash. Default 2. */
  factor: number;
  /** Cap on the backoff window. Default 60 000. */
  maxMs: number;
  /** This many crashes inside `crashLoopWindowMs` trip the crash-loop gate. Default 5. */
  crashLoopThreshold: number;
  /** Rolling window for counting crashes. Default 60 000. */
  crashLoopWindowMs: number;
  /** How long the crash-loop gate holds. Default 300 000 (5 min). */
  crashLoopCooldownMs: number;
  /** A run at least this long earns a fresh slate (window back to `initialMs`, history cleared). Default 60 000. */
  stableRunThresholdMs: number;
}

/** Upstream's `BackoffConfig::default()`. */
export const DEFAULT_RESTART_BACKOFF: Readonly<RestartBackoffConfig> = Object.freeze({
  initialMs: 500,
  factor: 2,
  maxMs: 60_000,
  crashLoopThreshold: 5,
  crashLoopWindowMs: 60_000,
  crashLoopCooldownMs: 300_000,
  stableRunThresholdMs: 60_000,
});

/** Name of a restart-gate state, as the runtime snapshot shows it. */
export type RestartGateName = "idle" | "backingOff" | "crashLooping";

/** The restart gate (`RestartState`): `untilMs` is null exactly when `state` is `idle`. */
export interface RestartState {
  state: RestartGateName;
  untilMs: number | null;
}

/**
 * Per-daemon backoff bookkeeping (`BackoffTracker`). Plain data: the daemon machine spreads it into
 * its context, so `restartState` and `lastStartAt` are context fields of the daemon actor.
 */
export interface BackoffTracker {
  backoffConfig: RestartBackoffConfig;
  restartState: RestartState;
  /** Crash instants inside the rolling window, oldest first. */
  crashHistoryMs: readonly number[];
  /** The window the next (non crash-looping) crash will wait. */
  nextBackoffMs: number;
  /** Last start or restart, null before the first. */
  lastStartAt: number | null;
}

const IDLE: RestartState = Object.freeze({ state: "idle", untilMs: null }) as RestartState;

/**
 * Fills a partial config with upstream's defaults and validates it.
 *
 * @throws {MeshOsSdkError} `invalid_config` when a field is not a finite number in range.
 * @example
 * ```ts
 * resolveBackoffConfig({ initialMs: 100 }).maxMs; // 60_000
 * ```
 */
export function resolveBackoffConfig(partial: Partial<RestartBackoffConfig> = {}): RestartBackoffConfig {
  rejectUnknownKeys("backoff", partial, Object.keys(DEFAULT_RESTART_BACKOFF));
  const config: RestartBackoffConfig = { ...DEFAULT_RESTART_BACKOFF, ...stripUndefined(partial) };
  for (const [field, value] of Object.entries(config) as [keyof RestartBackoffConfig, number][]) {
    // The factor may be fractional; windows are whole milliseconds and the threshold a count.
    const whole = field !== "factor";
    const minimum = field === "factor" || field === "crashLoopThreshold" ? 1 : 0;
    const fits = typeof value === "number" && (whole ? Number.isSafeInteger(value) : Number.isFinite(value));
    if (!fits || value < minimum) {
      throw new MeshOsSdkError(
        "invalid_config",
        `backoff.${field}: expected ${whole ? "an integer" : "a finite number"} >= ${minimum}; got ${describeValue(value)}`,
      );
    }
  }
  if (config.maxMs < config.initialMs) {
    throw new MeshOsSdkError(
      "invalid_config",
      `backoff.maxMs: expected >= initialMs (${config.initialMs}); got ${config.maxMs}`,
    );
  }
  return config;
}

/**
 * A fresh tracker: idle, initial window, no history.
 *
 * @example
 * ```ts
 * createBackoffTracker({ crashLoopThreshold: 3 }).restartState; // { state: "idle", untilMs: null }
 * ```
 */
export function createBackoffTracker(partial: Partial<RestartBackoffConfig> = {}): BackoffTracker {
  const backoffConfig = resolveBackoffConfig(partial);
  return {
    backoffConfig,
    restartState: IDLE,
    crashHistoryMs: [],
    nextBackoffMs: backoffConfig.initialMs,
    lastStartAt: null,
  };
}

/**
 * True when the gate is open at `now`: idle, or gated with `untilMs <= now` (admissible exactly at
 * `untilMs`).
 *
 * @example
 * ```ts
 * isAdmissible({ state: "backingOff", untilMs: 500 }, 499); // false
 * ```
 */
export function isAdmissible(restartState: RestartState, now: number): boolean {
  return restartState.untilMs === null || restartState.untilMs <= now;
}

/**
 * A stable run (the last start at least `stableRunThresholdMs` before `now`) resets the window and
 * the crash history. Upstream applies this inside `observe_start` / `observe_clean_exit`; the daemon
 * machine also applies it when a crash ends a run (see `daemon_machine.ts`).
 *
 * @example
 * ```ts
 * settleStableRun(tracker, tracker.lastStartAt! + 60_000).nextBackoffMs; // 500
 * ```
 */
export function settleStableRun<T extends BackoffTracker>(tracker: T, now: number): T {
  if (tracker.lastStartAt === null) return tracker;
  if (now - tracker.lastStartAt < tracker.backoffConfig.stableRunThresholdMs) return tracker;
  return { ...tracker, nextBackoffMs: tracker.backoffConfig.initialMs, crashHistoryMs: [] };
}

/**
 * The daemon started (or restarted): gate back to idle, stable-run reset, `lastStartAt = now`
 * (upstream `observe_start`).
 *
 * @example
 * ```ts
 * observeStart(tracker, 5_000).lastStartAt; // 5_000
 * ```
 */
export function observeStart<T extends BackoffTracker>(tracker: T, now: number): T {
  return { ...settleStableRun(tracker, now), lastStartAt: now, restartState: IDLE };
}

/**
 * The daemon exited cleanly: gate back to idle, stable-run reset (upstream `observe_clean_exit`).
 *
 * @example
 * ```ts
 * observeCleanExit(tracker, 90_000).restartState.state; // "idle"
 * ```
 */
export function observeCleanExit<T extends BackoffTracker>(tracker: T, now: number): T {
  return { ...settleStableRun(tracker, now), restartState: IDLE };
}

/**
 * A crash at `now` (upstream `observe_crash`): slides the window, then either trips the crash-loop
 * gate (`crashLoopThreshold` crashes within `crashLoopWindowMs` → `crashLooping{now + cooldown}`,
 * window back to initial) or backs off for the current window and doubles it (capped at `maxMs`).
 *
 * @example
 * ```ts
 * observeCrash(createBackoffTracker({}), 0).restartState; // { state: "backingOff", untilMs: 500 }
 * ```
 */
export function observeCrash<T extends BackoffTracker>(tracker: T, now: number): T {
  const config = tracker.backoffConfig;
  const cutoff = now - config.crashLoopWindowMs;
  const crashHistoryMs = [...tracker.crashHistoryMs.filter((at) => at >= cutoff), now];
  if (crashHistoryMs.length >= config.crashLoopThreshold) {
    return {
      ...tracker,
      crashHistoryMs,
      restartState: { state: "crashLooping", untilMs: now + config.crashLoopCooldownMs },
      nextBackoffMs: config.initialMs,
    };
  }
  const doubled = Math.max(tracker.nextBackoffMs, config.initialMs) * config.factor;
  return {
    ...tracker,
    crashHistoryMs,
    restartState: { state: "backingOff", untilMs: now + tracker.nextBackoffMs },
    nextBackoffMs: Math.min(doubled, config.maxMs),
  };
}

/**
 * The gate a crash at `now` would produce, without keeping the result: what the daemon machine's
 * guards consult to pick `backingOff` or `crashLooping`.
 *
 * @example
 * ```ts
 * gateAfterCrash(tracker, now); // "backingOff" | "crashLooping"
 * ```
 */
export function gateAfterCrash(tracker: BackoffTracker, now: number): RestartGateName {
  return observeCrash(tracker, now).restartState.state;
}

/**
 * Per-tick release (upstream `maybe_release`): flips a gate whose `untilMs` has passed to idle.
 * `released` is true only on the call that did it.
 *
 * @example
 * ```ts
 * maybeRelease(tracker, tracker.restartState.untilMs!).released; // true
 * ```
 */
export function maybeRelease<T extends BackoffTracker>(tracker: T, now: number): { tracker: T; released: boolean } {
  if (tracker.restartState.state === "idle" || !isAdmissible(tracker.restartState, now)) {
    return { tracker, released: false };
  }
  return { tracker: { ...tracker, restartState: IDLE }, released: true };
}

/**
 * Operator override (upstream `force_release`, admin `ForceRestartDaemon`): gate to idle, window to
 * initial, history cleared. `wasGated` is true when the gate was not idle before.
 *
 * @example
 * ```ts
 * forceRelease(createBackoffTracker({})).wasGated; // false
 * ```
 */
export function forceRelease<T extends BackoffTracker>(tracker: T): { tracker: T; wasGated: boolean } {
  return {
    tracker: {
      ...tracker,
      restartState: IDLE,
      nextBackoffMs: tracker.backoffConfig.initialMs,
      crashHistoryMs: [],
    },
    wasGated: tracker.restartState.state !== "idle",
  };
}

function stripUndefined(partial: Partial<RestartBackoffConfig>): Partial<RestartBackoffConfig> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
}
