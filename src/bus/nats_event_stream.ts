/**
 * Events across nodes on NATS JetStream. One stream per mesh, `MESHOS_<mesh>`, holds subjects
 * `meshos.<mesh>.events.<daemonId>`; a sender appends payload frames (`event_frame.ts`) to the
 * daemon's subject, and the node that hosts the daemon reads them through a durable consumer
 * named after the daemon — so the queue belongs to the daemon, not to a node, and whoever hosts
 * it next resumes where the last host stopped.
 *
 * Guarantees, and what gives them:
 * - durable: `send` resolves on the stream's acknowledgement (after `replicas` servers stored it);
 * - in order: the consumer lets one frame be unacknowledged at a time (`max_ack_pending: 1`), so
 *   a redelivered frame is never overtaken by the next; frames keep events many to a message
 *   (held frames below: the one being delivered is kept in progress, and a frame delivered again
 *   after later ones is at or before a position already taken);
 * - once: a frame is acknowledged only after its delivery resolved, and a frame delivered again
 *   (its acknowledgement lost to a reconnect) carries the same stream sequence, which the
 *   receiving runtime recognises (`FrameDelivery`).
 *
 * The stream uses work-queue retention: an acknowledged frame is removed.
 *
 * A replicated daemon's frames are held (`HostOptions.holdAcks`): acknowledged only when
 * `acknowledge` says a replica covers them, so its consumer lets up to {@link HELD_FRAMES} frames
 * be unacknowledged, and a redelivered one — at or before a position taken — is recognised as
 * before. With many frames out at once, frames a consumer had pulled that nobody took (its host
 * moved the daemon, died, or lost the servers) would come again only after their acknowledgement
 * wait, behind later ones; so whenever a node starts or resumes taking a held daemon's frames it
 * makes the consumer anew, and delivery begins again at the first unacknowledged frame, in order.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  jetstreamManager,
  type JetStreamManager,
  type JsMsg,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { MeshOsSdkError, thrownText } from "../errors/meshos_sdk_error.ts";
import { byteLengthOf } from "../contract/byte_view.ts";
import { hexId } from "../contract/u64.ts";
import { decodePayloadFrame } from "./event_frame.ts";
import type { FrameDelivery, HostOptions, MeshBusStats } from "./mesh_bus.ts";
import { ensureStream } from "./ensure_stream.ts";

/** A frame is sent once it holds this many bytes (NATS' default max_payload is 1 MiB). */
const FRAME_BYTES = 256 * 1024;
/** How long the stream may take to acknowledge a frame before `send` fails (ms). */
const PUBLISH_TIMEOUT_MS = 5_000;
/** A delivered frame not acknowledged this long is delivered again (ms). */
const ACK_WAIT_MS = 2_000;
/** How long a delivery may wait for room before the frame is marked in progress again (ms). */
const WORKING_EVERY_MS = 500;
/** Between attempts to set up a consumer while the servers are away (ms). */
const RETRY_MS = 250;
const NANOS_PER_MS = 1_000_000;
/** Frames a replicated daemon's consumer may hold unacknowledged, waiting for a replica. */
const HELD_FRAMES = 256;
/** How often held frames are marked in progress, so the servers do not deliver them again (ms). */
const HELD_WORKING_EVERY_MS = 1_000;

/** A frame being filled: payloads are copied in as they are sent. */
interface OpenFrame {
  bytes: Uint8Array;
  view: DataView;
  size: number;
  count: number;
  sent: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** One hosted daemon's consumer loop. */
interface Hosting {
  stopped: boolean;
  stop: (() => void) | null;
  /** Delivered frames waiting for `acknowledge` (with `holdAcks`), oldest first; else null. */
  held: JsMsg[] | null;
  keepAlive: ReturnType<typeof setInterval> | null;
}

/** Where the stream lives and how it is replicated. */
export interface EventStreamOptions {
  mesh: string;
  /** How many servers store each frame (1 for one server; 3 for a three-server cluster). */
  replicas: number;
}

/**
 * The JetStream side of one node's NATS bus.
 *
 * @example
 * ```ts
 * const events = await NatsEventStream.open(nc, { mesh: "lab", replicas: 1 }, stats);
 * events.host(7n, async (position, payloads) => { ... });   // on the node with daemon 7
 * await events.send(7n, [new TextEncoder().encode("hi")]);  // on any node
 * ```
 */
export class NatsEventStream {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #mesh: string;
  readonly #stats: MeshBusStats;
  readonly #open = new Map<bigint, OpenFrame>();
  readonly #hosted = new Map<bigint, Hosting>();
  /** Held frames of daemons no longer hosted here, still to be acknowledged by a last replica. */
  readonly #released = new Map<bigint, JsMsg[]>();
  #closed = false;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, options: EventStreamOptions, stats: MeshBusStats) {
    this.#js = jetstream(nc);
    this.#jsm = jsm;
    this.#mesh = options.mesh;
    this.#stream = `MESHOS_${options.mesh}`;
    this.#stats = stats;
  }

  /**
   * Creates the mesh's stream if it is missing. `bus_unavailable` when the servers have no
   * JetStream, or the stream cannot be made.
   */
  static async open(nc: NatsConnection, options: EventStreamOptions, stats: MeshBusStats): Promise<NatsEventStream> {
    let jsm: JetStreamManager;
    try {
      jsm = await jetstreamManager(nc);
    } catch (err) {
      throw new MeshOsSdkError("bus_unavailable", `bus.nats: the servers have no JetStream (start nats-server with -js); ${thrownText(err)}`);
    }
    const events = new NatsEventStream(nc, jsm, options, stats);
    await ensureStream(jsm, {
      name: events.#stream,
      subjects: [`meshos.${options.mesh}.events.*`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: options.replicas,
    });
    return events;
  }

  /** See `MeshBus.send`: payloads are copied now; calls in one turn share frames. */
  send(daemonId: bigint, payloads: readonly Uint8Array[]): Promise<void> {
    if (this.#closed) {
      this.#stats.eventsFailed += payloads.length;
      return Promise.reject(new MeshOsSdkError("bus_unavailable", `send: the bus is closed; ${payloads.length} event(s) not sent`));
    }
    let pending: Promise<void> | null = null;
    const joined: Promise<void>[] = [];
    for (const payload of payloads) {
      const frame = this.#frameWithRoom(daemonId, 4 + byteLengthOf(payload));
      frame.view.setUint32(frame.size, byteLengthOf(payload), true);
      frame.bytes.set(payload, frame.size + 4);
      frame.size += 4 + byteLengthOf(payload);
      frame.count++;
      if (frame.sent !== pending) joined.push((pending = frame.sent));
    }
    if (joined.length === 0) return Promise.resolve();
    return joined.length === 1 ? joined[0] : Promise.all(joined).then(() => {});
  }

  /** See `MeshBus.host`. */
  host(daemonId: bigint, deliver: FrameDelivery, options: HostOptions = {}): void {
    this.unhost(daemonId);
    const held = options.holdAcks ? (this.#released.get(daemonId) ?? []) : null;
    this.#released.delete(daemonId);
    const hosting: Hosting = { stopped: false, stop: null, held, keepAlive: null };
    if (held) {
      hosting.keepAlive = setInterval(() => {
        for (const msg of held) msg.working();
      }, HELD_WORKING_EVERY_MS);
    }
    this.#hosted.set(daemonId, hosting);
    void this.#consume(daemonId, deliver, hosting);
  }

  /** See `MeshBus.acknowledge`. */
  acknowledge(daemonId: bigint, position: bigint): void {
    const held = this.#hosted.get(daemonId)?.held ?? this.#released.get(daemonId);
    if (!held) return;
    let kept = 0;
    for (const msg of held) {
      if (BigInt(msg.seq) <= position) msg.ack();
      else held[kept++] = msg; // a frame delivered again may sit after later ones
    }
    held.length = kept;
  }

  /**
   * See `MeshBus.unhost`. Held frames stay held (a replica may still cover them: a daemon moving
   * away writes its last one after it stopped taking frames), until the daemon is hosted again.
   */
  unhost(daemonId: bigint): void {
    const hosting = this.#hosted.get(daemonId);
    if (!hosting) return;
    hosting.stopped = true;
    hosting.stop?.();
    if (hosting.keepAlive !== null) clearInterval(hosting.keepAlive);
    if (hosting.held && hosting.held.length > 0) this.#released.set(daemonId, hosting.held);
    this.#hosted.delete(daemonId);
  }

  /** Sends what is still being framed, stops every consumer; sends after this fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const last = [...this.#open.keys()].map((daemonId) => this.#flush(daemonId).catch(() => {}));
    this.#closed = true;
    for (const daemonId of [...this.#hosted.keys()]) this.unhost(daemonId);
    await Promise.all(last);
  }

  /** The open frame of `daemonId` with room for `needed` more bytes, sending the full one first. */
  #frameWithRoom(daemonId: bigint, needed: number): OpenFrame {
    const open = this.#open.get(daemonId);
    if (open && open.size + needed <= open.bytes.byteLength) return open;
    if (open) void this.#flush(daemonId).catch(() => {}); // its senders hold its promise
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const sent = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    const bytes = new Uint8Array(Math.max(FRAME_BYTES, 4 + needed));
    const frame: OpenFrame = { bytes, view: new DataView(bytes.buffer), size: 4, count: 0, sent, resolve, reject };
    this.#open.set(daemonId, frame);
    queueMicrotask(() => {
      if (this.#open.get(daemonId) === frame) void this.#flush(daemonId).catch(() => {});
    });
    return frame;
  }

  /** Publishes the open frame of `daemonId`; settles its senders' promise with the outcome. */
  async #flush(daemonId: bigint): Promise<void> {
    const frame = this.#open.get(daemonId)!;
    this.#open.delete(daemonId);
    frame.view.setUint32(0, frame.count, true);
    try {
      await this.#js.publish(`meshos.${this.#mesh}.events.${daemonId}`, frame.bytes.subarray(0, frame.size), { timeout: PUBLISH_TIMEOUT_MS });
      this.#stats.eventsSent += frame.count;
      this.#stats.framesSent++;
      frame.resolve();
    } catch (err) {
      this.#stats.eventsFailed += frame.count;
      frame.reject(new MeshOsSdkError(
        "bus_unavailable",
        `send: the stream did not take ${frame.count} event(s) for daemon ${hexId(daemonId)}: ${thrownText(err)}`,
      ));
    }
  }

  /** Hosts `daemonId`: its durable consumer, then each frame delivered and acknowledged in turn. */
  async #consume(daemonId: bigint, deliver: FrameDelivery, hosting: Hosting): Promise<void> {
    const durable = `d_${daemonId}`;
    while (!hosting.stopped) {
      try {
        if (hosting.held) await this.#deleteConsumer(durable); // see the module note
        await this.#ensureConsumer(daemonId, durable, hosting.held !== null);
        const consumer = await this.#js.consumers.get(this.#stream, durable);
        const messages = await consumer.consume({ max_messages: 16 });
        hosting.stop = () => void messages.stop();
        if (hosting.stopped) messages.stop();
        for await (const msg of messages) {
          // Not acknowledged when the daemon left: the next host gets the frame.
          if (hosting.stopped || !(await this.#take(msg, deliver, hosting))) {
            messages.stop();
            return;
          }
        }
      } catch {
        // the servers are away or the consumer could not be made: try again shortly
      }
      if (!hosting.stopped) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  /** Delivers one frame and acknowledges it; false when the daemon can take no more. */
  async #take(msg: JsMsg, deliver: FrameDelivery, hosting: Hosting): Promise<boolean> {
    const decoded = decodePayloadFrame(msg.data);
    if ("problem" in decoded) {
      this.#stats.framesRejected++;
      msg.term(); // never delivered: it would only fail again
      return true;
    }
    const keepAlive = setInterval(() => msg.working(), WORKING_EVERY_MS);
    try {
      await deliver(BigInt(msg.seq), decoded.payloads);
    } catch {
      return false; // the daemon left: unacknowledged, the frame goes to whoever hosts it next
    } finally {
      clearInterval(keepAlive);
    }
    if (hosting.stopped) return false;
    if (hosting.held) hosting.held.push(msg);
    else msg.ack();
    this.#stats.framesReceived++;
    this.#stats.eventsReceived += decoded.payloads.length;
    return true;
  }

  /** Deletes the durable consumer `durable`; one that does not exist is fine. */
  async #deleteConsumer(durable: string): Promise<void> {
    try {
      await this.#jsm.consumers.delete(this.#stream, durable);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    }
  }

  /** The daemon's durable consumer, made or set to let one frame (or, held, many) be unacknowledged. */
  async #ensureConsumer(daemonId: bigint, durable: string, holdAcks: boolean): Promise<void> {
    const maxAckPending = holdAcks ? HELD_FRAMES : 1;
    let existing: number | null = null;
    try {
      existing = (await this.#jsm.consumers.info(this.#stream, durable)).config.max_ack_pending ?? null;
    } catch {
      await this.#jsm.consumers.add(this.#stream, {
        durable_name: durable,
        filter_subject: `meshos.${this.#mesh}.events.${daemonId}`,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        max_ack_pending: maxAckPending,
        ack_wait: ACK_WAIT_MS * NANOS_PER_MS,
      });
      return;
    }
    if (existing !== maxAckPending) await this.#jsm.consumers.update(this.#stream, durable, { max_ack_pending: maxAckPending });
  }
}
