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
  /**
   * Runs `fn` on a later turn of the host loop, after the I/O and timers already due had theirs
   * (what a long-running pump yields with). Cancelled by `clearTimer`.
   */
  defer(fn: () => void): TimerId;
  /** Cancels a timer or a deferred turn; unknown ids are ignored. */
  clearTimer(id: TimerId): void;
}

const CLOCK_METHODS = ["now", "wallMs", "setTimer", "defer", "clearTimer"] as const;

/**
 * Whether `value` has every method of a `Clock` (what `MeshOsDaemonSdk.start` checks its `clock`
 * option with).
 *
 * @example
 * ```ts
 * isClock(new ManualClock()); // true
 * isClock({ now: () => 0 }); // false
 * ```
 */
export function isClock(value: unknown): value is Clock {
  if (typeof value !== "object" || value === null) return false;
  return CLOCK_METHODS.every((name) => typeof (value as Record<string, unknown>)[name] === "function");
}

const MAX_HOST_TIMER_MS = 2 ** 31 - 1;

/** Schedules `fn` on a later host turn; returns what cancels it. */
type HostTurn = (fn: () => void) => () => void;

/** The real clock: `performance.now()`, the host's timers and `setImmediate`. */
export function systemClock(): Clock {
  const cancels = new Map<TimerId, () => void>();
  const turn = hostTurn();
  let nextId = 1;
  return {
    now: () => performance.now(),
    wallMs: () => Date.now(),
    setTimer(fn, ms) {
      const id = nextId++;
      // Host timers overflow past 2^31-1 ms and fire at once; long waits are re-armed in steps.
      const arm = (remainingMs: number) => {
        const stepMs = Math.min(remainingMs, MAX_HOST_TIMER_MS);
        const handle = setTimeout(() => {
          if (remainingMs > stepMs) return arm(remainingMs - stepMs);
          cancels.delete(id);
          fn();
        }, stepMs);
        cancels.set(id, () => clearTimeout(handle));
      };
      arm(Math.max(0, ms));
      return id;
    },
    defer(fn) {
      const id = nextId++;
      cancels.set(
        id,
        turn(() => {
          cancels.delete(id);
          fn();
        }),
      );
      return id;
    },
    clearTimer(id) {
      cancels.get(id)?.();
      cancels.delete(id);
    },
  };
}

/** `setImmediate` where the host has it (Deno, Bun, Node), else a `MessageChannel` (browsers). */
function hostTurn(): HostTurn {
  const host = globalThis as {
    setImmediate?: (fn: () => void) => unknown;
    clearImmediate?: (handle: unknown) => void;
  };
  const { setImmediate, clearImmediate } = host;
  if (typeof setImmediate !== "function" || typeof clearImmediate !== "function") return messageChannelTurn();
  return (fn) => {
    const handle = setImmediate(fn);
    return () => clearImmediate(handle);
  };
}

/**
 * Host turns from `MessageChannel` messages: a macrotask without the 4 ms clamp nested
 * `setTimeout(0)` gets. One message per turn runs the oldest waiting callback; the channel is
 * closed whenever none waits, so it never keeps the host alive on its own.
 */
function messageChannelTurn(): HostTurn {
  const waiting = new Map<number, () => void>(); // insertion order is turn order
  let channel: MessageChannel | null = null;
  let nextKey = 0;
  const runOldest = () => {
    const oldest = waiting.entries().next();
    if (!oldest.done) {
      waiting.delete(oldest.value[0]);
      oldest.value[1]();
    }
    if (waiting.size === 0 && channel) {
      const idle = channel;
      channel = null;
      idle.port1.onmessage = null; // Bun delivers queued messages while closing
      idle.port1.close();
      idle.port2.close();
    }
  };
  return (fn) => {
    const key = nextKey++;
    waiting.set(key, fn);
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = runOldest;
    }
    channel.port2.postMessage(null);
    return () => waiting.delete(key);
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
 * Deferred turns (a pump yielding between batches) run only on `runDeferred()`, so a test decides
 * when a backlog drains and can look at it before.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const sdk = await MeshOsDaemonSdk.start({ tickIntervalMs: 100n }, { clock });
 * await clock.advance(1_000); // ten ticks
 * await clock.runDeferred();   // one more pump turn for each daemon with a backlog
 * ```
 */
export class ManualClock implements Clock {
  #nowMs: number;
  #wallOffsetMs: number;
  #timers: PendingTimer[] = [];
  #deferred: { id: TimerId; fn: () => void }[] = [];
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

  defer(fn: () => void): TimerId {
    const id = this.#nextId++;
    this.#deferred.push({ id, fn });
    return id;
  }

  clearTimer(id: TimerId): void {
    this.#timers = this.#timers.filter((t) => t.id !== id);
    this.#deferred = this.#deferred.filter((d) => d.id !== id);
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Deferred turns not yet run. */
  get pendingDeferred(): number {
    return this.#deferred.length;
  }

  /**
   * Runs the turns deferred before this call, oldest first, letting promise callbacks settle after
   * each; turns they defer wait for the next call. Returns how many ran.
   */
  async runDeferred(): Promise<number> {
    const firstLaterId = this.#nextId;
    let ran = 0;
    await settle();
    for (let turn = this.#deferred[0]; turn && turn.id < firstLaterId; turn = this.#deferred[0]) {
      this.#deferred.shift();
      turn.fn();
      ran++;
      await settle();
    }
    return ran;
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
