/**
 * A movable daemon at one consistent point: which factory builds it, its `snapshot()` state, the
 * heads of both causal chains (so they continue with no gap) and how far its queue on the bus was
 * taken (so no event is taken twice). It is what a draining node hands a peer, and what a
 * replica on the bus holds for a node that restores the daemon after its host died. JSON; bytes
 * as base64; the chain heads as an output frame (`event_frame.ts`).
 *
 * @module
 */

import type { CausalEvent } from "../contract/types.ts";
import { parseU64Text } from "../contract/u64.ts";
import { base64ToBytes, bytesToBase64 } from "../contract/byte_text.ts";
import { decodeOutputFrame, encodeOutputFrame } from "./event_frame.ts";
import type { MeshBus } from "./mesh_bus.ts";

/** What moves with a daemon. */
export interface DaemonTransfer {
  daemonId: bigint;
  /** The node that hosts the daemon from this point on (in a replica: who owns it). */
  hostNode: bigint;
  factory: string;
  state: Uint8Array | null;
  /** The last event its ingress chain stamped (the genesis link before any). */
  ingressHead: CausalEvent;
  /** The last output of its own chain, or null before any. */
  outputHead: CausalEvent | null;
  /** The bus position of the last frame whose every event the state covers (0: none). */
  busPosition: bigint;
  /** Events of the next frame after `busPosition` that the state covers already. */
  skipNext: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A transfer on the wire. */
export function encodeDaemonTransfer(transfer: DaemonTransfer): Uint8Array {
  const heads = transfer.outputHead ? [transfer.ingressHead, transfer.outputHead] : [transfer.ingressHead];
  return encoder.encode(JSON.stringify({
    daemonId: String(transfer.daemonId),
    hostNode: String(transfer.hostNode),
    factory: transfer.factory,
    state: transfer.state === null ? null : bytesToBase64(transfer.state),
    heads: bytesToBase64(encodeOutputFrame(heads)),
    busPosition: String(transfer.busPosition),
    skipNext: transfer.skipNext,
  }));
}

/** The transfer in `bytes`, or why it is not one. */
export function decodeDaemonTransfer(bytes: Uint8Array): { transfer: DaemonTransfer } | { problem: string } {
  try {
    const fields = JSON.parse(decoder.decode(bytes));
    const daemonId = parseU64Text(fields.daemonId);
    const hostNode = parseU64Text(fields.hostNode);
    const busPosition = parseU64Text(fields.busPosition);
    if (daemonId === null || hostNode === null || busPosition === null || typeof fields.factory !== "string") {
      return { problem: "expected daemonId, hostNode and busPosition as u64 decimal strings, and a factory name" };
    }
    if (!Number.isSafeInteger(fields.skipNext) || fields.skipNext < 0) return { problem: "skipNext: expected a count of events (an integer ≥ 0)" };
    const heads = decodeOutputFrame(base64ToBytes(fields.heads));
    if ("problem" in heads || heads.events.length < 1 || heads.events.length > 2) return { problem: "heads: expected one or two causal events" };
    return {
      transfer: {
        daemonId,
        hostNode,
        factory: fields.factory,
        state: fields.state === null ? null : base64ToBytes(fields.state),
        ingressHead: heads.events[0],
        outputHead: heads.events[1] ?? null,
        busPosition,
        skipNext: fields.skipNext,
      },
    };
  } catch (err) {
    return { problem: `not a daemon transfer (${(err as Error).message})` };
  }
}

/**
 * The replica of `daemonId` stored on `bus`: its revision and the transfer it holds (null when the
 * stored bytes are not a transfer); null when none is stored. `bus_unavailable` when the bus
 * cannot say.
 */
export async function readTransferReplica(bus: MeshBus, daemonId: bigint): Promise<{ revision: bigint; transfer: DaemonTransfer | null } | null> {
  const stored = await bus.readReplica(daemonId);
  if (stored === null) return null;
  const decoded = decodeDaemonTransfer(stored.record);
  return { revision: stored.revision, transfer: "transfer" in decoded ? decoded.transfer : null };
}
