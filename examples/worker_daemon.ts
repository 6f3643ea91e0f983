/**
 * A daemon that runs in its own Worker. This file is both the daemon module (it exports
 * `wordCounter`, which the Worker loads) and, run directly, the node that registers it:
 *
 * ```sh
 * node_modules/.bin/bun examples/worker_daemon.ts
 * node_modules/.bin/deno run --allow-read --allow-env --allow-ffi examples/worker_daemon.ts
 * ```
 *
 * Lines are ingested on the main thread while `process()` counts their words in the Worker; the
 * outputs come back on the daemon's causal chain.
 *
 * @module
 */

import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import type { CausalEvent, DaemonControl } from "../mod.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Counts the words of each line; emits `"<words> words (<total> so far)"`. Survives restarts. */
export const wordCounter = {
  total: 0,
  process(event: CausalEvent): Uint8Array[] {
    const words = decoder.decode(event.payload).split(/\s+/).filter(Boolean).length;
    this.total += words;
    return [encoder.encode(`${words} words (${this.total} so far)`)];
  },
  snapshot(): Uint8Array {
    return encoder.encode(String(this.total));
  },
  restore(state: Uint8Array): void {
    this.total = Number(decoder.decode(state));
  },
  onControl(event: DaemonControl): void {
    if (event.kind === "Shutdown") console.log("worker: shutting down");
  },
};

async function main(): Promise<void> {
  await using sdk = await MeshOsDaemonSdk.start();
  const handle = await sdk.registerDaemon({ name: "word-counter" }, Identity.generate(), {
    worker: { module: import.meta.url, exportName: "wordCounter" },
  });
  const lines = ["the quick brown fox", "jumps over", "the lazy dog"];
  sdk.ingestBatch(handle.daemonId, lines.map((line) => encoder.encode(line)));
  let seen = 0;
  for await (const output of sdk.outputs(handle.daemonId)) {
    console.log(`output #${output.sequence}: ${decoder.decode(output.payload)}`);
    if (++seen === lines.length) break;
  }
  await handle.gracefulShutdown(100n);
}

if (import.meta.main) await main();
