/**
 * The SDK's `bus` start option: checking it, and opening the bus it names. The NATS client is
 * loaded only when a NATS bus is asked for, so an in-memory node never loads it.
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { expectObject, rejectUnknownKeys } from "../contract/config.ts";
import { type Milliseconds, toMilliseconds } from "../contract/milliseconds.ts";
import type { MeshBus } from "./mesh_bus.ts";
import { MemoryBus } from "./memory_bus.ts";

/**
 * Which mesh a node joins. Without it (or with `{ memory: {} }`) the node is alone on an
 * in-memory bus; `{ memory: { mesh } }` joins the in-process mesh of that name; `{ nats: … }`
 * joins the mesh of that name (default `"default"`) on those NATS servers.
 *
 * @example
 * ```ts
 * const bus: MeshOsBusOption = { nats: { servers: "nats://127.0.0.1:4222", mesh: "lab" } };
 * ```
 */
export type MeshOsBusOption =
  | { memory: { mesh?: string } }
  | { nats: { servers: string | string[]; mesh?: string; connectTimeoutMs?: Milliseconds; replicas?: number } };

/** A checked `bus` option. */
export type BusChoice =
  | { kind: "memory"; mesh: string | null }
  | { kind: "nats"; servers: string[]; mesh: string; connectTimeoutMs: number; replicas: number };

const DEFAULT_NATS_MESH = "default";
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** JetStream stores a stream on at most 5 servers. */
const MAX_REPLICAS = 5;
/** A mesh name is one NATS subject token. */
const MESH_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Checks the `bus` option; `invalid_config` naming the field otherwise.
 *
 * @example
 * ```ts
 * resolveBusOption(undefined); // { kind: "memory", mesh: null }
 * resolveBusOption({ nats: { servers: "nats://h:4222" } }); // { kind: "nats", servers: ["nats://h:4222"], mesh: "default", connectTimeoutMs: 5000, replicas: 1 }
 * ```
 */
export function resolveBusOption(value: unknown): BusChoice {
  if (value === undefined) return { kind: "memory", mesh: null };
  const option = expectObject("bus", value);
  rejectUnknownKeys("bus", option, ["memory", "nats"]);
  const kinds = Object.keys(option);
  if (kinds.length !== 1) {
    throw new MeshOsSdkError("invalid_config", `bus: expected exactly one of memory, nats; got ${describeValue(value)}`);
  }
  if ("memory" in option) {
    const memory = expectObject("bus.memory", option.memory);
    rejectUnknownKeys("bus.memory", memory, ["mesh"]);
    return { kind: "memory", mesh: memory.mesh === undefined ? null : meshName("bus.memory.mesh", memory.mesh) };
  }
  const nats = expectObject("bus.nats", option.nats);
  rejectUnknownKeys("bus.nats", nats, ["servers", "mesh", "connectTimeoutMs", "replicas"]);
  return {
    kind: "nats",
    servers: serverList(nats.servers),
    mesh: nats.mesh === undefined ? DEFAULT_NATS_MESH : meshName("bus.nats.mesh", nats.mesh),
    connectTimeoutMs: nats.connectTimeoutMs === undefined
      ? DEFAULT_CONNECT_TIMEOUT_MS
      : toMilliseconds("invalid_config", "bus.nats.connectTimeoutMs", nats.connectTimeoutMs, 1),
    replicas: nats.replicas === undefined ? 1 : replicaCount(nats.replicas),
  };
}

/**
 * Opens the bus `choice` names for node `nodeId`; `now` is the node's clock. `bus_unavailable`
 * when a NATS bus finds no server in time.
 */
export async function openMeshBus(choice: BusChoice, nodeId: bigint, now: () => number): Promise<MeshBus> {
  if (choice.kind === "memory") return MemoryBus.join({ mesh: choice.mesh, nodeId, now });
  const { NatsBus } = await import("./nats_bus.ts");
  return await NatsBus.open({ ...choice, nodeId, now });
}

function meshName(field: string, value: unknown): string {
  if (typeof value === "string" && MESH_NAME.test(value)) return value;
  throw new MeshOsSdkError(
    "invalid_config",
    `${field}: expected 1 to 64 letters, digits, "_" or "-"; got ${describeValue(value)}`,
  );
}

function replicaCount(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_REPLICAS) return value;
  throw new MeshOsSdkError(
    "invalid_config",
    `bus.nats.replicas: expected an integer from 1 to ${MAX_REPLICAS} (servers storing each event frame); got ${describeValue(value)}`,
  );
}

function serverList(value: unknown): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw new MeshOsSdkError(
      "invalid_config",
      `bus.nats.servers: expected a server URL or a non-empty array of them; got ${describeValue(value)}`,
    );
  }
  list.forEach((server, i) => {
    if (typeof server !== "string" || server.trim() === "" || /\s/.test(server)) {
      throw new MeshOsSdkError("invalid_config", `bus.nats.servers[${i}]: expected a server URL such as "nats://127.0.0.1:4222"; got ${describeValue(server)}`);
    }
  });
  return [...list] as string[];
}
