/**
 * A mesh's audit trail on NATS: the JetStream stream `MESHOS_<mesh>_AUDIT` on subject
 * `meshos.<mesh>.audit`, with the same replicas as the event stream. Records are appended without
 * waiting (a failure is counted in `auditFailed`) and read back in stream order.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient, jetstreamManager, type JetStreamManager, StorageType } from "@nats-io/jetstream";
import { MeshOsSdkError, thrownText } from "../errors/meshos_sdk_error.ts";
import type { MeshBusStats } from "./mesh_bus.ts";
import { ensureStream } from "./ensure_stream.ts";

/** How long reading the trail may wait for the records it was told exist (ms). */
const READ_TIMEOUT_MS = 5_000;

/**
 * The audit stream of one mesh.
 *
 * @example
 * ```ts
 * const trail = await NatsAuditTrail.open(nc, { mesh: "lab", replicas: 1 }, stats);
 * trail.append(encodeAuditRecord(record));
 * await trail.read(); // every record, oldest first
 * ```
 */
export class NatsAuditTrail {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #subject: string;
  readonly #stats: MeshBusStats;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, mesh: string, stats: MeshBusStats) {
    this.#js = jetstream(nc);
    this.#jsm = jsm;
    this.#stream = `MESHOS_${mesh}_AUDIT`;
    this.#subject = `meshos.${mesh}.audit`;
    this.#stats = stats;
  }

  /** Creates the stream if it is missing; `bus_unavailable` when it cannot be made. */
  static async open(nc: NatsConnection, options: { mesh: string; replicas: number }, stats: MeshBusStats): Promise<NatsAuditTrail> {
    const jsm = await jetstreamManager(nc);
    const trail = new NatsAuditTrail(nc, jsm, options.mesh, stats);
    await ensureStream(jsm, { name: trail.#stream, subjects: [trail.#subject], storage: StorageType.File, num_replicas: options.replicas });
    return trail;
  }

  /** Appends `record`; never waits. */
  append(record: Uint8Array): void {
    this.#js.publish(this.#subject, record).catch(() => void this.#stats.auditFailed++);
  }

  /** Every record in the stream, oldest first. */
  async read(): Promise<Uint8Array[]> {
    try {
      const { state } = await this.#jsm.streams.info(this.#stream);
      if (state.messages === 0) return [];
      const consumer = await this.#js.consumers.get(this.#stream); // ordered, from the first record
      const records: Uint8Array[] = [];
      const messages = await consumer.fetch({ max_messages: state.messages, expires: READ_TIMEOUT_MS });
      for await (const message of messages) {
        records.push(message.data);
        if (records.length === state.messages) break;
      }
      return records;
    } catch (err) {
      throw new MeshOsSdkError("bus_unavailable", `audit: cannot read the JetStream stream ${this.#stream}: ${thrownText(err)}`);
    }
  }
}
