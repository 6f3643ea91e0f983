/**
 * A daemon handed from a draining node to a peer: which factory builds it there, its last
 * `snapshot()` state, the heads of both causal chains (so they continue with no gap) and the bus
 * position its queue was taken up to (so no frame is taken twice). JSON; bytes as base64; the
 * chain heads as an output frame (`event_frame.ts`).
 *
 * @module
 */

import type { CausalEvent } from "../contract/types.ts";
import { parseU64Text } from "../contract/u64.ts";
import { base64ToBytes, bytesToBase64 } from "../contract/byte_text.ts";
import { decodeOutputFrame, encodeOutputFrame } from "./event_frame.ts";

/** What moves with a daemon. */
export interface DaemonTransfer {
  daemonId: bigint;
  factory: string;
  state: Uint8Array | null;
  /** The last event its ingress chain stamped (the genesis link before any). */
  ingressHead: CausalEvent;
  /** The last output of its own chain, or null before any. */
  outputHead: CausalEvent | null;
  /** The bus position of the last frame it took (0: none). */
  busPosition: bigint;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A transfer on the wire. */
export function encodeDaemonTransfer(transfer: DaemonTransfer): Uint8Array {
  const heads = transfer.outputHead ? [transfer.ingressHead, transfer.outputHead] : [transfer.ingressHead];
  return encoder.encode(JSON.stringify({
    daemonId: String(transfer.daemonId),
    factory: transfer.factory,
    state: transfer.state === null ? null : bytesToBase64(transfer.state),
    heads: bytesToBase64(encodeOutputFrame(heads)),
    busPosition: String(transfer.busPosition),
  }));
}

/** The transfer in `bytes`, or why it is not one. */
export function decodeDaemonTransfer(bytes: Uint8Array): { transfer: DaemonTransfer } | { problem: string } {
  try {
    const fields = JSON.parse(decoder.decode(bytes));
    const daemonId = parseU64Text(fields.daemonId);
    const busPosition = parseU64Text(fields.busPosition);
    if (daemonId === null || busPosition === null || typeof fields.factory !== "string") {
      return { problem: "expected daemonId and busPosition as u64 decimal strings, and a factory name" };
    }
    const heads = decodeOutputFrame(base64ToBytes(fields.heads));
    if ("problem" in heads || heads.events.length < 1 || heads.events.length > 2) return { problem: "heads: expected one or two causal events" };
    return {
      transfer: {
        daemonId,
        factory: fields.factory,
        state: fields.state === null ? null : base64ToBytes(fields.state),
        ingressHead: heads.events[0],
        outputHead: heads.events[1] ?? null,
        busPosition,
      },
    };
  } catch (err) {
    return { problem: `not a daemon transfer (${(err as Error).message})` };
  }
}
