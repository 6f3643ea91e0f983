/**
 * A daemon's own causal chain as an async iterable. Outputs are kept in a bounded buffer so a
 * reader that subscribes late still sees recent ones; when the buffer is full the oldest output is
 * evicted and counted (`dropped`), never lost without a trace.
 *
 * @module
 */

import type { CausalEvent } from "../sdk/types.ts";

interface Reader {
  position: number;
  wake: (() => void) | null;
}

/** Bounded fan-out buffer of one daemon's outputs. */
export class OutputStream {
  readonly #capacity: number;
  #buffer: CausalEvent[] = [];
  #firstIndex = 0; // absolute index of #buffer[0]
  #readers = new Set<Reader>();
  #ended = false;
  #dropped = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Outputs evicted before every reader had them (or with no reader at all). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Appends one output. */
  push(event: CausalEvent): void {
    if (this.#ended) return;
    this.#buffer.push(event);
    if (this.#buffer.length > this.#capacity) {
      this.#buffer.shift();
      this.#firstIndex++;
      this.#dropped++;
    }
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
    const reader: Reader = { position: this.#firstIndex, wake: null };
    this.#readers.add(reader);
    try {
      for (;;) {
        reader.position = Math.max(reader.position, this.#firstIndex);
        const offset = reader.position - this.#firstIndex;
        if (offset < this.#buffer.length) {
          reader.position++;
          yield this.#buffer[offset];
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
