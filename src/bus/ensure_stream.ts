/**
 * Makes a mesh's JetStream stream when it is missing — the events, the audit trail, the replicas
 * (`nats_event_stream.ts`, `nats_audit_trail.ts`, `nats_replica_store.ts`) — and leaves one that
 * exists as it is.
 *
 * @module
 */

import type { JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import { MeshOsSdkError, thrownText } from "../errors/meshos_sdk_error.ts";

/**
 * Adds the stream `config.name` unless it exists; `bus_unavailable` naming it and its replicas
 * when it cannot be made.
 *
 * @example
 * ```ts
 * await ensureStream(jsm, { name: "MESHOS_lab_AUDIT", subjects: ["meshos.lab.audit"], num_replicas: 1 });
 * ```
 */
export async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string; num_replicas: number }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    return;
  } catch {
    // missing: made below
  }
  try {
    await jsm.streams.add(config);
  } catch (err) {
    throw new MeshOsSdkError(
      "bus_unavailable",
      `bus.nats: cannot create the JetStream stream ${config.name} with ${config.num_replicas} replica(s): ${thrownText(err)}`,
    );
  }
}
