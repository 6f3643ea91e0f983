// The "tally" daemon of the tests of daemons that move (`movable_node.ts`): it
// takes payloads "e:<n>" and keeps, in its snapshot, which n it saw, how many it saw twice, and
// whether its ingress chain ever skipped a sequence. "report" makes it output
// {count, dupes, gaps, node}: a daemon restored or moved with an event lost or processed twice
// reports it.
import type { CausalEvent, MeshOsDaemon } from "../../mod.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** What a tally daemon reports. */
export interface TallyReport {
  count: number;
  dupes: number;
  gaps: number;
  node: string;
}

/** Up to this many distinct event numbers per daemon. */
const MAX_EVENTS = 1 << 16;

/** A tally daemon; its reports name `node`. */
export function tally(node: string): MeshOsDaemon {
  let seen = new Uint8Array(MAX_EVENTS / 8);
  let count = 0;
  let dupes = 0;
  let gaps = 0;
  let lastSequence = -1n;
  return {
    name: "tally",
    process(event: CausalEvent) {
      if (lastSequence >= 0n && event.sequence !== lastSequence + 1n) gaps++;
      lastSequence = event.sequence;
      const payload = text(event.payload);
      if (payload === "report") {
        return [new TextEncoder().encode(JSON.stringify({ count, dupes, gaps, node }))];
      }
      const n = Number(payload.slice(2));
      const bit = 1 << (n & 7);
      if (seen[n >> 3] & bit) dupes++;
      else count++;
      seen[n >> 3] |= bit;
      return [];
    },
    snapshot: () => new TextEncoder().encode(JSON.stringify({ count, dupes, gaps, lastSequence: String(lastSequence), seen: Array.from(seen) })),
    restore(state: Uint8Array) {
      const saved = JSON.parse(text(state));
      ({ count, dupes, gaps } = saved);
      lastSequence = BigInt(saved.lastSequence);
      seen = Uint8Array.from(saved.seen);
    },
  };
}
