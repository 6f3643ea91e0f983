/**
 * The in-process mesh: nodes started in one JavaScript realm with the same mesh name see each
 * other, with nothing to set up. Without a name a node is alone (the SDK's default). Delivery is
 * a direct call, so a heartbeat reaches every peer before `advertise` returns, and with no
 * network between the nodes every round trip reads 0 ms.
 *
 * @module
 */

import { MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import type { PeerSnapshot } from "../contract/types.ts";
import { hexId } from "../contract/u64.ts";
import { freshBusStats, type MeshBus, type MeshBusStats } from "./mesh_bus.ts";
import type { NodeAdvert } from "./node_advert.ts";
import { PeerTable } from "./peer_table.ts";

/** The named meshes of this realm; a mesh is removed when its last node leaves. */
const meshes = new Map<string, Map<bigint, MemoryBus>>();

/**
 * One node on an in-process mesh.
 *
 * @example
 * ```ts
 * const a = MemoryBus.join({ mesh: "lab", nodeId: 1n, now: () => clock.now() });
 * const b = MemoryBus.join({ mesh: "lab", nodeId: 2n, now: () => clock.now() });
 * a.advertise(advertOf1);
 * b.peers(clock.now()).has(1n); // true
 * ```
 */
export class MemoryBus implements MeshBus {
  readonly kind = "memory" as const;
  readonly mesh: string;
  readonly #nodeId: bigint;
  readonly #now: () => number;
  readonly #table: PeerTable;
  readonly #members: Map<bigint, MemoryBus> | null;
  #epochId: bigint | null = null;
  #closed = false;
  readonly #stats: MeshBusStats = freshBusStats();

  private constructor(mesh: string, nodeId: bigint, now: () => number, members: Map<bigint, MemoryBus> | null) {
    this.mesh = mesh;
    this.#nodeId = nodeId;
    this.#now = now;
    this.#table = new PeerTable(nodeId);
    this.#members = members;
  }

  /**
   * Joins the in-process mesh `mesh` as `nodeId` (`mesh: null`: a mesh of one). `invalid_config`
   * when another live node of that mesh already has the id.
   */
  static join(options: { mesh: string | null; nodeId: bigint; now: () => number }): MemoryBus {
    const { mesh, nodeId, now } = options;
    if (mesh === null) return new MemoryBus("", nodeId, now, null);
    const members = meshes.get(mesh) ?? new Map<bigint, MemoryBus>();
    if (members.has(nodeId)) {
      throw new MeshOsSdkError(
        "invalid_config",
        `thisNode: node ${hexId(nodeId)} is already a member of the in-memory mesh "${mesh}"; expected a node id unique in the mesh`,
      );
    }
    const bus = new MemoryBus(mesh, nodeId, now, members);
    members.set(nodeId, bus);
    meshes.set(mesh, members);
    return bus;
  }

  advertise(advert: NodeAdvert): void {
    if (this.#closed) {
      this.#stats.heartbeatsFailed++;
      return;
    }
    this.#epochId = advert.epochId;
    this.#stats.heartbeatsSent++;
    for (const peer of this.#members?.values() ?? []) {
      if (peer === this) continue;
      peer.#receive(advert);
    }
  }

  peers(nowMs: number): Map<bigint, PeerSnapshot> {
    return this.#table.view(nowMs);
  }

  stats(): MeshBusStats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stats.connected = false;
    if (!this.#members) return;
    this.#members.delete(this.#nodeId);
    if (this.#members.size === 0) meshes.delete(this.mesh);
    if (this.#epochId === null) return;
    for (const peer of this.#members.values()) peer.#table.left(this.#nodeId, this.#epochId);
  }

  #receive(advert: NodeAdvert): void {
    if (!this.#table.heard(advert, this.#now())) return;
    this.#table.measured(advert.nodeId, 0);
    this.#stats.heartbeatsReceived++;
  }
}
