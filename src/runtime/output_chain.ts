/**
 * A daemon's own causal chain (origin = the daemon id): each output of `process()` becomes the next
 * link, carrying the horizon of what the daemon had observed, and goes to the daemon's
 * {@link OutputStream}, which `sdk.outputs(id)` reads.
 *
 * @module
 */

import type { CausalEvent } from "../contract/types.ts";
import { CausalChain } from "../identity/causal_chain.ts";
import { OutputStream } from "./output_stream.ts";

/** The daemon's outputs, chained and buffered for readers. */
export class OutputChain {
  /** What readers iterate; bounded, evictions counted in `stream.dropped`. */
  readonly stream: OutputStream;
  #chain: CausalChain;
  #head: CausalEvent | null = null;

  constructor(daemonId: bigint, capacity: number) {
    this.#chain = new CausalChain(daemonId);
    this.stream = new OutputStream(capacity);
  }

  /** The last output appended (null before any): what a moved daemon's chain continues from. */
  get head(): CausalEvent | null {
    return this.#head;
  }

  /** Continues the chain after `head`, an output of this daemon made on another node. */
  resume(head: CausalEvent): void {
    this.#chain = CausalChain.resume(head, head.payload);
    this.#head = head;
  }

  /** Appends `outputs` in order, each on the next link with `horizonEncoded`; returns the events. */
  extend(outputs: readonly Uint8Array[], horizonEncoded: bigint): CausalEvent[] {
    return outputs.map((payload) => {
      const { link } = this.#chain.append(payload, horizonEncoded);
      const event: CausalEvent = {
        originHash: link.originHash,
        sequence: link.sequence,
        parentHash: link.parentHash,
        horizonEncoded: link.horizonEncoded,
        payload,
      };
      this.stream.push(event);
      this.#head = event;
      return event;
    });
  }
}
