/**
 * Routes supervisor→daemon control events to each daemon's channel, in registration order for
 * broadcasts. Drops are counted per daemon and in a monotonic node total that survives
 * unregistration (product decision 3).
 *
 * @module
 */

import type { DaemonControl } from "../contract/types.ts";
import type { Clock } from "./clock.ts";
import { ControlChannel } from "./control_channel.ts";

/** Called for every routed event before it is queued (dual delivery to `onControl`). */
export type ControlTap = (daemonId: bigint, event: DaemonControl) => void;

/** Per-daemon control channels. */
export class ControlRouter {
  readonly #channels = new Map<bigint, ControlChannel>();
  readonly #clock: Clock;
  readonly #tap: ControlTap;
  #droppedTotal = 0;

  constructor(clock: Clock, tap: ControlTap) {
    this.#clock = clock;
    this.#tap = tap;
  }

  /** Opens a channel for `daemonId`. */
  register(daemonId: bigint, capacity: number): ControlChannel {
    const channel = new ControlChannel(capacity, this.#clock);
    this.#channels.set(daemonId, channel);
    return channel;
  }

  /** Closes and forgets the channel; its drops stay in the total. */
  unregister(daemonId: bigint): void {
    this.#channels.get(daemonId)?.close();
    this.#channels.delete(daemonId);
  }

  /** Sends to one daemon; an unknown id is a no-op (upstream RS-6). Returns whether it was queued. */
  route(daemonId: bigint, event: DaemonControl): boolean {
    const channel = this.#channels.get(daemonId);
    if (!channel) return false;
    this.#tap(daemonId, event);
    const { accepted, dropped } = channel.offer(event);
    this.#droppedTotal += dropped;
    return accepted;
  }

  /** Sends to every daemon, in registration order. */
  broadcast(event: DaemonControl): void {
    for (const daemonId of [...this.#channels.keys()]) this.route(daemonId, event);
  }

  /** Control events dropped since start, all daemons, past and present. */
  get droppedTotal(): number {
    return this.#droppedTotal;
  }

  /** Closes every channel (SDK shutdown). */
  closeAll(): void {
    for (const channel of this.#channels.values()) channel.close();
  }
}
