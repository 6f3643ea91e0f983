/**
 * The in-process mesh: nodes started in one JavaScript realm with the same mesh name see each
 * other, with nothing to set up. Without a name a node is alone (the SDK's default). Delivery is
 * a direct call, so a heartbeat reaches every peer before `advertise` returns, and with no
 * network between the nodes every round trip reads 0 ms. Events sent to a daemon on another node
 * go straight to that node's delivery; with nothing durable in between, `send` resolves once the
 * daemon's inbox took them — so no frame is ever held for a replica (`acknowledge` has nothing to
 * release), while replicas are kept, with their revisions, for every node of the mesh.
 *
 * @module
 */

import { MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import type { CausalEvent, PeerHealth, PeerSnapshot } from "../contract/types.ts";
import { hexId } from "../contract/u64.ts";
import {
  type NodeChannel,
  type RequestHandler,
  type FrameDelivery,
  freshBusStats,
  type HostOptions,
  type MeshBus,
  type MeshBusStats,
  type OutputWatcher,
  type StoredReplica,
} from "./mesh_bus.ts";
import type { NodeAdvert } from "./node_advert.ts";
import type { MeshFailure, MeshLogLine } from "./mesh_telemetry.ts";
import { PeerTable } from "./peer_table.ts";

/** One named in-process mesh. */
interface Mesh {
  members: Map<bigint, MemoryBus>;
  /** The last position given to a frame for each daemon: it grows even when a daemon moves. */
  positions: Map<bigint, bigint>;
  /** Readers of each daemon's outputs on the nodes that do not host it. */
  watchers: Map<bigint, Set<OutputWatcher>>;
  /** The mesh's audit trail, oldest first. */
  audit: Uint8Array[];
  /** The latest replica of each daemon; revisions count up across the mesh, as a stream's sequence. */
  replicas: Map<bigint, StoredReplica>;
  lastRevision: bigint;
  /** Operators watching log lines and failures (`node` null: every node's). */
  logWatchers: Set<{ node: bigint | null; on: (lines: MeshLogLine[]) => void }>;
  failureWatchers: Set<{ node: bigint | null; on: (failure: MeshFailure) => void }>;
}

/** A daemon this node hosts: where its frames go, and the tail of those on their way. */
interface Hosted {
  deliver: FrameDelivery;
  tail: Promise<void>;
}

/** The named meshes of this realm; a mesh is removed when its last node leaves. */
const meshes = new Map<string, Mesh>();

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
  readonly solitary: boolean;
  readonly #nodeId: bigint;
  readonly #now: () => number;
  readonly #table: PeerTable;
  readonly #mesh: Mesh | null;
  readonly #hosted = new Map<bigint, Hosted>();
  /** The audit trail of a node alone (a mesh keeps one for all its nodes). */
  readonly #ownAudit: Uint8Array[] = [];
  /** The replicas of a node alone (a mesh keeps them for all its nodes). */
  readonly #ownReplicas = { replicas: new Map<bigint, StoredReplica>(), lastRevision: 0n };
  readonly #served = new Map<NodeChannel, { handler: RequestHandler; tail: Promise<unknown> }>();
  #lastAdvert: NodeAdvert | null = null;
  #epochId: bigint | null = null;
  #closed = false;
  readonly #stats: MeshBusStats = freshBusStats();

  private constructor(name: string, nodeId: bigint, now: () => number, mesh: Mesh | null) {
    this.mesh = name;
    this.solitary = mesh === null;
    this.#nodeId = nodeId;
    this.#now = now;
    this.#table = new PeerTable(nodeId);
    this.#mesh = mesh;
  }

  /**
   * Joins the in-process mesh `mesh` as `nodeId` (`mesh: null`: a mesh of one). `invalid_config`
   * when another live node of that mesh already has the id.
   */
  static join(options: { mesh: string | null; nodeId: bigint; now: () => number }): MemoryBus {
    const { mesh, nodeId, now } = options;
    if (mesh === null) return new MemoryBus("", nodeId, now, null);
    const joined = meshes.get(mesh) ?? {
      members: new Map(),
      positions: new Map(),
      watchers: new Map(),
      audit: [],
      replicas: new Map(),
      lastRevision: 0n,
      logWatchers: new Set(),
      failureWatchers: new Set(),
    };
    if (joined.members.has(nodeId)) {
      throw new MeshOsSdkError(
        "invalid_config",
        `thisNode: node ${hexId(nodeId)} is already a member of the in-memory mesh "${mesh}"; expected a node id unique in the mesh`,
      );
    }
    const bus = new MemoryBus(mesh, nodeId, now, joined);
    // A node that joins knows the others at once, from their latest heartbeats.
    for (const member of joined.members.values()) if (member.#lastAdvert) bus.#receive(member.#lastAdvert);
    joined.members.set(nodeId, bus);
    meshes.set(mesh, joined);
    return bus;
  }

  advertise(advert: NodeAdvert): void {
    if (this.#closed) {
      this.#stats.heartbeatsFailed++;
      return;
    }
    this.#epochId = advert.epochId;
    this.#lastAdvert = advert;
    this.#stats.heartbeatsSent++;
    for (const peer of this.#mesh?.members.values() ?? []) {
      if (peer === this) continue;
      peer.#receive(advert);
    }
  }

  peers(nowMs: number): Map<bigint, PeerSnapshot> {
    return this.#table.view(nowMs);
  }

  peerAdverts(nowMs: number): { advert: NodeAdvert; health: PeerHealth }[] {
    return this.#table.adverts(nowMs);
  }

  hostOf(daemonId: bigint): bigint | null {
    return this.#table.hostOf(daemonId);
  }

  send(daemonId: bigint, payloads: readonly Uint8Array[]): Promise<void> {
    const host = [...this.#mesh?.members.values() ?? []].find((bus) => bus !== this && bus.#hosted.has(daemonId));
    if (this.#closed || !host) {
      this.#stats.eventsFailed += payloads.length;
      const why = this.#closed ? "the bus is closed" : `no node of mesh "${this.mesh}" hosts daemon ${hexId(daemonId)}`;
      return Promise.reject(new MeshOsSdkError("bus_unavailable", `send: ${why}; ${payloads.length} event(s) not sent`));
    }
    this.#stats.eventsSent += payloads.length;
    this.#stats.framesSent++;
    const positions = this.#mesh!.positions;
    const position = (positions.get(daemonId) ?? 0n) + 1n;
    positions.set(daemonId, position);
    // Copied now: the peer may take them only later (its inbox full), after the caller reused its buffers.
    return host.#take(daemonId, position, payloads.map((payload) => payload.slice())).catch((err) => {
      this.#stats.eventsFailed += payloads.length;
      throw new MeshOsSdkError("bus_unavailable", `send: daemon ${hexId(daemonId)} did not take ${payloads.length} event(s) (${(err as Error).message})`);
    });
  }

  host(daemonId: bigint, deliver: FrameDelivery, _options?: HostOptions): void {
    this.#hosted.set(daemonId, { deliver, tail: Promise.resolve() });
  }

  acknowledge(_daemonId: bigint, _position: bigint): void {
    // delivered frames are never held here: see the module note
  }

  replicate(daemonId: bigint, record: Uint8Array, expected: bigint): Promise<bigint | null> {
    if (this.#closed) {
      this.#stats.replicasFailed++;
      return Promise.reject(new MeshOsSdkError("bus_unavailable", `replica: the bus is closed; daemon ${hexId(daemonId)} not replicated`));
    }
    const store = this.#mesh ?? this.#ownReplicas;
    if ((store.replicas.get(daemonId)?.revision ?? 0n) !== expected) return Promise.resolve(null);
    const revision = ++store.lastRevision;
    store.replicas.set(daemonId, { record: record.slice(), revision });
    this.#stats.replicasWritten++;
    return Promise.resolve(revision);
  }

  readReplica(daemonId: bigint): Promise<StoredReplica | null> {
    const stored = (this.#mesh ?? this.#ownReplicas).replicas.get(daemonId);
    return Promise.resolve(stored ? { record: stored.record.slice(), revision: stored.revision } : null);
  }

  unhost(daemonId: bigint): void {
    this.#hosted.delete(daemonId);
  }

  publishOutputs(daemonId: bigint, events: readonly CausalEvent[]): void {
    const watchers = this.#mesh?.watchers.get(daemonId);
    if (!watchers || watchers.size === 0) return;
    this.#stats.outputFramesPublished++;
    for (const watcher of watchers) watcher.events([...events]);
  }

  endOutputs(daemonId: bigint): void {
    for (const watcher of this.#mesh?.watchers.get(daemonId) ?? []) watcher.end();
  }

  watchOutputs(daemonId: bigint, watcher: OutputWatcher): () => void {
    const all = this.#mesh?.watchers;
    if (!all) return () => {};
    const watchers = all.get(daemonId) ?? new Set<OutputWatcher>();
    watchers.add(watcher);
    all.set(daemonId, watchers);
    return () => {
      watchers.delete(watcher);
      if (watchers.size === 0) all.delete(daemonId);
    };
  }

  serve(channel: NodeChannel, handler: RequestHandler): void {
    this.#served.set(channel, { handler, tail: Promise.resolve() });
  }

  request(channel: NodeChannel, targetNode: bigint, request: Uint8Array, _timeoutMs: number): Promise<Uint8Array> {
    const target = this.#mesh?.members.get(targetNode) ?? (targetNode === this.#nodeId ? this : undefined);
    const serving = target && !target.#closed ? target.#served.get(channel) : undefined;
    if (!serving) {
      return Promise.reject(new MeshOsSdkError("unknown_node", `targetNode: no node ${hexId(targetNode)} answers on mesh "${this.mesh}"; expected the id of a running node`));
    }
    const reply = serving.tail.then(() => serving.handler(request.slice()));
    serving.tail = reply.catch(() => {});
    return reply;
  }

  appendAudit(record: Uint8Array): void {
    (this.#mesh?.audit ?? this.#ownAudit).push(record.slice());
  }

  readAudit(): Promise<Uint8Array[]> {
    return Promise.resolve([...(this.#mesh?.audit ?? this.#ownAudit)]);
  }

  publishLog(line: MeshLogLine): void {
    for (const watcher of this.#mesh?.logWatchers ?? []) {
      if (watcher.node === null || watcher.node === line.nodeId) watcher.on([{ ...line }]);
    }
  }

  publishFailure(failure: MeshFailure): void {
    for (const watcher of this.#mesh?.failureWatchers ?? []) {
      if (watcher.node === null || watcher.node === failure.nodeId) watcher.on({ ...failure });
    }
  }

  watchLogs(node: bigint | null, onLines: (lines: MeshLogLine[]) => void): () => void {
    return watchIn(this.#mesh?.logWatchers, { node, on: onLines });
  }

  watchFailures(node: bigint | null, onFailure: (failure: MeshFailure) => void): () => void {
    return watchIn(this.#mesh?.failureWatchers, { node, on: onFailure });
  }

  stats(): MeshBusStats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stats.connected = false;
    this.#hosted.clear();
    this.#served.clear();
    const mesh = this.#mesh;
    if (!mesh) return;
    mesh.members.delete(this.#nodeId);
    if (mesh.members.size === 0) meshes.delete(this.mesh);
    if (this.#epochId === null) return;
    for (const peer of mesh.members.values()) peer.#table.left(this.#nodeId, this.#epochId);
  }

  /** Delivers a frame after the frames before it (each waits for room in the daemon's inbox). */
  #take(daemonId: bigint, position: bigint, payloads: Uint8Array[]): Promise<void> {
    const hosted = this.#hosted.get(daemonId)!;
    const taken = hosted.tail.then(() => {
      if (this.#hosted.get(daemonId) !== hosted) throw new Error("it left the node");
      return hosted.deliver(position, payloads);
    });
    hosted.tail = taken.then(() => {
      this.#stats.framesReceived++;
      this.#stats.eventsReceived += payloads.length;
    }, () => {});
    return taken;
  }

  #receive(advert: NodeAdvert): void {
    if (!this.#table.heard(advert, this.#now())) return;
    this.#table.measured(advert.nodeId, 0);
    this.#stats.heartbeatsReceived++;
  }
}

/** Adds `watcher` to `set` (none for a node alone); returns its removal. */
function watchIn<T>(set: Set<T> | undefined, watcher: T): () => void {
  set?.add(watcher);
  return () => void set?.delete(watcher);
}
