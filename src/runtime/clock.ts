/**
 * Time as the runtime sees it. Everything that waits or stamps goes through a `Clock`, so tests
 * (and daemon authors' own tests) drive time by hand with `ManualClock` instead of sleeping.
 *
 * @module
 */

/** An opaque timer id. */
export type TimerId = number;

/** Source of time and timers. */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch (log stamps). */
  wallMs(): number;
  /** Runs `fn` once after `ms`. */
  setTimer(fn: () => void, ms: number): TimerId;
  /** Cancels a timer; unknown ids are ignored. */
  clearTimer(id: TimerId): void;
}

const MAX_HOST_TIMER_MS = 2 ** 31 - 1;

/** The real clock: `performance.now()` and the host's timers. */
export function systemClock(): Clock {
  const timers = new Map<TimerId, ReturnType<typeof setTimeout>>();
  let nextId = 1;
  return {
    now: () => performance.now(),
    wallMs: () => Date.now(),
    setTimer(fn, ms) {
      const id = nextId++;
      // Host timers overflow past 2^31-1 ms and fire at once; long waits are re-armed in steps.
      const arm = (remainingMs: number) => {
        const stepMs = Math.min(remainingMs, MAX_HOST_TIMER_MS);
        timers.set(id, setTimeout(() => {
          if (remainingMs > stepMs) return arm(remainingMs - stepMs);
          timers.delete(id);
          fn();
        }, stepMs));
      };
      arm(Math.max(0, ms));
      return id;
    },
    clearTimer(id) {
      const handle = timers.get(id);
      if (handle !== undefined) clearTimeout(handle);
      timers.delete(id);
    },
  };
}

interface PendingTimer {
  id: TimerId;
  dueMs: number;
  fn: () => void;
}

/**
 * A clock that only moves when told. `advance(ms)` fires due timers in time order, letting
 * promise callbacks settle between them, so a whole maintenance drain runs in microseconds.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const sdk = await MeshOsDaemonSdk.start({ tickIntervalMs: 100n }, { clock });
 * await clock.advance(1_000); // ten ticks
 * ```
 */
export class ManualClock implements Clock {
  #nowMs: number;
  #wallOffsetMs: number;
  #timers: PendingTimer[] = [];
  #nextId = 1;

  constructor(options: { startMs?: number; wallStartMs?: number } = {}) {
    this.#nowMs = options.startMs ?? 0;
    this.#wallOffsetMs = (options.wallStartMs ?? 1_700_000_000_000) - this.#nowMs;
  }

  now(): number {
    return this.#nowMs;
  }

  wallMs(): number {
    return this.#nowMs + this.#wallOffsetMs;
  }

  setTimer(fn: () => void, ms: number): TimerId {
    const id = this.#nextId++;
    this.#timers.push({ id, dueMs: this.#nowMs + Math.max(0, ms), fn });
    return id;
  }

  clearTimer(id: TimerId): void {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (in order). */
  async advance(ms: number): Promise<void> {
    const targetMs = this.#nowMs + ms;
    await settle();
    for (;;) {
      const next = this.#earliestDue(targetMs);
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#nowMs = Math.max(this.#nowMs, next.dueMs);
      next.fn();
      await settle();
    }
    this.#nowMs = targetMs;
    await settle();
  }

  #earliestDue(limitMs: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.#timers) {
      if (t.dueMs <= limitMs && (!best || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.id < best.id))) {
        best = t;
      }
    }
    return best;
  }
}

/** Lets pending promise callbacks run (several microtask turns). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}
