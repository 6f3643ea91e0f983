/**
 * A small stateful daemon used by the demo and the consumer checks: it echoes each payload in
 * upper case and counts what it has seen (restored after a crash from its snapshot).
 *
 * @module
 */

import type { CausalEvent, DaemonControl, MeshOsDaemon } from "../mod.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Echoes payloads upper-cased. A payload starting with "boom" makes `process()` throw the first
 * time it is seen (the runtime restarts the daemon and retries it, and the retry succeeds).
 */
export class ShoutingEcho implements MeshOsDaemon {
  readonly name: string;
  seen = 0;
  readonly controls: string[] = [];
  readonly #failedOnce = new Set<string>();

  constructor(name = "shouting-echo") {
    this.name = name;
  }

  process(event: CausalEvent): Uint8Array[] {
    const text = decoder.decode(event.payload);
    if (text.startsWith("boom") && !this.#failedOnce.has(text)) {
      this.#failedOnce.add(text);
      throw new Error(`cannot shout "${text}" (first attempt)`);
    }
    this.seen++;
    return [encoder.encode(text.toUpperCase())];
  }

  snapshot(): Uint8Array {
    return encoder.encode(String(this.seen));
  }

  restore(state: Uint8Array): void {
    this.seen = Number(decoder.decode(state));
  }

  onControl(event: DaemonControl): void {
    this.controls.push(event.kind);
  }
}

/** A daemon that spends about `microsPerEvent` µs of CPU per event: a slow consumer for bursts. */
export function slowDaemon(microsPerEvent: number): MeshOsDaemon {
  return {
    name: "slow-consumer",
    process() {
      const until = performance.now() + microsPerEvent / 1000;
      while (performance.now() < until) { /* busy: this daemon is slow on purpose */ }
      return null;
    },
  };
}
