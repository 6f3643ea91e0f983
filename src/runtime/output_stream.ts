/**
 * A daemon's own causal chain as an async iterable. Outputs are kept in a bounded circular buffer
 * so a reader that subscribes late still sees recent ones; when the buffer is full the oldest
 * output is evicted and counted (`dropped`), never lost without a trace.
 *
 * @module
 */

import type { CausalEvent } from "../contract/types.ts";

interface Reader {
  /** Absolute index of the next output this reader takes. */
  position: number;
  wake: (() => void) | null;
}

/** Bounded fan-out buffer of one daemon's outputs. */
export class OutputStream {
  readonly #capacity: number;
  readonly #slots: (CausalEvent | undefined)[];
  #next = 0; // absolute index of the next push; the buffer holds [#next - size, #next)
  #size = 0;
  #readers = new Set<Reader>();
  #ended = false;
  #dropped = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#slots = []; // grows as outputs come (pushes fill it in order), up to `capacity`
  }

  /** Outputs evicted before every reader had them (or with no reader at all). */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Appends one output, evicting the oldest when full. An eviction counts as dropped only when no
   * reader is attached or some attached reader had not taken that output yet.
   */
  push(event: CausalEvent): void {
    if (this.#ended) return;
    if (this.#size === this.#capacity) {
      const evicted = this.#next - this.#capacity;
      if (this.#readers.size === 0 || [...this.#readers].some((reader) => reader.position <= evicted)) this.#dropped++;
    } else {
      this.#size++;
    }
    this.#slots[this.#next % this.#capacity] = event;
    this.#next++;
    if (this.#readers.size === 0) return;
    for (const reader of this.#readers) {
      const wake = reader.wake;
      reader.wake = null;
      wake?.();
    }
  }

  /** No more outputs: readers finish after what is buffered. */
  end(): void {
    this.#ended = true;
    for (const reader of this.#readers) reader.wake?.();
  }

  /** Iterates buffered outputs, then new ones as they come, until `end()`. */
  async *read(): AsyncGenerator<CausalEvent, void, undefined> {
    const reader: Reader = { position: this.#next - this.#size, wake: null };
    this.#readers.add(reader);
    try {
      for (;;) {
        reader.position = Math.max(reader.position, this.#next - this.#size);
        if (reader.position < this.#next) {
          yield this.#slots[reader.position++ % this.#capacity]!;
          continue;
        }
        if (this.#ended) return;
        await new Promise<void>((resolve) => (reader.wake = resolve));
      }
    } finally {
      this.#readers.delete(reader);
    }
  }
}
