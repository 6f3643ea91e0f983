/**
 * Events a daemon took from its inbox but has not processed: those kept after a crash cut a batch
 * short, and those whose `process()` failed and wait for another try. They run before the inbox,
 * oldest first; after {@link MAX_PROCESS_ATTEMPTS} failed tries an event becomes a dead letter.
 *
 * @module
 */

import { bytesToBase64 } from "../contract/byte_text.ts";
import type { CausalEvent } from "../contract/types.ts";
import type { PendingEvent } from "./daemon_executor.ts";
import type { DeadLetterSnapshot } from "./runtime_snapshot.ts";

/** Attempts an event gets before it is dead-lettered. */
export const MAX_PROCESS_ATTEMPTS = 3;

/** The ordered list of events waiting for a `process()` that succeeds. */
export class RetryQueue {
  readonly #daemonId: string;
  readonly #deadLetter: (letter: DeadLetterSnapshot, event: CausalEvent) => void;
  #pending: PendingEvent[] = [];

  /** `daemonId` is the hex id dead letters name; `deadLetter` receives each one, and its event. */
  constructor(daemonId: string, deadLetter: (letter: DeadLetterSnapshot, event: CausalEvent) => void) {
    this.#daemonId = daemonId;
    this.#deadLetter = deadLetter;
  }

  /** Events waiting, oldest first. */
  get pending(): readonly PendingEvent[] {
    return this.#pending;
  }

  /** Removes and returns the oldest waiting event. */
  take(): PendingEvent | undefined {
    return this.#pending.shift();
  }

  /** Appends `event`, taken from the inbox but not run, with no failed attempt yet. */
  keep(event: CausalEvent): void {
    this.#pending.push({ event, attempts: 0 });
  }

  /**
   * Puts `failed` (oldest first) ahead of everything waiting; each out of attempts becomes a dead
   * letter naming `reason` instead.
   */
  retryFirst(failed: readonly PendingEvent[], reason: string): void {
    const again: PendingEvent[] = [];
    for (const item of failed) {
      if (item.attempts < MAX_PROCESS_ATTEMPTS) {
        again.push(item);
        continue;
      }
      this.#deadLetter({
        daemonId: this.#daemonId,
        sequence: item.event.sequence.toString(),
        payloadBase64: bytesToBase64(item.event.payload),
        attempts: item.attempts,
        error: reason,
      }, item.event);
    }
    this.#pending.unshift(...again);
  }

  /** Forgets everything waiting (the daemon is going away; the caller counts them). */
  discard(): void {
    this.#pending = [];
  }
}
