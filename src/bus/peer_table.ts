/**
 * What this node knows of the other nodes of its mesh: the last heartbeat of each, when it came
 * (on this node's clock), and the last measured round trip. Health is the age of the last
 * heartbeat, with upstream's thresholds (spec §3.9, `ProximityGraphHealthProbe`): Degraded from
 * 1.5 s, Unreachable from 5 s. A peer silent for `FORGET_AFTER_MS` leaves the table; one that
 * says goodbye leaves at once.
 *
 * @module
 */

import type { PeerHealth, PeerSnapshot } from "../contract/types.ts";
import type { NodeAdvert } from "./node_advert.ts";

/** A heartbeat this old (ms) makes the peer Degraded. */
const PEER_DEGRADED_AFTER_MS = 1_500;
/** A heartbeat this old (ms) makes the peer Unreachable. */
const PEER_UNREACHABLE_AFTER_MS = 5_000;
/** A peer silent this long (ms) is dropped from the table. */
const FORGET_AFTER_MS = 60_000;

interface PeerEntry {
  advert: NodeAdvert;
  heardAtMs: number;
  rttMs: bigint | null;
}

/**
 * The peer table of one node.
 *
 * @example
 * ```ts
 * const table = new PeerTable(1n);
 * table.heard(advertOfNode2, 0);
 * table.view(1_499).get(2n)?.health; // "Healthy"
 * table.view(1_500).get(2n)?.health; // "Degraded"
 * ```
 */
export class PeerTable {
  readonly #self: bigint;
  readonly #entries = new Map<bigint, PeerEntry>();
  /** daemon id → the peer whose latest heartbeat lists it. */
  readonly #hosts = new Map<bigint, bigint>();

  /** A table for node `self`; heartbeats from `self` are never entered. */
  constructor(self: bigint) {
    this.#self = self;
  }

  /**
   * Enters a heartbeat received at `atMs`. Returns false (and changes nothing) for this node's own
   * id; a new `epochId` for a known id (the node restarted) replaces the entry and its rtt.
   */
  heard(advert: NodeAdvert, atMs: number): boolean {
    if (advert.nodeId === this.#self) return false;
    const known = this.#entries.get(advert.nodeId);
    const rttMs = known && known.advert.epochId === advert.epochId ? known.rttMs : null;
    if (known) this.#forgetHosts(known.advert);
    this.#entries.set(advert.nodeId, { advert, heardAtMs: atMs, rttMs });
    for (const daemon of advert.daemons) this.#hosts.set(daemon, advert.nodeId);
    return true;
  }

  /** Records a measured round trip to `nodeId` (ignored for a peer not in the table). */
  measured(nodeId: bigint, rttMs: number): void {
    const entry = this.#entries.get(nodeId);
    if (entry) entry.rttMs = BigInt(Math.max(0, Math.floor(rttMs)));
  }

  /** Drops `nodeId` (it left the mesh); an older `epochId` than the entry's is ignored. */
  left(nodeId: bigint, epochId: bigint): void {
    const entry = this.#entries.get(nodeId);
    if (entry?.advert.epochId !== epochId) return;
    this.#forgetHosts(entry.advert);
    this.#entries.delete(nodeId);
  }

  /** The latest heartbeat of every peer still in the table, with its health at `nowMs`. */
  adverts(nowMs: number): { advert: NodeAdvert; health: PeerHealth }[] {
    return [...this.#entries.values()]
      .filter((entry) => nowMs - entry.heardAtMs < FORGET_AFTER_MS)
      .map((entry) => ({ advert: entry.advert, health: healthForAge(nowMs - entry.heardAtMs) }));
  }

  /** The peer whose latest heartbeat lists daemon `daemonId`, or null. */
  hostOf(daemonId: bigint): bigint | null {
    return this.#hosts.get(daemonId) ?? null;
  }

  /** The ids of the peers in the table. */
  ids(): bigint[] {
    return [...this.#entries.keys()];
  }

  /** Every peer as `metadata().peers` shows it at `nowMs`; forgets the long-silent ones. */
  view(nowMs: number): Map<bigint, PeerSnapshot> {
    const peers = new Map<bigint, PeerSnapshot>();
    for (const [id, entry] of [...this.#entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const age = nowMs - entry.heardAtMs;
      if (age >= FORGET_AFTER_MS) {
        this.#forgetHosts(entry.advert);
        this.#entries.delete(id);
        continue;
      }
      const { advert } = entry;
      peers.set(id, {
        rttMs: entry.rttMs,
        health: healthForAge(age),
        maintenance: advert.maintenance,
        cpuLoad1m: advert.cpuLoad1m,
        memUsedBytes: advert.memUsedBytes,
        memTotalBytes: advert.memTotalBytes,
        diskUsedBytes: advert.diskUsedBytes,
        diskTotalBytes: advert.diskTotalBytes,
        saturationTrend: advert.saturationTrend,
        capabilitySet: [...advert.capabilitySet],
        softwareVersion: advert.softwareVersion,
        forkedFrom: null,
      });
    }
    return peers;
  }

  #forgetHosts(advert: NodeAdvert): void {
    for (const daemon of advert.daemons) {
      if (this.#hosts.get(daemon) === advert.nodeId) this.#hosts.delete(daemon);
    }
  }
}

/** A peer's health from the age (ms) of its last heartbeat. */
function healthForAge(ageMs: number): PeerHealth {
  if (ageMs >= PEER_UNREACHABLE_AFTER_MS) return "Unreachable";
  if (ageMs >= PEER_DEGRADED_AFTER_MS) return "Degraded";
  return "Healthy";
}
