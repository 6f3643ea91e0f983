/**
 * A small stateful daemon used by the demo and the consumer checks: it echoes each payload in
 * upper case and counts what it has seen (restored after a crash from its snapshot).
 *
 * @module
 */

import type { CausalEvent, DaemonControl, MeshOsDaemon } from "../mod.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Echoes payloads upper-cased; a payload starting with "boom" makes `process()` throw. */
export class ShoutingEcho implements MeshOsDaemon {
  readonly name: string;
  seen = 0;
  readonly controls: string[] = [];

  constructor(name = "shouting-echo") {
    this.name = name;
  }

  process(event: CausalEvent): Uint8Array[] {
    const text = decoder.decode(event.payload);
    if (text.startsWith("boom")) throw new Error(`cannot shout "${text}"`);
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
