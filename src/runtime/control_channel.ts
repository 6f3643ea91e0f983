/**
 * One daemon's bounded control queue: at-most-once delivery, drop-newest when full (upstream
 * RS-3), every drop counted — except that a `Shutdown` is never the one dropped: it takes the
 * place of the oldest queued event that is not a `Shutdown` (that one is counted as dropped).
 * Waiters are woken by a new event, by a timeout, or by `close()`.
 *
 * @module
 */

import type { DaemonControl } from "../contract/types.ts";
import type { Clock, TimerId } from "./clock.ts";

interface Waiter {
  resolve: (event: DaemonControl | null) => void;
  timer: TimerId | null;
}

/** A bounded FIFO of control events for one daemon. */
export class ControlChannel {
  readonly capacity: number;
  #queue: DaemonControl[] = [];
  #waiters: Waiter[] = [];
  #closed = false;
  #dropped = 0;
  #delivered = 0;
  readonly #clock: Clock;

  constructor(capacity: number, clock: Clock) {
    this.capacity = capacity;
    this.#clock = clock;
  }

  /** Events refused because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Events accepted (handed to a waiter or queued). */
  get delivered(): number {
    return this.#delivered;
  }

  /** Events waiting to be read. */
  get depth(): number {
    return this.#queue.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Offers an event. Returns how many events this offer cost: 0 when it was queued or handed to a
   * waiter, 1 when the queue was full (the new event dropped, or for a `Shutdown`, the oldest
   * other event), and 1 for an event offered to a closed channel (lost, so counted).
   */
  offer(event: DaemonControl): { accepted: boolean; dropped: 0 | 1 } {
    if (this.#closed) {
      this.#dropped++;
      return { accepted: false, dropped: 1 };
    }
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#delivered++;
      this.#wake(waiter, event);
      return { accepted: true, dropped: 0 };
    }
    if (this.#queue.length < this.capacity) {
      this.#delivered++;
      this.#queue.push(event);
      return { accepted: true, dropped: 0 };
    }
    this.#dropped++;
    const evict = event.kind === "Shutdown" ? this.#queue.findIndex((queued) => queued.kind !== "Shutdown") : -1;
    if (evict < 0) return { accepted: false, dropped: 1 };
    this.#queue.splice(evict, 1);
    this.#delivered++;
    this.#queue.push(event);
    return { accepted: true, dropped: 1 };
  }

  /** The next queued event, or null when empty or closed. */
  poll(): DaemonControl | null {
    return this.#queue.shift() ?? null;
  }

  /**
   * Resolves with the next event; null after `timeoutMs` (0 polls once), or as soon as the channel
   * closes. No timeout waits until one of those happens.
   */
  next(timeoutMs: number | null): Promise<DaemonControl | null> {
    const ready = this.poll();
    if (ready) return Promise.resolve(ready);
    if (this.#closed || timeoutMs === 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, timer: null };
      if (timeoutMs !== null) {
        waiter.timer = this.#clock.setTimer(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          resolve(null);
        }, timeoutMs);
      }
      this.#waiters.push(waiter);
    });
  }

  /** Ends the channel: queued events are discarded and every waiter gets null. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    for (const waiter of this.#waiters.splice(0)) this.#wake(waiter, null);
  }

  #wake(waiter: Waiter, event: DaemonControl | null): void {
    if (waiter.timer !== null) this.#clock.clearTimer(waiter.timer);
    waiter.resolve(event);
  }
}
