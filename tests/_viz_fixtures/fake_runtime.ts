/**
 * A hand-driven stand-in for the runtime's `snapshot()`, with realistic values, for the
 * inspector tests: a test mutates `state` and the inspector sees the change on its next poll.
 *
 * @module
 */

import type { DaemonSnapshot, RuntimeSnapshot } from "../../src/runtime/runtime_snapshot.ts";

/** A fake runtime whose snapshot a test edits in place. */
export interface FakeRuntime {
  /** The live snapshot; edit it freely. */
  state: RuntimeSnapshot;
  /** What the inspector polls: a deep copy, as the real runtime returns a fresh object. */
  getSnapshot: () => RuntimeSnapshot;
  /** Appends a log record (the ring keeps the last 200). */
  log(message: string, options?: { level?: "info" | "warn" | "error" | "debug"; daemonId?: string | null }): void;
  /** The daemon with this name. */
  daemon(name: string): DaemonSnapshot;
}

function daemonSnapshot(index: number, name: string, lifecycle: string): DaemonSnapshot {
  return {
    daemonId: `0x${(0x1000 + index).toString(16).padStart(16, "0")}`,
    name,
    runsIn: index === 1 ? "worker" : "thread",
    lifecycle,
    health: { kind: "healthy", reason: null },
    saturation: 0.1 * index,
    capabilities: { required: ["bus.read"], optional: [], published: [`${name}.out`] },
    restart: { state: "idle", untilMs: null },
    counters: {
      ingested: 1200 * index,
      inboxRejected: 0,
      processed: 1190 * index,
      outputs: 600 * index,
      processErrors: 0,
      crashes: 0,
      restarts: 0,
      controlDelivered: 3,
      controlDropped: 0,
      discardedOnStop: 0,
      outputsDropped: 0,
      inboxDepth: 10 * index,
      inboxCapacity: 1_024,
    },
    backpressureLevel: null,
  };
}

/**
 * A node with two running daemons, maintenance `Active` and a few log lines.
 *
 * @example
 * ```ts
 * const runtime = fakeRuntime();
 * runtime.daemon("ingest").lifecycle = "draining";
 * runtime.state.maintenance.state = "EnteringMaintenance";
 * ```
 */
export function fakeRuntime(): FakeRuntime {
  const state: RuntimeSnapshot = {
    nodeId: "0x00000000000000a1",
    backend: "js",
    runtimeEpochId: "0x000000000000e901",
    ticks: 1,
    atMs: 1_700_000_000_000,
    maintenance: { state: "Active", sinceMs: 0, deadlineRemainingMs: null, reason: null },
    backpressure: { active: false, level: 0, busDepth: 12, threshold: 1_000, release: 500 },
    eventQueue: { depth: 3, capacity: 1_024, rejected: 0 },
    daemons: [daemonSnapshot(1, "ingest", "running.normal"), daemonSnapshot(2, "enricher", "running.backpressured")],
    droppedControlEvents: 0,
    log: { records: [], dropped: 0, truncated: 0 },
    deadLetters: [],
    deadLettersDropped: 0,
    recentActions: [],
    actions: { dispatched: 0, failed: 0, dropped: 0 },
  };
  state.daemons[1].backpressureLevel = 0.4;
  let seq = 0;
  const runtime: FakeRuntime = {
    state,
    getSnapshot: () => structuredClone(state),
    log(message, options = {}) {
      seq += 1;
      state.log.records.push({
        seq,
        tsMs: state.atMs + seq * 17,
        level: options.level ?? "info",
        daemonId: options.daemonId ?? null,
        nodeId: state.nodeId,
        message,
      });
      if (state.log.records.length > 200) {
        state.log.records.shift();
        state.log.dropped += 1;
      }
    },
    daemon(name) {
      const found = state.daemons.find((daemon) => daemon.name === name);
      if (!found) throw new Error(`no daemon named ${name}`);
      return found;
    },
  };
  runtime.log("runtime started with backend js");
  runtime.log("daemon ingest registered", { daemonId: state.daemons[0].daemonId });
  runtime.log("daemon enricher registered", { daemonId: state.daemons[1].daemonId });
  runtime.log("backpressure on at level 0.40", { level: "warn", daemonId: state.daemons[1].daemonId });
  return runtime;
}
