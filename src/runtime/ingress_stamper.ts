/**
 * Where an ingested payload becomes a {@link CausalEvent}: the node's ingress chain for one daemon
 * (origin = the node's ingress identity), stamped as each payload leaves the inbox, and the
 * horizon of what the daemon has observed, which its outputs carry.
 *
 * @module
 */

import type { CausalEvent } from "../contract/types.ts";
import { CausalChain, genesisLink } from "../identity/causal_chain.ts";
import { ObservedHorizon } from "../identity/horizon.ts";

/** Stamps the payloads one daemon receives with the next link of its ingress chain. */
export class IngressStamper {
  #chain: CausalChain;
  #head: CausalEvent;
  #adopted = false; // #head came from elsewhere (a Worker): #chain must resume from it first
  readonly #horizon = new ObservedHorizon();

  constructor(origin: bigint) {
    this.#chain = new CausalChain(origin);
    this.#head = { ...genesisLink(origin), payload: new Uint8Array(0) };
  }

  /** The next event: `payload` on the link after the head (the caller owns the bytes). */
  stamp(payload: Uint8Array): CausalEvent {
    if (this.#adopted) {
      this.#chain = CausalChain.resume(this.#head, this.#head.payload);
      this.#adopted = false;
    }
    const { link } = this.#chain.append(payload);
    this.#horizon.observe(link.originHash, link.sequence);
    const event: CausalEvent = {
      originHash: link.originHash,
      sequence: link.sequence,
      parentHash: link.parentHash,
      horizonEncoded: link.horizonEncoded,
      payload,
    };
    this.#head = event;
    return event;
  }

  /** The last event stamped (the genesis link, empty, before any). */
  head(): CausalEvent {
    return this.#head;
  }

  /** Takes `head`, stamped elsewhere (a Worker), as the chain's head: stamping goes on after it. */
  adopt(head: CausalEvent): void {
    this.#horizon.observe(head.originHash, head.sequence);
    this.#head = head;
    this.#adopted = true;
  }

  /** The encoded horizon of everything stamped or adopted so far. */
  horizon(): bigint {
    return this.#horizon.encode();
  }
}
