/**
 * Everything the runtime holds for one registered daemon: its lifecycle actor, its inbox ring,
 * its control channel, its causal chains and its counters — and the pump that moves events from
 * the inbox through `process()` to the daemon's output chain, with crash handling.
 *
 * @module
 */

import { type Actor, createActor } from "xstate";
import { daemonLifecycleLabel, daemonMachine } from "../actors/daemon_machine.ts";
import type { RestartBackoffConfig } from "../actors/restart_backoff.ts";
import {
  type BackpressureHysteresis,
  createBackpressureHysteresis,
  updateBackpressure,
} from "../actors/backpressure_hysteresis.ts";
import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import type { RecordRing } from "../ffi/ring_backend.ts";
import { CausalChain } from "../identity/causal_chain.ts";
import { ObservedHorizon } from "../identity/horizon.ts";
import { type DaemonSpec, errorText, type HealthReading, readHealth, readSaturation } from "../sdk/daemon_spec.ts";
import type { CausalEvent, DaemonControl } from "../sdk/types.ts";
import type { Clock } from "./clock.ts";
import type { ControlChannel } from "./control_channel.ts";
import { OutputStream } from "./output_stream.ts";
import type { DaemonSnapshot, DeadLetterSnapshot } from "./runtime_snapshot.ts";

/** Attempts an event gets before it is dead-lettered. */
export const MAX_PROCESS_ATTEMPTS = 3;
/** Records popped from an inbox per pump turn before yielding to the host loop. */
const PUMP_BATCH = 1024;
const LOG_ERROR = 4;
const LOG_WARN = 3;

/** What a slot needs from the runtime around it. */
export interface SlotHost {
  readonly clock: Clock;
  /** Origin of events ingested through the SDK (the node's ingress identity). */
  readonly ingressOrigin: bigint;
  log(level: number, daemonId: bigint | null, message: string): void;
  deadLetter(letter: DeadLetterSnapshot): void;
  /** The daemon's lifecycle changed (maintenance and shutdown waiters look). */
  lifecycleChanged(slot: DaemonSlot): void;
}

/** Options fixed at registration. */
export interface SlotOptions {
  inbox: RecordRing;
  inboxCapacity: number;
  channel: ControlChannel;
  outputCapacity: number;
  backoff?: Partial<RestartBackoffConfig>;
}

type PendingEvent = { event: CausalEvent; attempts: number };

const yieldToHost: (fn: () => void) => void = typeof setImmediate === "function"
  ? (fn) => setImmediate(fn)
  : (fn) => setTimeout(fn, 0);

/** One daemon inside the runtime. */
export class DaemonSlot {
  readonly daemonId: bigint;
  readonly spec: DaemonSpec;
  readonly actor: Actor<typeof daemonMachine>;
  readonly channel: ControlChannel;
  readonly outputs: OutputStream;
  readonly inbox: RecordRing;
  readonly inboxCapacity: number;
  readonly #host: SlotHost;
  readonly #ingress: CausalChain;
  readonly #chain: CausalChain;
  readonly #horizon = new ObservedHorizon();
  #selfPressure: BackpressureHysteresis;
  #nodePressureLevel: number | null = null;
  #pushed = 0;
  #popped = 0;
  #kept: PendingEvent[] = []; // popped but not yet processed (a crash mid-batch), oldest first
  #pumpQueued = false;
  #lastSnapshot: Uint8Array | null = null;
  #reportedProblems = new Set<string>();
  #closed = false;
  health: HealthReading = { kind: "healthy", reason: null };
  saturation = 0;
  publishedCapabilities: string[] = [];
  readonly counters = {
    ingested: 0,
    inboxRejected: 0,
    processed: 0,
    outputs: 0,
    processErrors: 0,
    crashes: 0,
    restarts: 0,
    discardedOnStop: 0,
  };

  constructor(daemonId: bigint, spec: DaemonSpec, host: SlotHost, options: SlotOptions) {
    this.daemonId = daemonId;
    this.spec = spec;
    this.#host = host;
    this.inbox = options.inbox;
    this.inboxCapacity = options.inboxCapacity;
    this.channel = options.channel;
    this.outputs = new OutputStream(options.outputCapacity);
    this.#ingress = new CausalChain(host.ingressOrigin);
    this.#chain = new CausalChain(daemonId);
    this.#selfPressure = createBackpressureHysteresis({
      threshold: Math.max(1, Math.floor(options.inboxCapacity * 0.75)),
      release: Math.floor(options.inboxCapacity * 0.25),
    });
    const now = host.clock.now();
    this.actor = createActor(daemonMachine, { input: { now, backoff: options.backoff } });
    this.actor.on("restart", () => this.#restoreAfterCrash());
    this.actor.subscribe(() => host.lifecycleChanged(this));
    this.actor.start();
    this.actor.send({ type: "start", now });
  }

  /** The lifecycle state as a dotted path, e.g. `running.backpressured`. */
  get lifecycle(): string {
    return daemonLifecycleLabel(this.actor.getSnapshot());
  }

  /** Records waiting for `process()`: in the ring, kept after a crash, or awaiting retry. */
  get depth(): number {
    return this.#pushed - this.#popped + this.#kept.length;
  }

  /** True while the daemon is registered and not on its way out. */
  get accepting(): boolean {
    return !this.#closed && !this.actor.getSnapshot().matches("stopping") &&
      !this.actor.getSnapshot().matches("stopped");
  }

  /** Queues one payload; false when the inbox is full (counted). */
  ingest(payload: Uint8Array): boolean {
    this.#requireAccepting();
    if (this.depth >= this.inboxCapacity || !this.inbox.tryPush(payload)) {
      this.counters.inboxRejected++;
      return false;
    }
    this.#pushed++;
    this.counters.ingested++;
    this.#schedulePump();
    return true;
  }

  /** Queues a prefix of `payloads` in one ring call; returns how many were accepted. */
  ingestBatch(payloads: readonly Uint8Array[]): number {
    this.#requireAccepting();
    const room = Math.max(0, this.inboxCapacity - this.depth);
    const offered = room >= payloads.length ? payloads : payloads.slice(0, room);
    const accepted = offered.length === 0 ? 0 : this.inbox.pushBatch(offered);
    this.#pushed += accepted;
    this.counters.ingested += accepted;
    this.counters.inboxRejected += payloads.length - accepted;
    if (accepted > 0) this.#schedulePump();
    return accepted;
  }

  /** Delivers a control event to `onControl` (dual delivery); a throw is logged, never fatal. */
  tapControl(event: DaemonControl): void {
    const onControl = this.spec.daemon.onControl;
    if (typeof onControl !== "function") return;
    try {
      onControl.call(this.spec.daemon, event);
    } catch (err) {
      this.#host.log(LOG_WARN, this.daemonId, `onControl(${event.kind}) threw: ${errorText(err)}`);
    }
  }

  /** Per-tick supervision: health, saturation, restart gate, own inbox high-water mark. */
  tick(now: number): DaemonControl | null {
    if (this.#closed) return null;
    const health = readHealth(this.spec.daemon);
    const saturation = readSaturation(this.spec.daemon);
    this.health = health.reading;
    this.saturation = saturation.value;
    this.#reportOnce(health.problem);
    this.#reportOnce(saturation.problem);
    this.actor.send({ type: "tick", now });
    return this.#checkHighWater();
  }

  /** Node-wide backpressure changed: `level` while on, null when off. */
  setNodePressure(level: number | null): void {
    this.#nodePressureLevel = level;
    this.#syncPressureState();
  }

  /** Stops processing and releases the inbox; leftover events are counted as discarded. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.counters.discardedOnStop += this.depth;
    this.#kept = [];
    this.#popped = this.#pushed;
    if (!this.actor.getSnapshot().matches("stopped")) this.actor.send({ type: "stopped", now: this.#host.clock.now() });
    this.actor.stop();
    this.outputs.end();
    this.inbox.close();
  }

  /** The snapshot row of this daemon. */
  describe(): DaemonSnapshot {
    const context = this.actor.getSnapshot().context;
    return {
      daemonId: hexId(this.daemonId),
      name: this.spec.name,
      lifecycle: this.lifecycle,
      health: { ...this.health },
      saturation: this.saturation,
      capabilities: {
        required: [...this.spec.requiredCapabilities],
        optional: [...this.spec.optionalCapabilities],
        published: [...this.publishedCapabilities],
      },
      restart: { ...context.restartState },
      counters: {
        ingested: this.counters.ingested,
        inboxRejected: this.counters.inboxRejected,
        processed: this.counters.processed,
        outputs: this.counters.outputs,
        processErrors: this.counters.processErrors,
        crashes: this.counters.crashes,
        restarts: this.counters.restarts,
        discardedOnStop: this.counters.discardedOnStop,
        outputsDropped: this.outputs.dropped,
        controlDelivered: this.channel.delivered,
        controlDropped: this.channel.dropped,
        inboxDepth: this.depth,
        inboxCapacity: this.inboxCapacity,
      },
      backpressureLevel: context.backpressureLevel ?? null,
    };
  }

  #requireAccepting(): void {
    if (!this.accepting) {
      throw new MeshOsSdkError(
        "unknown_daemon",
        `daemonId: daemon ${hexId(this.daemonId)} is ${this.lifecycle} and takes no more events`,
      );
    }
  }

  #canProcess(): boolean {
    if (this.#closed) return false;
    const state = this.actor.getSnapshot();
    return state.matches("running") || state.matches("draining");
  }

  #schedulePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => this.#pump());
  }

  #pump(): void {
    this.#pumpQueued = false;
    if (!this.#canProcess()) return;
    while (this.#kept.length > 0) {
      const next = this.#kept.shift()!;
      if (!this.#runOne(next.event, next.attempts)) return; // #crash put it back at the front
    }
    let crashed = false;
    const popped = this.inbox.popBatch(PUMP_BATCH, (payload) => {
      const event = this.#stamp(payload.slice());
      if (crashed) this.#kept.push({ event, attempts: 0 });
      else if (!this.#runOne(event, 0)) crashed = true;
    });
    this.#popped += popped;
    if (popped > 0 && !crashed) this.#takeSnapshot();
    if (!crashed && this.depth > 0) {
      this.#pumpQueued = true;
      yieldToHost(() => this.#pump());
    }
  }

  #stamp(payload: Uint8Array): CausalEvent {
    const { link } = this.#ingress.append(payload);
    this.#horizon.observe(link.originHash, link.sequence);
    return {
      originHash: link.originHash,
      sequence: link.sequence,
      parentHash: link.parentHash,
      horizonEncoded: link.horizonEncoded,
      payload,
    };
  }

  /** Runs `process()` once; on failure records the crash and returns false. */
  #runOne(event: CausalEvent, priorAttempts: number): boolean {
    let outputs: unknown;
    try {
      outputs = this.spec.daemon.process(event);
      this.#emitOutputs(outputs);
    } catch (err) {
      this.#crash(event, priorAttempts + 1, errorText(err));
      return false;
    }
    this.counters.processed++;
    return true;
  }

  #emitOutputs(outputs: unknown): void {
    if (outputs === undefined || outputs === null) return;
    if (typeof (outputs as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new Error(`process must return null or an iterable of Uint8Array; got ${describeValue(outputs)}`);
    }
    const list = [...(outputs as Iterable<unknown>)];
    const bad = list.findIndex((x) => !(x instanceof Uint8Array));
    if (bad >= 0) throw new Error(`process output element ${bad} is not a Uint8Array: ${describeValue(list[bad])}`);
    const horizon = this.#horizon.encode();
    for (const payload of list as Uint8Array[]) {
      const { link } = this.#chain.append(payload, horizon);
      this.outputs.push({
        originHash: link.originHash,
        sequence: link.sequence,
        parentHash: link.parentHash,
        horizonEncoded: link.horizonEncoded,
        payload,
      });
      this.counters.outputs++;
    }
  }

  #crash(event: CausalEvent, attempts: number, reason: string): void {
    this.counters.processErrors++;
    this.counters.crashes++;
    this.#host.log(LOG_ERROR, this.daemonId, `process() failed (attempt ${attempts}) at sequence ${event.sequence}: ${reason}`);
    if (attempts >= MAX_PROCESS_ATTEMPTS) {
      this.#host.deadLetter({
        daemonId: hexId(this.daemonId),
        sequence: Number(event.sequence),
        payloadBase64: toBase64(event.payload),
        attempts,
        error: reason,
      });
    } else {
      this.#kept.unshift({ event, attempts });
    }
    this.actor.send({ type: "crash", now: this.#host.clock.now(), reason });
  }

  #restoreAfterCrash(): void {
    this.counters.restarts++;
    const restore = this.spec.daemon.restore;
    if (this.#lastSnapshot && typeof restore === "function") {
      try {
        restore.call(this.spec.daemon, this.#lastSnapshot.slice());
      } catch (err) {
        this.#host.log(LOG_ERROR, this.daemonId, `restore() threw: ${errorText(err)}`);
      }
    }
    this.#schedulePump();
  }

  #takeSnapshot(): void {
    const snapshot = this.spec.daemon.snapshot;
    if (typeof snapshot !== "function") return;
    try {
      const bytes = snapshot.call(this.spec.daemon);
      if (bytes === null || bytes === undefined) return;
      if (!(bytes instanceof Uint8Array)) {
        this.#reportOnce(`snapshot() returned ${describeValue(bytes)}; expected a Uint8Array or null`);
        return;
      }
      this.#lastSnapshot = bytes;
    } catch (err) {
      this.#reportOnce(`snapshot() threw: ${errorText(err)}`);
    }
  }

  #checkHighWater(): DaemonControl | null {
    const step = updateBackpressure(this.#selfPressure, this.depth);
    this.#selfPressure = step.hysteresis;
    this.#syncPressureState();
    if (step.sendOn) return { kind: "BackpressureOn", level: step.level };
    if (step.sendOff && this.#nodePressureLevel === null) return { kind: "BackpressureOff" };
    return null;
  }

  #syncPressureState(): void {
    const own = this.#selfPressure.active ? this.#selfPressure.lastSentLevel ?? 0 : null;
    const level = own === null ? this.#nodePressureLevel : Math.max(own, this.#nodePressureLevel ?? 0);
    const now = this.#host.clock.now();
    if (level === null) this.actor.send({ type: "backpressure.off", now });
    else this.actor.send({ type: "backpressure.on", level, now });
  }

  #reportOnce(problem: string | null): void {
    if (problem === null || this.#reportedProblems.has(problem)) return;
    this.#reportedProblems.add(problem);
    this.#host.log(LOG_WARN, this.daemonId, problem);
  }
}

/** `0x`-prefixed 16-digit hex of a u64. */
export function hexId(id: bigint): string {
  return `0x${id.toString(16).padStart(16, "0")}`;
}


function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}
