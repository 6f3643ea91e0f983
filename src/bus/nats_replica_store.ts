/**
 * Daemon replicas on NATS: the JetStream stream `MESHOS_<mesh>_REPLICAS` on subjects
 * `meshos.<mesh>.replicas.<daemonId>`, keeping the last message of each subject. A replica's
 * revision is its stream sequence; a write names the revision it replaces through JetStream's
 * expected-last-subject-sequence check, so two nodes racing to take a daemon over cannot both win.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import {
  jetstream,
  type JetStreamClient,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  type JetStreamManager,
  StorageType,
} from "@nats-io/jetstream";
import { MeshOsSdkError, thrownText } from "../errors/meshos_sdk_error.ts";
import { hexId } from "../contract/u64.ts";
import type { MeshBusStats, StoredReplica } from "./mesh_bus.ts";
import { ensureStream } from "./ensure_stream.ts";

/** How long the stream may take to store a replica before the write fails (ms). */
const WRITE_TIMEOUT_MS = 5_000;

/**
 * The replica stream of one mesh.
 *
 * @example
 * ```ts
 * const replicas = await NatsReplicaStore.open(nc, { mesh: "lab", replicas: 1 }, stats);
 * const revision = await replicas.write(7n, record, 0n); // 1n: the first replica of daemon 7
 * await replicas.write(7n, newer, 0n);                  // null: revision 1 replaced it already
 * ```
 */
export class NatsReplicaStore {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #mesh: string;
  readonly #stats: MeshBusStats;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, mesh: string, stats: MeshBusStats) {
    this.#js = jetstream(nc);
    this.#jsm = jsm;
    this.#mesh = mesh;
    this.#stream = `MESHOS_${mesh}_REPLICAS`;
    this.#stats = stats;
  }

  /** Creates the stream if it is missing; `bus_unavailable` when it cannot be made. */
  static async open(nc: NatsConnection, options: { mesh: string; replicas: number }, stats: MeshBusStats): Promise<NatsReplicaStore> {
    const jsm = await jetstreamManager(nc);
    const store = new NatsReplicaStore(nc, jsm, options.mesh, stats);
    await ensureStream(jsm, {
      name: store.#stream,
      subjects: [`meshos.${options.mesh}.replicas.*`],
      storage: StorageType.File,
      num_replicas: options.replicas,
      max_msgs_per_subject: 1,
    });
    return store;
  }

  /** See `MeshBus.replicate`. */
  async write(daemonId: bigint, record: Uint8Array, expected: bigint): Promise<bigint | null> {
    try {
      const ack = await this.#js.publish(this.#subject(daemonId), record, {
        timeout: WRITE_TIMEOUT_MS,
        expect: { lastSubjectSequence: Number(expected) },
      });
      this.#stats.replicasWritten++;
      return BigInt(ack.seq);
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence) return null;
      this.#stats.replicasFailed++;
      throw new MeshOsSdkError("bus_unavailable", `replica: the stream did not store the replica of daemon ${hexId(daemonId)}: ${thrownText(err)}`);
    }
  }

  /** See `MeshBus.readReplica`. */
  async read(daemonId: bigint): Promise<StoredReplica | null> {
    try {
      const stored = await this.#jsm.streams.getMessage(this.#stream, { last_by_subj: this.#subject(daemonId) });
      return stored === null ? null : { record: stored.data, revision: BigInt(stored.seq) };
    } catch (err) {
      throw new MeshOsSdkError("bus_unavailable", `replica: cannot read the replica of daemon ${hexId(daemonId)}: ${thrownText(err)}`);
    }
  }

  #subject(daemonId: bigint): string {
    return `meshos.${this.#mesh}.replicas.${daemonId}`;
  }
}
