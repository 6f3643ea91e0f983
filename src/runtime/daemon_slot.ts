/**
 * Everything the runtime holds for one registered daemon, and the wiring between: its lifecycle
 * actor, its inbox ring and counters, its control channel, the ingress stamping
 * (`ingress_stamper.ts`), its output chain (`output_chain.ts`), the events waiting for a retry or
 * becoming dead letters (`retry_queue.ts`) and its backpressure (`inbox_pressure.ts`).
 *
 * Where the daemon's own code runs is the slot's {@link DaemonExecutor}, built at registration by
 * the factory the runtime hands in: `InThreadExecutor` (`in_thread_executor.ts`) pumps the inbox
 * on the runtime thread; `WorkerExecutor` (`worker_executor.ts`) runs the daemon in a Worker that
 * consumes the inbox from shared memory. Both drive the same slot through {@link SlotRun}
 * (`daemon_executor.ts`), so counters, crashes, retries, dead letters, snapshots and both causal
 * chains behave the same either way.
 *
 * @module
 */

import { type Actor, createActor } from "xstate";
import { daemonLifecycleLabel, daemonMachine } from "../actors/daemon_machine.ts";
import type { RestartBackoffConfig } from "../actors/restart_backoff.ts";
import { MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { hexId } from "../contract/u64.ts";
import type { RecordRing } from "../ffi/ring_backend.ts";
import type { DaemonSpec, HealthReading, SavedStateReading } from "../contract/daemon_spec.ts";
import type { CausalEvent, DaemonControl } from "../contract/types.ts";
import type { Clock } from "./clock.ts";
import type { ControlChannel } from "./control_channel.ts";
import type { OutputStream } from "./output_stream.ts";
import type { DaemonSnapshot, DeadLetterSnapshot } from "./runtime_snapshot.ts";
import type { DaemonExecutor, ExecutorFactory, PendingEvent, SlotRun } from "./daemon_executor.ts";
import { LOG_ERROR, LOG_WARN, type LogSeverity } from "../contract/log_level.ts";
import { IngressStamper } from "./ingress_stamper.ts";
import { OutputChain } from "./output_chain.ts";
import { RetryQueue } from "./retry_queue.ts";
import { InboxPressure } from "./inbox_pressure.ts";

/** What a slot needs from the runtime around it. */
export interface SlotHost {
  readonly clock: Clock;
  /** Origin of events ingested through the SDK (the node's ingress identity). */
  readonly ingressOrigin: bigint;
  log(level: LogSeverity, daemonId: bigint | null, message: string): void;
  deadLetter(letter: DeadLetterSnapshot): void;
  /** The daemon's newest outputs, as they joined its chain (the runtime publishes them on). */
  published(daemonId: bigint, events: readonly CausalEvent[]): void;
  /** The daemon crashed (the runtime tells the mesh's operators). */
  crashed(daemonId: bigint, reason: string): void;
}

/** Options fixed at registration. */
export interface SlotOptions {
  inbox: RecordRing;
  inboxCapacity: number;
  channel: ControlChannel;
  outputCapacity: number;
  backoff?: Partial<RestartBackoffConfig>;
  /** Builds where the daemon's code runs (in-thread, or a Worker whose inbox is shared memory). */
  executor: ExecutorFactory;
  /** The factory that can build this daemon on a peer: it moves off a draining node (null: it stays). */
  movable?: string | null;
}


/**
 * Where a movable daemon stands at its last consistent point: the state after `ingressHead` and
 * every event before it, its output head then, and how far its queue on the bus that covers —
 * every event of the frames up to `busPosition`, and the first `skipNext` of the next frame.
 */
export interface SettledPoint {
  state: Uint8Array | null;
  ingressHead: CausalEvent;
  outputHead: CausalEvent | null;
  busPosition: bigint;
  skipNext: number;
}

/**
 * A frame a movable daemon took from the bus that no settled point covers yet, with the inbox
 * push counts its events got (an event's sequence is `#sequenceBase` + its push count: the ingress
 * chain stamps in push order).
 */
interface TakenFrame {
  position: bigint;
  /** Events of the frame covered before it came (a restored point's `skipNext`), not taken again. */
  skipped: number;
  /** Runs of inbox pushes `[first, last]`: local ingests may come between them. */
  runs: [number, number][];
  complete: boolean;
}

/** One daemon inside the runtime. */
export class DaemonSlot implements SlotRun {
  readonly daemonId: bigint;
  readonly spec: DaemonSpec;
  readonly actor: Actor<typeof daemonMachine>;
  readonly channel: ControlChannel;
  readonly inbox: RecordRing;
  readonly inboxCapacity: number;
  /** The factory a peer builds this daemon with when it moves; null for a daemon that stays. */
  readonly movable: string | null;
  readonly #host: SlotHost;
  readonly #executor: DaemonExecutor;
  readonly #ingress: IngressStamper;
  readonly #outputs: OutputChain;
  readonly #retries: RetryQueue;
  readonly #pressure: InboxPressure;
  #pushed = 0;
  #popped = 0;
  #savedState: Uint8Array | null = null;
  /** The bus position of the last frame the ingress chain took (0: none yet). */
  #busPosition = 0n;
  /** Events of the next frame to skip: a restored point covered them already. */
  #skipNext = 0;
  // A movable daemon's settled point (see SettledPoint): the last event whose processing ended,
  // the state and output head right after it, and the frames not yet wholly before it.
  #sequenceBase = 0n;
  #settledEvent: CausalEvent | null = null;
  #settledState: Uint8Array | null = null;
  #settledOutputHead: CausalEvent | null = null;
  #coveredPosition = 0n;
  #frames: TakenFrame[] = [];
  /** Called after each event a movable daemon settled (the runtime replicates it from there). */
  onSettled: (() => void) | null = null;
  #roomWaiters: (() => void)[] = [];
  #reportedProblems = new Set<string>();
  #processing = false; // canProcess() as of the last lifecycle change
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
    fromBus: 0,
    redeliveriesSkipped: 0,
  };

  constructor(daemonId: bigint, spec: DaemonSpec, host: SlotHost, options: SlotOptions) {
    this.daemonId = daemonId;
    this.spec = spec;
    this.#host = host;
    this.inbox = options.inbox;
    this.inboxCapacity = options.inboxCapacity;
    this.movable = options.movable ?? null;
    this.channel = options.channel;
    this.#ingress = new IngressStamper(host.ingressOrigin);
    this.#outputs = new OutputChain(daemonId, options.outputCapacity);
    this.#retries = new RetryQueue(hexId(daemonId), (letter, event) => {
      host.deadLetter(letter);
      this.#settle(event); // ended too: the state it leaves is the last success's
    });
    this.#pressure = new InboxPressure(options.inboxCapacity);
    this.#executor = options.executor(this);
    const now = host.clock.now();
    this.actor = createActor(daemonMachine, { input: { now, backoff: options.backoff } });
    this.actor.on("restart", () => this.#restoreAfterCrash());
    this.actor.subscribe(() => this.#onLifecycle());
    this.actor.start();
    this.actor.send({ type: "start", now });
  }

  /** The lifecycle state as a dotted path, e.g. `running.backpressured`. */
  get lifecycle(): string {
    return daemonLifecycleLabel(this.actor.getSnapshot());
  }

  /** Records waiting for `process()`: in the ring, kept after a crash, or awaiting retry. */
  get depth(): number {
    return this.#pushed - this.#popped + this.#retries.pending.length;
  }

  /** The daemon's outputs as `sdk.outputs(id)` reads them. */
  get outputs(): OutputStream {
    return this.#outputs.stream;
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
    this.#executor.wake();
    return true;
  }

  /** Queues a prefix of `payloads` in one ring call; returns how many were accepted. */
  ingestBatch(payloads: readonly Uint8Array[]): number {
    this.#requireAccepting();
    const accepted = this.#offer(payloads);
    this.counters.inboxRejected += payloads.length - accepted;
    return accepted;
  }

  /**
   * Takes a frame the bus delivered at `position` (growing along this daemon's queue on the bus):
   * every payload, in order, waiting for room in the inbox as the daemon works. A position at or
   * before the last one taken is a redelivery: counted, not taken again. Rejects with
   * `unknown_daemon` once the daemon takes no more events (the bus keeps the frame).
   */
  async deliverFrame(position: bigint, payloads: readonly Uint8Array[]): Promise<void> {
    if (position <= this.#busPosition) {
      this.counters.redeliveriesSkipped++;
      return;
    }
    let taken = Math.min(this.#skipNext, payloads.length);
    this.counters.redeliveriesSkipped += taken;
    this.#skipNext = 0;
    const frame: TakenFrame | null = this.movable === null ? null : { position, skipped: taken, runs: [], complete: false };
    if (frame) this.#frames.push(frame);
    for (;;) {
      this.#requireAccepting();
      const before = this.#pushed;
      taken += this.#offer(taken === 0 ? payloads : payloads.slice(taken));
      if (frame && this.#pushed > before) frame.runs.push([before + 1, this.#pushed]);
      if (taken === payloads.length) break;
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
    if (frame) frame.complete = true;
    this.counters.fromBus += payloads.length;
    this.#busPosition = position;
  }

  /**
   * A movable daemon's last consistent point (see {@link SettledPoint}); the frames it covers
   * wholly are forgotten. Null for a daemon that is not movable.
   */
  settledPoint(): SettledPoint | null {
    if (this.movable === null) return null;
    const head = this.#settledEvent ?? this.#ingress.head();
    const settledPush = Number(head.sequence - this.#sequenceBase);
    let covered = 0;
    while (covered < this.#frames.length) {
      const frame = this.#frames[covered];
      if (!frame.complete || (frame.runs.length > 0 && frame.runs[frame.runs.length - 1][1] > settledPush)) break;
      this.#coveredPosition = frame.position;
      covered++;
    }
    this.#frames.splice(0, covered);
    const partial = this.#frames[0];
    let skipNext = partial ? partial.skipped : this.#skipNext;
    for (const [first, last] of partial?.runs ?? []) skipNext += Math.max(0, Math.min(last, settledPush) - first + 1);
    return {
      state: this.#settledEvent ? this.#settledState : this.#savedState,
      ingressHead: head,
      outputHead: this.#settledEvent ? this.#settledOutputHead : this.#outputs.head,
      busPosition: this.#coveredPosition,
      skipNext,
    };
  }

  /** Delivers a control event to `onControl` (dual delivery); a throw is logged, never fatal. */
  tapControl(event: DaemonControl): void {
    if (!this.#closed) this.#executor.control(event);
  }

  /** Per-tick supervision: health, saturation, restart gate, own inbox high-water mark. */
  tick(now: number): DaemonControl | null {
    if (this.#closed) return null;
    this.#executor.poll();
    this.actor.send({ type: "tick", now });
    return this.#checkHighWater();
  }

  /** Node-wide backpressure changed: `level` while on, null when off. */
  setNodePressure(level: number | null): void {
    this.#pressure.setNodeLevel(level);
    this.#syncPressureState();
  }

  /** The bus position of the last frame taken: it moves with the daemon. */
  get busPosition(): bigint {
    return this.#busPosition;
  }

  /** The last output of the daemon's own chain (null before any). */
  get outputHead(): CausalEvent | null {
    return this.#outputs.head;
  }

  /**
   * Takes over a daemon moved from another node, or restored from its replica: both chains
   * continue after `point`'s heads, frames up to its `busPosition` count as taken and the first
   * `skipNext` events of the next one too, and its state (the last snapshot) is restored.
   */
  continueFrom(point: SettledPoint): void {
    const { ingressHead, outputHead, busPosition, state } = point;
    this.#ingress.adopt(ingressHead);
    this.#sequenceBase = ingressHead.sequence - BigInt(this.#pushed);
    if (outputHead) this.#outputs.resume(outputHead);
    this.#busPosition = busPosition;
    this.#coveredPosition = busPosition;
    this.#skipNext = point.skipNext;
    if (state) {
      this.#savedState = state;
      this.#executor.restart(state);
    }
  }

  /** Stops processing and releases the inbox; leftover events are counted as discarded. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wakeRoomWaiters();
    this.#executor.close();
    this.counters.discardedOnStop += this.depth;
    this.#retries.discard();
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
      runsIn: this.#executor.runsIn,
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
        fromBus: this.counters.fromBus,
        redeliveriesSkipped: this.counters.redeliveriesSkipped,
        outputsDropped: this.outputs.dropped,
        controlDelivered: this.channel.delivered,
        controlDropped: this.channel.dropped,
        inboxDepth: this.depth,
        inboxCapacity: this.inboxCapacity,
      },
      backpressureLevel: context.backpressureLevel ?? null,
      movable: this.movable === null ? null : { factory: this.movable, replica: null, movingTo: null, unplaced: null },
    };
  }

  // ── SlotRun: what the executor reports ────────────────────────────────────────────────────

  get savedState(): Uint8Array | null {
    return this.#savedState;
  }

  get kept(): readonly PendingEvent[] {
    return this.#retries.pending;
  }

  canProcess(): boolean {
    return !this.#closed && this.#processing;
  }

  unreportedPops(): number {
    return this.#pushed - this.#popped - this.inbox.depth();
  }

  takeKept(): PendingEvent | undefined {
    return this.#retries.take();
  }

  keep(event: CausalEvent): void {
    this.#retries.keep(event);
  }

  stamp(payload: Uint8Array): CausalEvent {
    return this.#ingress.stamp(payload);
  }

  ingressHead(): CausalEvent {
    return this.#ingress.head();
  }

  adopt(head: CausalEvent): void {
    this.#ingress.adopt(head);
  }

  popped(count: number): void {
    this.#popped += count;
    if (count > 0) this.#wakeRoomWaiters();
  }

  settled(event: CausalEvent): void {
    this.#settle(event);
  }

  completed(outputs: readonly Uint8Array[]): void {
    this.counters.processed++;
    if (outputs.length === 0) return;
    this.#host.published(this.daemonId, this.#outputs.extend(outputs, this.#ingress.horizon()));
    this.counters.outputs += outputs.length;
  }

  failed(event: CausalEvent, attempts: number, reason: string): void {
    this.counters.processErrors++;
    this.log(LOG_ERROR, `process() failed (attempt ${attempts}) at sequence ${event.sequence}: ${reason}`);
    this.#retries.retryFirst([{ event, attempts }], reason);
    this.#crash(reason);
  }

  died(reason: string, requeue: readonly PendingEvent[]): void {
    this.log(LOG_ERROR, reason);
    this.#retries.retryFirst(requeue, reason);
    this.#crash(reason);
  }

  stateSaved(reading: SavedStateReading): void {
    if (reading.bytes) this.#savedState = reading.bytes;
    this.reportOnce(reading.problem);
  }

  readings(health: HealthReading, saturation: number, problems: readonly (string | null)[]): void {
    this.health = health;
    this.saturation = saturation;
    for (const problem of problems) this.reportOnce(problem);
  }

  log(level: LogSeverity, message: string): void {
    this.#host.log(level, this.daemonId, message);
  }

  reportOnce(problem: string | null): void {
    if (problem === null || this.#reportedProblems.has(problem)) return;
    this.#reportedProblems.add(problem);
    this.log(LOG_WARN, problem);
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────

  /** `event` and every one before it ended: a movable daemon's settled point moves to it. */
  #settle(event: CausalEvent): void {
    if (this.movable === null) return;
    this.#settledEvent = event;
    this.#settledState = this.#savedState;
    this.#settledOutputHead = this.#outputs.head;
    this.onSettled?.();
  }

  /** Pushes the prefix of `payloads` the inbox has room for; returns how many. */
  #offer(payloads: readonly Uint8Array[]): number {
    const room = Math.max(0, this.inboxCapacity - this.depth);
    const offered = room >= payloads.length ? payloads : payloads.slice(0, room);
    const accepted = offered.length === 0 ? 0 : this.inbox.pushBatch(offered);
    this.#pushed += accepted;
    this.counters.ingested += accepted;
    if (accepted > 0) this.#executor.wake();
    return accepted;
  }

  #wakeRoomWaiters(): void {
    const waiters = this.#roomWaiters;
    if (waiters.length === 0) return;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }

  #requireAccepting(): void {
    if (!this.accepting) {
      throw new MeshOsSdkError(
        "unknown_daemon",
        `daemonId: daemon ${hexId(this.daemonId)} is ${this.lifecycle} and takes no more events`,
      );
    }
  }

  #onLifecycle(): void {
    const state = this.actor.getSnapshot();
    const processing = state.matches("running") || state.matches("draining");
    if (processing === this.#processing) return;
    this.#processing = processing;
    this.#executor.wake();
  }

  #crash(reason: string): void {
    this.counters.crashes++;
    this.#host.crashed(this.daemonId, reason);
    const crash = { type: "crash", now: this.#host.clock.now(), reason } as const;
    // Outside running/draining (e.g. already backing off) the next restart covers this crash too.
    if (this.actor.getSnapshot().can(crash)) this.actor.send(crash);
  }

  #restoreAfterCrash(): void {
    this.counters.restarts++;
    this.#executor.restart(this.#savedState);
  }

  #checkHighWater(): DaemonControl | null {
    const control = this.#pressure.sample(this.depth);
    this.#syncPressureState();
    return control;
  }

  #syncPressureState(): void {
    const level = this.#pressure.level();
    const now = this.#host.clock.now();
    if (level === null) this.actor.send({ type: "backpressure.off", now });
    else this.actor.send({ type: "backpressure.on", level, now });
  }
}
