/**
 * The operator's side of the node, kept apart from the daemon handle (product decision 14):
 * maintenance, stopping and restarting daemons.
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import type { MeshRuntime } from "../runtime/mesh_runtime.ts";
import { resolveMsArgument } from "../contract/config.ts";
import { DEFAULT_GRACE_MS } from "./meshos_daemon_handle.ts";

/**
 * Operator commands. Reached as `sdk.admin`.
 *
 * @example
 * ```ts
 * sdk.admin.enterMaintenance({ drainForMs: 30_000 }); // every daemon gets DrainStart
 * await clock.advance(500);                           // daemons drain, the node commits Maintenance
 * sdk.admin.exitMaintenance();
 * ```
 */
export class MeshOsAdmin {
  readonly #runtime: () => MeshRuntime;

  /** @internal */
  constructor(runtime: () => MeshRuntime) {
    this.#runtime = runtime;
  }

  /**
   * Starts draining the node: `DrainStart` to every daemon; the node commits Maintenance once all
   * acknowledge, or DrainFailed at the deadline (default 10 min). Throws `invalid_transition` unless
   * the node is Active (or already entering, which replaces the deadline).
   */
  enterMaintenance(options: { drainForMs?: number } = {}): void {
    const drainForMs = options.drainForMs;
    if (drainForMs !== undefined && !(Number.isInteger(drainForMs) && drainForMs >= 1)) {
      throw new MeshOsSdkError(
        "invalid_argument",
        `drainForMs: expected a positive integer number of ms; got ${describeValue(drainForMs)}`,
      );
    }
    this.#runtime().enterMaintenance(drainForMs ?? null);
  }

  /** Leaves Maintenance or DrainFailed: daemons resume; Recovery, then Active after the ramp window. */
  exitMaintenance(): void {
    this.#runtime().exitMaintenance();
  }

  /**
   * Sends one `Shutdown{graceMs}` to a daemon and resolves once it acknowledged or the grace ran out;
   * it is then unregistered.
   */
  async stopDaemon(daemonId: bigint, options: { graceMs?: bigint } = {}): Promise<void> {
    const runtime = this.#runtime();
    const grace = resolveMsArgument("graceMs", options.graceMs, 1n) ?? Number(DEFAULT_GRACE_MS);
    const slot = runtime.requireSlot(daemonId);
    await runtime.stop(slot.daemonId, grace);
  }

  /** Restarts a daemon now (restore from its last snapshot), clearing its backoff / crash-loop gate. */
  restartDaemon(daemonId: bigint): void {
    this.#runtime().restart(daemonId);
  }
}
