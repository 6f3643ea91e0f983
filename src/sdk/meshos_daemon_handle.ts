/**
 * The daemon's only door into the node: control events, logs, capabilities, metadata and
 * shutdown (upstream §2.6.2, with product.md §3 decisions 4, 5, 7 and 9).
 *
 * @module
 */

import { MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import type { MaintenanceView } from "../actors/maintenance_machine.ts";
import type { DaemonSlot } from "../runtime/daemon_slot.ts";
import type { MeshRuntime } from "../runtime/mesh_runtime.ts";
import { capabilityTags } from "../contract/capabilities.ts";
import { type Milliseconds, optionalMilliseconds } from "../contract/milliseconds.ts";
import { parseLogLevel } from "../contract/log_level.ts";
import type {
  CapabilitySetJs,
  DaemonControl,
  LogLevel,
  MaintenanceState,
  MetadataView,
} from "../contract/types.ts";
import { describeValue } from "../errors/meshos_sdk_error.ts";

/** Upstream's `DEFAULT_GRACEFUL_SHUTDOWN`: 5 s. */
export const DEFAULT_GRACE_MS = 5000n;

type HandleState = "active" | "stopping" | "consumed";

/** Turns the runtime's maintenance view into the daemon-facing union. */
export function toMaintenanceState(view: MaintenanceView): MaintenanceState {
  const sinceMs = BigInt(Math.floor(view.sinceMs));
  switch (view.kind) {
    case "Active":
      return { kind: "Active" };
    case "EnteringMaintenance":
      return {
        kind: "EnteringMaintenance",
        sinceMs,
        deadlineRemainingMs: view.deadlineRemainingMs === null ? null : BigInt(Math.floor(view.deadlineRemainingMs)),
      };
    case "DrainFailed":
      return { kind: "DrainFailed", sinceMs, reason: view.reason ?? "" };
    case "Maintenance":
    case "ExitingMaintenance":
    case "Recovery":
      return { kind: view.kind, sinceMs };
  }
}

/**
 * A registered daemon's handle.
 *
 * @example
 * ```ts
 * await using handle = await sdk.registerDaemon({ name: "echo", process: (e) => [e.payload] }, Identity.generate());
 * await handle.publishLog("info", "up");
 * for await (const event of handle.controlEvents()) {
 *   if (event.kind === "Shutdown") break; // acknowledges: a pending gracefulShutdown completes now
 * }
 * ```
 */
/** Settled answers shared by every call that has nothing new to say. */
const DONE: Promise<void> = Promise.resolve();
const NO_CONTROL: Promise<DaemonControl | null> = Promise.resolve(null);

export class MeshOsDaemonHandle {
  readonly #runtime: MeshRuntime;
  readonly #slot: DaemonSlot;
  readonly #name: string;
  #state: HandleState = "active";
  #consumedBy = "gracefulShutdown";
  #metadata: MetadataView;
  #lastDelivered: DaemonControl["kind"] | null = null;

  /** @internal Created by `MeshOsDaemonSdk.registerDaemon`. */
  constructor(runtime: MeshRuntime, slot: DaemonSlot) {
    this.#runtime = runtime;
    this.#slot = slot;
    this.#name = slot.spec.name;
    this.#metadata = this.#buildMetadata();
  }

  /** The daemon id: its identity's origin hash. Readable after shutdown. */
  get daemonId(): bigint {
    return this.#slot.daemonId;
  }

  /** The daemon's name. Readable after shutdown. */
  get daemonName(): string {
    return this.#name;
  }

  /** The view cached at registration (or at the last refresh). */
  async metadata(): Promise<MetadataView> {
    this.#requireLive();
    return this.#metadata;
  }

  /** Rebuilds the view from the runtime now. */
  async refreshMetadata(): Promise<MetadataView> {
    this.#requireLive();
    if (!this.#runtime.closed) this.#metadata = this.#buildMetadata();
    return this.#metadata;
  }

  /**
   * The next control event: `null` after `timeoutMs` (`0n` polls once), or at once when the SDK is
   * shut down. Without a timeout it waits for an event, the end of the handle, or SDK shutdown.
   */
  async nextControl(timeoutMs?: Milliseconds): Promise<DaemonControl | null> {
    const waitMs = optionalMilliseconds("timeoutMs", timeoutMs, 0, null);
    if (this.#runtime.closed) return null;
    this.#requireLive();
    const event = await this.#slot.channel.next(waitMs);
    if (event) this.#lastDelivered = event.kind;
    return event;
  }

  /** The next queued control event, or null; never waits. */
  tryNextControl(): Promise<DaemonControl | null> {
    // Not an async function: a quiet poll, the common case, returns one shared settled promise.
    if (this.#runtime.closed) return NO_CONTROL;
    try {
      this.#requireLive();
    } catch (err) {
      return Promise.reject(err);
    }
    const event = this.#slot.channel.poll();
    if (!event) return NO_CONTROL;
    this.#lastDelivered = event.kind;
    return Promise.resolve(event);
  }

  /**
   * Control events as an async iterable. It ends when the handle is consumed or the SDK shuts down.
   * Leaving the loop right after a `Shutdown` acknowledges it, like `exit()`.
   */
  controlEvents(): AsyncIterableIterator<DaemonControl> {
    const iterator: AsyncIterableIterator<DaemonControl> = {
      next: async () => {
        try {
          const event = await this.nextControl();
          return event ? { done: false, value: event } : { done: true, value: undefined };
        } catch (err) {
          if (err instanceof MeshOsSdkError && err.kind === "already_shutdown") return { done: true, value: undefined };
          throw err;
        }
      },
      return: () => {
        if (this.#lastDelivered === "Shutdown" && this.#state !== "consumed") this.#runtime.acknowledge(this.daemonId);
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Appends a line to the node's log ring (`queue_full` when the event queue is full). */
  publishLog(level: LogLevel, message: string): Promise<void> {
    // Not an async function: an accepted line returns one shared settled promise, no allocation.
    try {
      const numeric = parseLogLevel(level);
      if (typeof message !== "string") {
        throw new MeshOsSdkError("invalid_argument", `message: expected a string; got ${describeValue(message)}`);
      }
      if (!this.#runtime.closed) this.#requireLive();
      this.#runtime.publishLog(numeric, this.daemonId, message);
    } catch (err) {
      return Promise.reject(err);
    }
    return DONE;
  }

  /** Advertises capabilities: stored, shown in the snapshot and inspector. `null` clears them. */
  async publishCapabilities(caps?: CapabilitySetJs | null): Promise<void> {
    const tags = capabilityTags(caps);
    if (this.#runtime.closed) throw new MeshOsSdkError("already_shutdown", "MeshOsDaemonSdk was already consumed by shutdown");
    this.#requireLive();
    this.#slot.publishedCapabilities = tags;
  }

  /**
   * Sends `Shutdown{graceMs}` to this daemon (waking a pending `nextControl()`), then resolves as
   * soon as the daemon acknowledges (`exit()`, or leaving `controlEvents()` after the Shutdown)
   * or the grace runs out; the daemon is then unregistered and the handle consumed.
   */
  async gracefulShutdown(graceMs?: Milliseconds): Promise<void> {
    const grace = optionalMilliseconds("graceMs", graceMs, 0, Number(DEFAULT_GRACE_MS));
    this.#requireActive();
    this.#state = "stopping";
    this.#consumedBy = "gracefulShutdown";
    if (!this.#runtime.closed && this.#runtime.slot(this.daemonId) === this.#slot) {
      await this.#runtime.stop(this.daemonId, grace);
    }
    this.#state = "consumed";
  }

  /**
   * The daemon is done: completes a pending `gracefulShutdown`/`stopDaemon` now, acknowledges a
   * `DrainStart` (the daemon becomes drained and stays registered), or otherwise unregisters now.
   */
  async exit(): Promise<void> {
    this.#requireLive();
    const draining = this.#slot.actor.getSnapshot().matches("draining") && !this.#runtime.isStopping(this.daemonId);
    this.#runtime.acknowledge(this.daemonId);
    if (!draining) {
      this.#consumedBy = this.#state === "stopping" ? this.#consumedBy : "exit";
      this.#state = "consumed";
    }
  }

  /** `await using`: leaves at scope end (like `exit()`), if still registered. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state === "active" && this.#isRegistered()) await this.exit();
  }

  #isRegistered(): boolean {
    return !this.#runtime.closed && this.#runtime.slot(this.daemonId) === this.#slot;
  }

  #requireLive(): void {
    if (this.#state === "consumed" || (!this.#runtime.closed && !this.#isRegistered())) {
      this.#state = "consumed";
      throw new MeshOsSdkError("already_shutdown", `daemon handle was already consumed by ${this.#consumedBy}`);
    }
  }

  #requireActive(): void {
    this.#requireLive();
    if (this.#state === "stopping") {
      throw new MeshOsSdkError("already_shutdown", `daemon handle was already consumed by ${this.#consumedBy}`);
    }
  }

  #buildMetadata(): MetadataView {
    return {
      nodeId: this.#runtime.config.thisNode,
      daemonId: this.daemonId,
      daemonName: this.#name,
      maintenanceState: toMaintenanceState(this.#runtime.maintenanceView()),
      peers: this.#runtime.peers(),
    };
  }

}
