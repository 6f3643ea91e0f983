/**
 * A mesh over NATS: every node connected to the same NATS servers with the same mesh name sees
 * the others.
 *
 * Peers travel on plain subjects rather than a KV bucket: what a peer table needs is how fresh
 * each heartbeat is, and that is the age of its arrival on the receiving node's own clock — which
 * a subject gives directly, while a KV entry's stored value says nothing about liveness (its
 * timestamp is the server's clock, and a killed node's last entry stays until its TTL). A node
 * that joins learns every peer within one heartbeat interval.
 *
 * Subjects, under `meshos.<mesh>.`:
 * - `heartbeat` — each node's `NodeAdvert`, every heartbeat interval;
 * - `leave` — `{nodeId, epochId}` when a node closes its bus, so peers drop it at once;
 * - `ping.<nodeId>` — request/reply; the round trip is a peer's `rttMs`;
 * - `events.<daemonId>` — the JetStream stream of events sent to a daemon (`nats_event_stream.ts`);
 * - `command.<nodeId>` — request/reply: an operator's signed command, the node's reply;
 * - `migrate.<nodeId>` — request/reply: a daemon handed over by a draining peer;
 * - `audit` — the JetStream stream of the mesh's audit trail (`nats_audit_trail.ts`);
 * - `replicas.<daemonId>` — the JetStream stream of movable daemons' replicas (`nats_replica_store.ts`);
 * - `logs.<nodeId>` / `failures.<nodeId>` — a node's log lines (one message per turn) and failures,
 *   for operators watching (`mesh_telemetry.ts`);
 * - `outputs.<daemonId>` — output frames of a daemon for readers on other nodes; an empty message
 *   says the daemon stopped (one that moved keeps its subject). Plain subjects: a reader sees outputs from when it subscribes,
 *   as a late local reader sees what the daemon's output buffer still holds.
 *
 * @module
 */

import { connect, type NatsConnection } from "@nats-io/transport-node";
import { MeshOsSdkError, thrownText } from "../errors/meshos_sdk_error.ts";
import { hexId } from "../contract/u64.ts";
import type { CausalEvent, PeerHealth, PeerSnapshot } from "../contract/types.ts";
import { decodeOutputFrame, encodeOutputFrame } from "./event_frame.ts";
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
import { NatsEventStream } from "./nats_event_stream.ts";
import { NatsReplicaStore } from "./nats_replica_store.ts";
import { NatsAuditTrail } from "./nats_audit_trail.ts";
import {
  decodeFailure,
  decodeLogLines,
  encodeFailure,
  encodeLogLines,
  type MeshFailure,
  type MeshLogLine,
} from "./mesh_telemetry.ts";
import { decodeNodeAdvert, encodeNodeAdvert, type NodeAdvert } from "./node_advert.ts";
import { PeerTable } from "./peer_table.ts";

/** How often a peer's round trip is measured again (ms). */
const RTT_EVERY_MS = 1_000;
/** How long a round-trip probe waits for its reply (ms). */
const RTT_TIMEOUT_MS = 1_000;

/** Where and how a NATS bus connects. */
export interface NatsBusOptions {
  servers: string[];
  mesh: string;
  nodeId: bigint;
  /** This node's clock (ms): heartbeat ages are measured on it. */
  now: () => number;
  /** The longest `open` waits for a first connection before `bus_unavailable`. */
  connectTimeoutMs: number;
  /** How many servers store each event frame (JetStream replicas). */
  replicas: number;
}

/**
 * One node's connection to a NATS mesh.
 *
 * @example
 * ```ts
 * const bus = await NatsBus.open({ servers: ["nats://127.0.0.1:4222"], mesh: "lab", nodeId: 1n, now: Date.now, connectTimeoutMs: 2_000 });
 * bus.advertise(advert);
 * bus.peers(Date.now()); // the other nodes of mesh "lab"
 * await bus.close();
 * ```
 */
export class NatsBus implements MeshBus {
  readonly kind = "nats" as const;
  readonly mesh: string;
  readonly solitary = false;
  readonly #nc: NatsConnection;
  #events!: NatsEventStream;
  #audit!: NatsAuditTrail;
  #replicas!: NatsReplicaStore;
  readonly #nodeId: bigint;
  readonly #now: () => number;
  readonly #table: PeerTable;
  readonly #lastProbeMs = new Map<bigint, number>();
  /** Log lines of this turn: sent as one message at the end of it. */
  #logLines: MeshLogLine[] | null = null;
  /** Outputs published this turn, per daemon: sent as one frame at the end of the turn. */
  readonly #outbound = new Map<bigint, CausalEvent[]>();
  #epochId: bigint | null = null;
  #closed = false;
  readonly #stats: MeshBusStats = freshBusStats();

  private constructor(nc: NatsConnection, options: NatsBusOptions) {
    this.#nc = nc;
    this.mesh = options.mesh;
    this.#nodeId = options.nodeId;
    this.#now = options.now;
    this.#table = new PeerTable(options.nodeId);
  }

  /**
   * Connects and subscribes. Rejects with `bus_unavailable` naming the servers tried when no
   * server answers within `connectTimeoutMs`; afterwards the client reconnects by itself, for as
   * long as the bus is open.
   */
  static async open(options: NatsBusOptions): Promise<NatsBus> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: options.servers,
        timeout: options.connectTimeoutMs,
        name: `meshos-node-${options.nodeId}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
      });
    } catch (err) {
      throw new MeshOsSdkError(
        "bus_unavailable",
        `bus.nats.servers: no NATS server answered within ${options.connectTimeoutMs} ms; tried ${options.servers.join(", ")} (${(err as Error).message})`,
      );
    }
    const bus = new NatsBus(nc, options);
    try {
      bus.#events = await NatsEventStream.open(nc, options, bus.#stats);
      bus.#audit = await NatsAuditTrail.open(nc, options, bus.#stats);
      bus.#replicas = await NatsReplicaStore.open(nc, options, bus.#stats);
    } catch (err) {
      await nc.close();
      throw err;
    }
    bus.#subscribe();
    await nc.flush();
    return bus;
  }

  advertise(advert: NodeAdvert): void {
    if (this.#closed || !this.#stats.connected) {
      this.#stats.heartbeatsFailed++;
      return;
    }
    this.#epochId = advert.epochId;
    try {
      this.#nc.publish(this.#subject("heartbeat"), encodeNodeAdvert(advert));
      this.#stats.heartbeatsSent++;
    } catch {
      this.#stats.heartbeatsFailed++;
    }
    this.#probeRoundTrips();
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
    return this.#events.send(daemonId, payloads);
  }

  host(daemonId: bigint, deliver: FrameDelivery, options?: HostOptions): void {
    this.#events.host(daemonId, deliver, options);
  }

  acknowledge(daemonId: bigint, position: bigint): void {
    this.#events.acknowledge(daemonId, position);
  }

  replicate(daemonId: bigint, record: Uint8Array, expected: bigint): Promise<bigint | null> {
    if (this.#closed) return Promise.reject(new MeshOsSdkError("bus_unavailable", `replica: the bus is closed; daemon ${hexId(daemonId)} not replicated`));
    return this.#replicas.write(daemonId, record, expected);
  }

  readReplica(daemonId: bigint): Promise<StoredReplica | null> {
    return this.#replicas.read(daemonId);
  }

  unhost(daemonId: bigint): void {
    this.#events.unhost(daemonId);
  }

  publishOutputs(daemonId: bigint, events: readonly CausalEvent[]): void {
    const waiting = this.#outbound.get(daemonId);
    if (waiting) {
      waiting.push(...events);
      return;
    }
    this.#outbound.set(daemonId, [...events]);
    queueMicrotask(() => this.#flushOutputs(daemonId)); // one frame per daemon per turn
  }

  endOutputs(daemonId: bigint): void {
    this.#flushOutputs(daemonId);
    this.#publishOutputFrame(daemonId, new Uint8Array(0));
  }

  watchOutputs(daemonId: bigint, watcher: OutputWatcher): () => void {
    const sub = this.#nc.subscribe(this.#subject(`outputs.${daemonId}`), {
      callback: (_err, msg) => {
        if (msg.data.byteLength === 0) {
          sub.unsubscribe();
          watcher.end();
          return;
        }
        const decoded = decodeOutputFrame(msg.data);
        if ("problem" in decoded) this.#stats.framesRejected++;
        else watcher.events(decoded.events);
      },
    });
    return () => sub.unsubscribe();
  }

  serve(channel: NodeChannel, handler: RequestHandler): void {
    let tail: Promise<unknown> = Promise.resolve();
    this.#nc.subscribe(this.#subject(`${channel}.${this.#nodeId}`), {
      callback: (_err, msg) => {
        const reply = tail.then(() => handler(msg.data));
        tail = reply.then((bytes) => void msg.respond(bytes), () => {});
      },
    });
  }

  async request(channel: NodeChannel, targetNode: bigint, request: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    try {
      return (await this.#nc.request(this.#subject(`${channel}.${targetNode}`), request, { timeout: timeoutMs })).data;
    } catch (err) {
      const text = thrownText(err);
      if (/no responders/i.test(text)) {
        throw new MeshOsSdkError("unknown_node", `targetNode: no node ${hexId(targetNode)} answers on mesh "${this.mesh}"; expected the id of a running node`);
      }
      throw new MeshOsSdkError("bus_unavailable", `targetNode: node ${hexId(targetNode)} did not answer within ${timeoutMs} ms (${text})`);
    }
  }

  appendAudit(record: Uint8Array): void {
    if (this.#closed) {
      this.#stats.auditFailed++;
      return;
    }
    this.#audit.append(record);
  }

  readAudit(): Promise<Uint8Array[]> {
    return this.#audit.read();
  }

  publishLog(line: MeshLogLine): void {
    if (this.#logLines) {
      this.#logLines.push(line);
      return;
    }
    this.#logLines = [line];
    queueMicrotask(() => {
      const lines = this.#logLines!;
      this.#logLines = null;
      this.#publishPlain(`logs.${this.#nodeId}`, encodeLogLines(lines));
    });
  }

  publishFailure(failure: MeshFailure): void {
    this.#publishPlain(`failures.${failure.nodeId}`, encodeFailure(failure));
  }

  watchLogs(node: bigint | null, onLines: (lines: MeshLogLine[]) => void): () => void {
    const sub = this.#nc.subscribe(this.#subject(`logs.${node ?? "*"}`), {
      callback: (_err, msg) => {
        const { lines, rejected } = decodeLogLines(msg.data);
        this.#stats.framesRejected += rejected;
        if (lines.length > 0) onLines(lines);
      },
    });
    return () => sub.unsubscribe();
  }

  watchFailures(node: bigint | null, onFailure: (failure: MeshFailure) => void): () => void {
    const sub = this.#nc.subscribe(this.#subject(`failures.${node ?? "*"}`), {
      callback: (_err, msg) => {
        const failure = decodeFailure(msg.data);
        if (failure) onFailure(failure);
        else this.#stats.framesRejected++;
      },
    });
    return () => sub.unsubscribe();
  }

  stats(): MeshBusStats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#events.close();
    if (this.#stats.connected && this.#epochId !== null) {
      const goodbye = JSON.stringify({ nodeId: String(this.#nodeId), epochId: String(this.#epochId) });
      this.#nc.publish(this.#subject("leave"), new TextEncoder().encode(goodbye));
    }
    this.#stats.connected = false;
    // drain() flushes the goodbye first; with no server there is nothing to flush.
    await (this.#nc.isClosed() ? Promise.resolve() : this.#nc.drain().catch(() => this.#nc.close()));
  }

  #flushOutputs(daemonId: bigint): void {
    const events = this.#outbound.get(daemonId);
    if (!events) return;
    this.#outbound.delete(daemonId);
    this.#publishOutputFrame(daemonId, encodeOutputFrame(events));
  }

  #publishOutputFrame(daemonId: bigint, frame: Uint8Array): void {
    if (this.#closed || !this.#stats.connected) {
      this.#stats.outputFramesFailed++;
      return;
    }
    try {
      this.#nc.publish(this.#subject(`outputs.${daemonId}`), frame);
      this.#stats.outputFramesPublished++;
    } catch {
      this.#stats.outputFramesFailed++;
    }
  }

  /** Publishes on a plain subject; closed or disconnected, the message is counted as dropped. */
  #publishPlain(leaf: string, bytes: Uint8Array): void {
    if (this.#closed || !this.#stats.connected) {
      this.#stats.telemetryDropped++; // what operators missed is still in the node's log ring and snapshot
      return;
    }
    try {
      this.#nc.publish(this.#subject(leaf), bytes);
    } catch {
      this.#stats.telemetryDropped++;
    }
  }

  #subject(leaf: string): string {
    return `meshos.${this.mesh}.${leaf}`;
  }

  #subscribe(): void {
    const nc = this.#nc;
    nc.subscribe(this.#subject("heartbeat"), { callback: (_err, msg) => this.#onHeartbeat(msg.data) });
    nc.subscribe(this.#subject("leave"), { callback: (_err, msg) => this.#onLeave(msg.data) });
    nc.subscribe(this.#subject(`ping.${this.#nodeId}`), { callback: (_err, msg) => void msg.respond() });
    void this.#watchStatus();
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === "disconnect") this.#stats.connected = false;
      if (status.type === "reconnect") {
        this.#stats.connected = !this.#closed;
        this.#stats.reconnects++;
      }
    }
  }

  #onHeartbeat(data: Uint8Array): void {
    const decoded = decodeNodeAdvert(data);
    if ("problem" in decoded) {
      this.#stats.heartbeatsRejected++;
      return;
    }
    const { advert } = decoded;
    if (advert.nodeId === this.#nodeId) {
      // Our own heartbeat comes back to us; another epoch under our id is a second node with it.
      if (advert.epochId !== this.#epochId) this.#stats.heartbeatsRejected++;
      return;
    }
    this.#table.heard(advert, this.#now());
    this.#stats.heartbeatsReceived++;
  }

  #onLeave(data: Uint8Array): void {
    try {
      const { nodeId, epochId } = JSON.parse(new TextDecoder().decode(data)) as { nodeId: string; epochId: string };
      this.#table.left(BigInt(nodeId), BigInt(epochId));
    } catch {
      this.#stats.heartbeatsRejected++;
    }
  }

  /** Starts a round-trip probe to each peer not measured in the last `RTT_EVERY_MS`. */
  #probeRoundTrips(): void {
    const now = this.#now();
    for (const peer of this.#table.ids()) {
      if (now - (this.#lastProbeMs.get(peer) ?? -Infinity) < RTT_EVERY_MS) continue;
      this.#lastProbeMs.set(peer, now);
      const started = performance.now();
      this.#nc.request(this.#subject(`ping.${peer}`), undefined, { timeout: RTT_TIMEOUT_MS }).then(
        () => this.#table.measured(peer, performance.now() - started),
        () => void this.#stats.rttProbesFailed++, // rtt keeps its last value; the heartbeat age tells health
      );
    }
  }
}
