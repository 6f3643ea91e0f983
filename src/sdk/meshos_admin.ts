/**
 * The operator's side of the node, kept apart from the daemon handle (product decision 14):
 * maintenance, stopping and restarting daemons — node-local, in-process, so without a signature;
 * each command is audited in the mesh's trail as operator "local" (`src/runtime/command_gate.ts`).
 * Operators elsewhere use `MeshOsOperator`.
 *
 * @module
 */

import type { MeshRuntime } from "../runtime/mesh_runtime.ts";
import { expectObject, rejectUnknownKeys } from "../contract/config.ts";
import { type Milliseconds, optionalMilliseconds } from "../contract/milliseconds.ts";
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
  enterMaintenance(options: { drainForMs?: Milliseconds } = {}): void {
    checkOptions(options, ["drainForMs"]);
    const drainForMs = optionalMilliseconds("drainForMs", options.drainForMs, 1, null);
    const runtime = this.#runtime();
    runtime.commands.local("enterMaintenance", () => runtime.enterMaintenance(drainForMs));
  }

  /** Leaves Maintenance or DrainFailed: daemons resume; Recovery, then Active after the ramp window. */
  exitMaintenance(): void {
    const runtime = this.#runtime();
    runtime.commands.local("exitMaintenance", () => runtime.exitMaintenance());
  }

  /**
   * Sends one `Shutdown{graceMs}` to a daemon and resolves once it acknowledged or the grace ran out;
   * it is then unregistered.
   */
  async stopDaemon(daemonId: bigint, options: { graceMs?: Milliseconds } = {}): Promise<void> {
    const runtime = this.#runtime();
    checkOptions(options, ["graceMs"]);
    const grace = optionalMilliseconds("graceMs", options.graceMs, 0, Number(DEFAULT_GRACE_MS));
    const slot = runtime.requireSlot(daemonId);
    await runtime.commands.local("stopDaemon", () => runtime.stop(slot.daemonId, grace));
  }

  /** Restarts a daemon now (restore from its last snapshot), clearing its backoff / crash-loop gate. */
  restartDaemon(daemonId: bigint): void {
    const runtime = this.#runtime();
    runtime.commands.local("restartDaemon", () => runtime.restart(daemonId));
  }
}

/** An options argument is an object whose keys are all `known` (`invalid_argument` otherwise). */
function checkOptions(options: unknown, known: readonly string[]): void {
  rejectUnknownKeys("options", expectObject("options", options, "invalid_argument"), known, "invalid_argument");
}
