/**
 * Cluster backpressure hysteresis (upstream `backpressure.rs::update_cluster_backpressure`, spec
 * §4.5) plus this SDK's level and re-send rule (product §3.1): on at depth ≥ threshold, off at
 * depth ≤ release, `level = clamp((depth − release) / (threshold − release), 0, 1)`, and while on a
 * new `BackpressureOn{level}` is due whenever the level moved by ≥ 0.25 since the last one sent.
 *
 * Pure: the runtime keeps a {@linkcode BackpressureHysteresis} value and folds each tick's bus depth
 * through {@linkcode updateBackpressure}.
 *
 * @example
 * ```ts
 * let bp = createBackpressureHysteresis({ threshold: 1000, release: 200 });
 * const step = updateBackpressure(bp, 1200);
 * step.change; // "asserted" → send BackpressureOn{level: step.level} to every daemon
 * bp = step.hysteresis;
 * ```
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";

/** Thresholds of the hysteresis, in queued events. */
export interface BackpressureHysteresisConfig {
  /** Depth at or above which backpressure turns on. Default 1000. */
  threshold: number;
  /** Depth at or below which it turns off. Default 200. Must be below `threshold`. */
  release: number;
  /** Level movement that makes a re-send due while on. Default 0.25. */
  resendStep: number;
}

/** The flag and the last level sent to daemons (null while off). */
export interface BackpressureHysteresis {
  config: BackpressureHysteresisConfig;
  active: boolean;
  lastSentLevel: number | null;
}

/** Upstream's `ClusterBackpressureChange`, lowercased. */
export type BackpressureChange = "asserted" | "released" | "steady";

/** What one depth sample did. */
export interface BackpressureStep {
  hysteresis: BackpressureHysteresis;
  change: BackpressureChange;
  /** The level for this depth (computed whether on or off). */
  level: number;
  /** True when daemons should receive `BackpressureOn{level}` now: on the asserting edge, or on a ≥ step move while on. */
  sendOn: boolean;
  /** True on the releasing edge: daemons should receive `BackpressureOff`. */
  sendOff: boolean;
}

/** Upstream defaults (threshold 1000, release 200) and the 0.25 re-send step. */
export const DEFAULT_BACKPRESSURE_HYSTERESIS: Readonly<BackpressureHysteresisConfig> = Object.freeze({
  threshold: 1000,
  release: 200,
  resendStep: 0.25,
});

/**
 * An inactive hysteresis with validated thresholds.
 *
 * @throws {MeshOsSdkError} `invalid_config` unless `0 <= release < threshold` and `resendStep > 0`.
 * @example
 * ```ts
 * createBackpressureHysteresis({}).active; // false
 * ```
 */
export function createBackpressureHysteresis(
  partial: Partial<BackpressureHysteresisConfig> = {},
): BackpressureHysteresis {
  const config: BackpressureHysteresisConfig = {
    threshold: partial.threshold ?? DEFAULT_BACKPRESSURE_HYSTERESIS.threshold,
    release: partial.release ?? DEFAULT_BACKPRESSURE_HYSTERESIS.release,
    resendStep: partial.resendStep ?? DEFAULT_BACKPRESSURE_HYSTERESIS.resendStep,
  };
  requireFinite("backpressureRelease", config.release, 0);
  requireFinite("backpressureThreshold", config.threshold, 0);
  if (config.threshold <= config.release) {
    throw new MeshOsSdkError(
      "invalid_config",
      `backpressureThreshold: expected greater than backpressureRelease (${config.release}); got ${config.threshold}`,
    );
  }
  if (!(config.resendStep > 0) || !Number.isFinite(config.resendStep)) {
    throw new MeshOsSdkError(
      "invalid_config",
      `resendStep: expected a finite number > 0; got ${describeValue(config.resendStep)}`,
    );
  }
  return { config, active: false, lastSentLevel: null };
}

/**
 * `clamp((depth − release) / (threshold − release), 0, 1)`.
 *
 * @example
 * ```ts
 * backpressureLevel(600, { threshold: 1000, release: 200 }); // 0.5
 * ```
 */
export function backpressureLevel(
  depth: number,
  config: Pick<BackpressureHysteresisConfig, "threshold" | "release">,
): number {
  const raw = (depth - config.release) / (config.threshold - config.release);
  if (Number.isNaN(raw)) return 0;
  return Math.min(1, Math.max(0, raw));
}

/**
 * Folds one depth sample: off → on at `depth >= threshold` ("asserted"), on → off at
 * `depth <= release` ("released"), otherwise "steady" — with a re-send due while steady-on when
 * `|level − lastSentLevel| >= resendStep`.
 *
 * @example
 * ```ts
 * const on = updateBackpressure(createBackpressureHysteresis({}), 1000); // asserted, level 1
 * updateBackpressure(on.hysteresis, 750).sendOn; // true: level 0.6875 moved 0.3125 ≥ 0.25
 * ```
 */
export function updateBackpressure(hysteresis: BackpressureHysteresis, depth: number): BackpressureStep {
  const { config } = hysteresis;
  const level = backpressureLevel(depth, config);
  if (!hysteresis.active) {
    if (depth >= config.threshold) {
      return step({ ...hysteresis, active: true, lastSentLevel: level }, "asserted", level, true);
    }
    return step(hysteresis, "steady", level, false);
  }
  if (depth <= config.release) {
    return { ...step({ ...hysteresis, active: false, lastSentLevel: null }, "released", level, false), sendOff: true };
  }
  if (isResendDue(hysteresis.lastSentLevel, level, config.resendStep)) {
    return step({ ...hysteresis, lastSentLevel: level }, "steady", level, true);
  }
  return step(hysteresis, "steady", level, false);
}

/**
 * True when `level` moved by at least `resendStep` from `lastSentLevel` (or nothing was sent yet).
 *
 * @example
 * ```ts
 * isResendDue(1, 0.75, 0.25); // true
 * ```
 */
export function isResendDue(lastSentLevel: number | null, level: number, resendStep: number): boolean {
  if (lastSentLevel === null) return true;
  // A tiny epsilon so that steps landing exactly on a quarter (0.75 after 1.0) count despite float error.
  return Math.abs(level - lastSentLevel) >= resendStep - 1e-9;
}

function step(
  hysteresis: BackpressureHysteresis,
  change: BackpressureChange,
  level: number,
  sendOn: boolean,
): BackpressureStep {
  return { hysteresis, change, level, sendOn, sendOff: false };
}

function requireFinite(field: string, value: number, minimum: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < minimum) {
    throw new MeshOsSdkError(
      "invalid_config",
      `${field}: expected a finite number >= ${minimum}; got ${describeValue(value)}`,
    );
  }
}
