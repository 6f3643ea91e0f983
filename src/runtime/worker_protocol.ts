/**
 * What the runtime thread and a daemon's Worker say to each other: the messages each way, the
 * words of the shared control block, and the packing of a batch's outputs into one transferable
 * buffer.
 *
 * The inbox itself is a `JsRecordRing` over a `SharedArrayBuffer` (the runtime thread produces, the
 * Worker consumes). Messages carry everything else: results, snapshots, health, control events.
 *
 * @module
 */

import type { LogSeverity } from "../contract/log_level.ts";
import type { HealthReading, SavedStateReading } from "../contract/daemon_spec.ts";
import type { CausalEvent, DaemonControl } from "../contract/types.ts";

/** Int32 words of the control block shared with a Worker. */
export const CONTROL_WORDS = {
  /** Bumped (then `Atomics.notify`) to wake a Worker waiting for records. */
  wake: 0,
  /** 1 while the Worker waits on `wake`: the runtime only notifies then. */
  sleeping: 1,
  /** 1 while the Worker may take records from the ring (set by the runtime thread). */
  run: 2,
  /** 1 while the Worker is inside `process()`. */
  inProcess: 3,
  /** Records of the current ring batch handed to `process()`, not yet released (0 between batches). */
  ringTaken: 4,
  /**
   * Control events posted to the Worker. It takes no records while it has handled fewer: an event
   * ingested after a control event reaches `process()` after `onControl` saw the control event.
   */
  controlsPosted: 5,
} as const;

/** Bytes of the shared control block. */
export const CONTROL_BYTES = 8 * Int32Array.BYTES_PER_ELEMENT;

/** A head of the ingress chain: the last stamped event (its link and payload). */
export type ChainHead = CausalEvent;

/** Runtime thread → Worker. */
export type ToWorker =
  | { type: "load"; module: string; exportName: string }
  | {
    type: "start";
    ring: SharedArrayBuffer;
    control: SharedArrayBuffer;
    head: ChainHead;
    savedState: Uint8Array | null;
  }
  /** Restore from the last saved state the Worker read (at least as new as any the runtime has). */
  | { type: "restore" }
  | { type: "retry"; event: CausalEvent }
  | { type: "control"; event: DaemonControl }
  | { type: "poll" };

/** The outputs of a batch: every payload in one buffer. */
export interface PackedOutputs {
  bytes: Uint8Array;
  /** Outputs per processed event. */
  counts: number[];
  /** Length of each output, all events in order. */
  lengths: number[];
}

/** Results of running `process()` over ring records or over one retried event. */
export interface BatchReport {
  type: "batch";
  source: "ring" | "retry";
  /** Events processed successfully, in order. */
  done: number;
  outputs: PackedOutputs;
  /** Ring batches: the last event stamped (the failed one when `failure` is set). */
  head: ChainHead | null;
  /** Why `process()` failed on the event after the `done` ones, or null. */
  failure: string | null;
  /**
   * Ring batches: the event after the `done` ones (`head`) returned a promise; it left the ring and
   * is awaited in the Worker, whose `retry` report brings its outcome.
   */
  awaited: boolean;
  /** Taken after a batch without failure. */
  savedState: SavedStateReading | null;
}

/** Worker → runtime thread. */
export type FromWorker =
  | { type: "loaded" }
  | { type: "load_failed"; error: string }
  | BatchReport
  | { type: "health"; health: HealthReading; saturation: number; problems: string[] }
  | { type: "log"; level: LogSeverity; message: string }
  | { type: "exiting"; how: string };

/** Copies each event's outputs into one buffer that can be transferred. */
export function packOutputs(perEvent: readonly (readonly Uint8Array[])[]): PackedOutputs {
  const counts: number[] = [];
  const lengths: number[] = [];
  let total = 0;
  for (const outputs of perEvent) {
    counts.push(outputs.length);
    for (const output of outputs) {
      lengths.push(output.length);
      total += output.length;
    }
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const outputs of perEvent) {
    for (const output of outputs) {
      bytes.set(output, at);
      at += output.length;
    }
  }
  return { bytes, counts, lengths };
}

/** Each event's outputs, as views into the packed buffer. */
export function unpackOutputs(packed: PackedOutputs): Uint8Array[][] {
  const perEvent: Uint8Array[][] = [];
  let at = 0;
  let index = 0;
  for (const count of packed.counts) {
    const outputs: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const length = packed.lengths[index++];
      outputs.push(packed.bytes.subarray(at, at + length));
      at += length;
    }
    perEvent.push(outputs);
  }
  return perEvent;
}
