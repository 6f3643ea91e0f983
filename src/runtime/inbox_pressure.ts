/**
 * A daemon's backpressure: its own inbox's high-water mark (on at 75 % of capacity, off at 25 %,
 * with the node's hysteresis policy) combined with node-wide backpressure, into the one level the
 * daemon's lifecycle statechart shows.
 *
 * @module
 */

import {
  type BackpressureHysteresis,
  createBackpressureHysteresis,
  updateBackpressure,
} from "../actors/backpressure_hysteresis.ts";
import type { DaemonControl } from "../contract/types.ts";

/** Share of the inbox at which the daemon's own backpressure turns on, and off. */
const ON_SHARE = 0.75;
const OFF_SHARE = 0.25;

/** One daemon's own and node-wide backpressure. */
export class InboxPressure {
  #own: BackpressureHysteresis;
  #node: number | null = null;

  constructor(inboxCapacity: number) {
    this.#own = createBackpressureHysteresis({
      threshold: Math.max(1, Math.floor(inboxCapacity * ON_SHARE)),
      release: Math.floor(inboxCapacity * OFF_SHARE),
    });
  }

  /**
   * Samples the inbox `depth` (once a tick): the control event the daemon gets for its own inbox,
   * if any. `BackpressureOff` waits while the node's backpressure is still on.
   */
  sample(depth: number): DaemonControl | null {
    const step = updateBackpressure(this.#own, depth);
    this.#own = step.hysteresis;
    if (step.sendOn) return { kind: "BackpressureOn", level: step.level };
    if (step.sendOff && this.#node === null) return { kind: "BackpressureOff" };
    return null;
  }

  /** Node-wide backpressure changed: `level` while on, null when off. */
  setNodeLevel(level: number | null): void {
    this.#node = level;
  }

  /** The level the daemon is under (the higher of its own and the node's), or null when neither is on. */
  level(): number | null {
    const own = this.#own.active ? this.#own.lastSentLevel ?? 0 : null;
    if (own === null) return this.#node;
    return Math.max(own, this.#node ?? 0);
  }
}
