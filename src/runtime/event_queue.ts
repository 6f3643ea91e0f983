/**
 * The loop's bounded event queue (upstream §3.1: `event_queue_capacity`, default 1024). Publishing
 * never blocks: a full queue is an error for the caller (`queue_full`), a closed one `loop_closed`.
 * Queued events are applied in a microtask, in order.
 *
 * @module
 */

import { MeshOsSdkError } from "../errors/meshos_sdk_error.ts";

/** Applies one event; runs on the loop. */
export type EventApplier<E> = (event: E) => void;

/** Bounded FIFO drained by the loop. */
export class EventQueue<E> {
  readonly capacity: number;
  readonly #apply: EventApplier<E>;
  #queue: E[] = [];
  #scheduled = false;
  #closed = false;
  #rejected = 0;

  constructor(capacity: number, apply: EventApplier<E>) {
    this.capacity = capacity;
    this.#apply = apply;
  }

  get depth(): number {
    return this.#queue.length;
  }

  /** Publishes refused because the queue was full. */
  get rejected(): number {
    return this.#rejected;
  }

  /** Queues `event` or throws `queue_full` / `loop_closed` with `what` naming what was lost. */
  publish(event: E, what: string): void {
    if (this.#closed) throw new MeshOsSdkError("loop_closed", `MeshOS loop has exited; ${what} dropped`);
    if (this.#queue.length >= this.capacity) {
      this.#rejected++;
      throw new MeshOsSdkError("queue_full", `MeshOS event queue at capacity; ${what} dropped`);
    }
    this.#queue.push(event);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  /** Applies everything queued now. */
  drain(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    for (const event of batch) this.#apply(event);
  }

  /** Applies what is queued, then refuses further events. */
  close(): void {
    this.drain();
    this.#closed = true;
  }
}
