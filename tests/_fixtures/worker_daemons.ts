/**
 * Daemon objects that `tests/worker_daemon_test.ts` runs in Workers, one export each (picked with
 * `options.worker.exportName`). Each reports what it saw through its outputs or its health, the
 * only ways a test on the main thread can look inside a Worker.
 *
 * @module
 */

import type { CausalEvent, DaemonControl, DaemonHealth, MeshOsDaemon } from "../../mod.ts";
import { encodeCausalLink } from "../_causal_links.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function text(event: CausalEvent): string {
  return decoder.decode(event.payload);
}

/** Echoes each payload. */
export default {
  process: (event: CausalEvent) => [event.payload],
} satisfies Omit<MeshOsDaemon, "name">;

/** Emits, per event, the 32-byte link it was given followed by its payload. */
export const links: Omit<MeshOsDaemon, "name"> = {
  process(event) {
    const out = new Uint8Array(32 + event.payload.length);
    out.set(encodeCausalLink(event));
    out.set(event.payload, 32);
    return [out];
  },
};

/**
 * Keeps the control events it is given; `health:<kind>:<reason>` and `saturation:<n>` set what it
 * reports when polled; `report` emits `{ controls, processed }` as JSON.
 */
export const recorder = {
  controls: [] as string[],
  processed: 0,
  healthNow: "healthy" as DaemonHealth,
  saturationNow: 0,
  process(event: CausalEvent): Uint8Array[] {
    this.processed++;
    const [command, a, b] = text(event).split(":");
    if (command === "health") this.healthNow = { kind: a as "degraded", reason: b };
    if (command === "saturation") this.saturationNow = Number(a);
    if (command !== "report") return [];
    return [encoder.encode(JSON.stringify({ controls: this.controls, processed: this.processed }))];
  },
  onControl(event: DaemonControl): void {
    this.controls.push(event.kind);
  },
  health(): DaemonHealth {
    return this.healthNow;
  },
  saturation(): number {
    return this.saturationNow;
  },
};

/** Counts events; throws on "poison" the first two times; `report` emits the count. */
export const flaky = {
  count: 0,
  failuresLeft: 2,
  restored: [] as number[],
  process(event: CausalEvent): Uint8Array[] {
    if (text(event) === "poison" && this.failuresLeft-- > 0) throw new Error("poisoned");
    this.count++;
    return text(event) === "report" ? [encoder.encode(`${this.count} restored=${this.restored.join(",")}`)] : [];
  },
  snapshot(): Uint8Array {
    return encoder.encode(String(this.count));
  },
  restore(state: Uint8Array): void {
    this.count = Number(decoder.decode(state));
    this.restored.push(this.count);
  },
};

/**
 * Counts events and ends its own Worker on request: `close-now` calls `self.close()` inside
 * `process()` (every time: each fresh Worker dies on it again); `close-later` and `throw-later`
 * end the Worker from a timer, after `process()` returned. `report` emits `count@restoredFrom`.
 */
export const closer = {
  count: 0,
  restoredFrom: -1,
  process(event: CausalEvent): Uint8Array[] {
    const command = text(event);
    if (command === "close-now") self.close();
    if (command === "close-later") setTimeout(() => self.close(), 0);
    if (command === "throw-later") setTimeout(() => { throw new Error("late boom"); }, 0);
    this.count++;
    return command === "report" ? [encoder.encode(`${this.count}@${this.restoredFrom}`)] : [];
  },
  snapshot(): Uint8Array {
    return encoder.encode(String(this.count));
  },
  restore(state: Uint8Array): void {
    this.count = Number(decoder.decode(state));
    this.restoredFrom = this.count;
  },
};

/** Not a daemon: no `process`. */
export const notADaemon = { name: "lazy" };

/**
 * An async `process()`: each event settles a millisecond later, echoed with the count so far;
 * "reject-once" rejects the first time; "report" emits `count restored=…`.
 */
export const asyncProcess = {
  count: 0,
  rejected: false,
  restored: [] as number[],
  process(event: CausalEvent): Promise<Uint8Array[]> {
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        const payload = text(event);
        if (payload === "reject-once" && !this.rejected) {
          this.rejected = true;
          return reject(new Error("rejected in the Worker"));
        }
        if (payload === "report") return resolve([encoder.encode(`${this.count} restored=${this.restored.join(",")}`)]);
        this.count++;
        resolve([encoder.encode(`${payload}#${this.count}`)]);
      }, 1);
    });
  },
  snapshot(): Uint8Array {
    return encoder.encode(String(this.count));
  },
  restore(state: Uint8Array): void {
    this.count = Number(decoder.decode(state));
    this.restored.push(this.count);
  },
};

/** Counts the events it processed; fails once on each payload starting with "fail"; `report` emits the count. */
export const failsOnce = {
  count: 0,
  failed: new Set<string>(),
  process(event: CausalEvent): Uint8Array[] {
    const payload = text(event);
    if (payload === "report") return [encoder.encode(String(this.count))];
    if (payload.startsWith("fail") && !this.failed.has(payload)) {
      this.failed.add(payload);
      throw new Error(`fails once on ${payload}`);
    }
    this.count++;
    return [event.payload];
  },
  snapshot(): Uint8Array {
    return encoder.encode(String(this.count));
  },
  restore(state: Uint8Array): void {
    this.count = Number(decoder.decode(state));
  },
};
