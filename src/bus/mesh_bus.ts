/**
 * The seam between a node's runtime and the rest of its mesh. The runtime talks only to this
 * interface; `memory_bus.ts` (in-process, the default) and `nats_bus.ts` (NATS) implement it.
 * A bus knows the contract types, never the SDK classes.
 *
 * Later work (events across nodes, operator commands, daemon moves) adds methods here.
 *
 * @module
 */

import type { PeerSnapshot } from "../contract/types.ts";
import type { NodeAdvert } from "./node_advert.ts";

/** Which implementation carries a mesh. */
export type MeshBusKind = "memory" | "nats";

/** What a bus has done since it opened; every lost or refused message is counted here. */
export interface MeshBusStats {
  /** Heartbeats this node sent. */
  heartbeatsSent: number;
  /** Heartbeats this node could not send (the bus was disconnected or refused them). */
  heartbeatsFailed: number;
  /** Peers' heartbeats entered in the peer table. */
  heartbeatsReceived: number;
  /** Messages from the mesh that were not a valid heartbeat (malformed, or another mesh's). */
  heartbeatsRejected: number;
  /** Whether the bus is connected now (the memory bus always is until closed). */
  connected: boolean;
  /** Times the bus lost and regained its connection. */
  reconnects: number;
  /** Round-trip probes to a peer that got no answer in time. */
  rttProbesFailed: number;
}

/** One node's connection to its mesh. */
export interface MeshBus {
  readonly kind: MeshBusKind;
  /** The mesh name: nodes on the same bus with the same name see each other. */
  readonly mesh: string;
  /** Sends this node's heartbeat to every peer (never waits; a failure is counted). */
  advertise(advert: NodeAdvert): void;
  /** Every live peer as of `nowMs` on this node's clock; never this node. */
  peers(nowMs: number): Map<bigint, PeerSnapshot>;
  /** Counters since the bus opened. */
  stats(): MeshBusStats;
  /** Says goodbye to the peers and releases the connection; idempotent. */
  close(): Promise<void>;
}

/** Counters of a bus that just opened. */
export function freshBusStats(): MeshBusStats {
  return {
    heartbeatsSent: 0,
    heartbeatsFailed: 0,
    heartbeatsReceived: 0,
    heartbeatsRejected: 0,
    connected: true,
    reconnects: 0,
    rttProbesFailed: 0,
  };
}
