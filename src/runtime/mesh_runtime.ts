/**
 * The node runtime behind the SDK: the tick loop, the event queue, the log ring, the control
 * router, the node maintenance actor and one `DaemonSlot` per daemon.
 *
 * Where a control event travels: the maintenance actor (`src/actors/maintenance_machine.ts`)
 * emits `drainStart` / `drainFinish` → `#onDrainStart` / `#onDrainFinish` here → the
 * `ControlRouter` → the daemon's `ControlChannel` (read by `handle.nextControl()`) and, through
 * the router's tap, `DaemonSlot.tapControl` → the daemon's `onControl()`.
 *
 * Where this node meets its mesh: every `HEARTBEAT_MS` `#heartbeat` sends the bus this node's
 * `NodeAdvert` (and `#advertise` sends one at once on each maintenance transition and, once per
 * burst, after registrations); `peers()` reads the bus's peer table.
 *
 * Where an event crosses to another node: `ingest` finds no local slot → `bus.send` to the peer
 * whose advert lists the daemon → on that node the bus calls the `FrameDelivery` that `register`
 * handed it → `DaemonSlot.deliverFrame` → the daemon's inbox. Outputs go back the other way:
 * `published` → `bus.publishOutputs` → `bus.watchOutputs` in a remote `outputs()` reader.
 *
 * Where a daemon moves: a drain → `#onDrainStart` → `#moveOut` (hand-off of its settled point) →
 * the peer's `#takeIn`. A node that dies: a peer's `#heartbeat` → `#failOver` → `#restore` from
 * the replica its `DaemonReplicator` kept on the bus; the events after it are still on the bus.
 *
 * @module
 */

import { type Actor, createActor } from "xstate";
import { countsAsDrained, countsAsRunning } from "../actors/daemon_machine.ts";
import {
  explainAdminRejection,
  maintenanceKind,
  maintenanceMachine,
  maintenanceView,
  type MaintenanceView,
} from "../actors/maintenance_machine.ts";
import {
  type BackpressureHysteresis,
  createBackpressureHysteresis,
  updateBackpressure,
} from "../actors/backpressure_hysteresis.ts";
import type { RestartBackoffConfig } from "../actors/restart_backoff.ts";
import type { MeshBus } from "../bus/mesh_bus.ts";
import type { NodeAdvert } from "../bus/node_advert.ts";
import type { MeshFailureKind } from "../bus/mesh_telemetry.ts";
import { decodeDaemonTransfer, encodeDaemonTransfer, readTransferReplica } from "../bus/daemon_transfer.ts";
import { checkDaemon } from "../contract/daemon_spec.ts";
import { SDK_VERSION } from "../contract/sdk_version.ts";
import { graceUntil } from "../contract/milliseconds.ts";
import { describeValue, MeshOsSdkError, thrownText } from "../errors/meshos_sdk_error.ts";
import type { LogRing, RingBackend } from "../ffi/ring_backend.ts";
import type { BackendFallback } from "../ffi/load.ts";
import type { ResolvedConfig } from "../contract/config.ts";
import type { DaemonSpec } from "../contract/daemon_spec.ts";
import { LOG_LEVELS } from "../contract/log_level.ts";
import type { CausalEvent, DaemonControl, PeerSnapshot } from "../contract/types.ts";
import { type ActionDispatcher, ActionQueue } from "./action_dispatcher.ts";
import type { Clock, TimerId } from "./clock.ts";
import { ControlRouter } from "./control_router.ts";
import { CommandGate, DEFAULT_FRESHNESS_MS, type OperatorPolicy } from "./command_gate.ts";
import { DaemonSlot, type SettledPoint, type SlotHost } from "./daemon_slot.ts";
import { DaemonReplicator, DEFAULT_FAILOVER, type FailoverPolicy } from "./daemon_replicator.ts";
import { placeDaemon, placeOrphan, unfitReason } from "./daemon_placement.ts";
import { hexId, isU64, randomU64, U64_EXPECTED } from "../contract/u64.ts";
import type { ExecutorFactory } from "./daemon_executor.ts";
import { InThreadExecutor } from "./in_thread_executor.ts";
import { liveDaemonWorkers, type LoadedDaemonWorker, WorkerExecutor } from "./worker_executor.ts";
import { EventQueue } from "./event_queue.ts";
import { OutputStream } from "./output_stream.ts";
import { type HostStats, readHostStats } from "./host_stats.ts";
import type { DaemonSnapshot, DeadLetterSnapshot, PeerRow, RuntimeSnapshot } from "./runtime_snapshot.ts";
import { LOG_INFO, LOG_WARN, type LogSeverity } from "../contract/log_level.ts";

const MAX_LOG_MESSAGE_BYTES = 4096;
const DEAD_LETTER_CAPACITY = 1024;
const STOPPED_ROWS_KEPT = 256;
/** How often the node heartbeats its advert to the mesh (peers call it Degraded after 1.5 s). */
const HEARTBEAT_MS = 500;
/** Weight of the newest sample in the saturation trend (an exponential moving average). */
const SATURATION_TREND_WEIGHT = 0.3;

/** Settled answers of a local `ingest`, shared so the hot path allocates no promise. */
const ACCEPTED = Promise.resolve(true);
const REFUSED = Promise.resolve(false);

type LoopEvent = { type: "log"; level: LogSeverity; daemonId: bigint | null; message: string };

/** Everything the runtime is built from. */
export interface RuntimeParts {
  config: ResolvedConfig;
  clock: Clock;
  backend: RingBackend;
  dispatcher: ActionDispatcher;
  controlCapacity: number;
  ingressOrigin: bigint;
  outputCapacity: number;
  backoff?: Partial<RestartBackoffConfig>;
  /** The mesh this node is part of (opened by the SDK, closed by it after `close()`). */
  bus: MeshBus;
  /** Whose file system's disk use the heartbeat reports. */
  dataDir: string;
  /** Faster ring backends that did not load at start, and why (logged, and in the snapshot). */
  backendFallbacks?: readonly BackendFallback[];
  /** Who may send this node operator commands over the bus (default: no one). */
  operators?: OperatorPolicy;
  /** How movable daemons are replicated and restored after their node died (null: never). */
  failover?: FailoverPolicy | null;
}

/** How a daemon arrives from elsewhere: where it stood, and the replica revision now this node's. */
interface ArrivingDaemon {
  point: SettledPoint;
  /** The stored replica this node owns (null: none, or not known — the replicator claims it). */
  revision: bigint | null;
}

/** How long a move waits for the peer to take the daemon (ms). */
const MOVE_TIMEOUT_MS = 10_000;
/**
 * How long after a dead node's daemons fell due a node that placement did not choose waits
 * before it restores them itself (the chosen one may see the mesh otherwise, or be gone too).
 */
const SECOND_CHANCE_MS = 3_000;

/** A pending stop: resolves when the daemon acknowledges or the grace runs out. */
interface PendingStop {
  done: Promise<void>;
  finish: () => void;
}

/** The in-memory node runtime. */
export class MeshRuntime implements SlotHost {
  readonly config: ResolvedConfig;
  readonly clock: Clock;
  readonly backend: RingBackend;
  readonly ingressOrigin: bigint;
  readonly router: ControlRouter;
  readonly maintenance: Actor<typeof maintenanceMachine>;
  readonly epochId: bigint;
  readonly bus: MeshBus;
  readonly backendFallbacks: readonly BackendFallback[];
  /** Where operator commands enter (from the bus, and `sdk.admin`'s, audited the same way). */
  readonly commands: CommandGate;
  readonly #parts: RuntimeParts;
  readonly #events: EventQueue<LoopEvent>;
  readonly #logRing: LogRing;
  readonly #actions: ActionQueue;
  readonly #slots = new Map<bigint, DaemonSlot>();
  readonly #stopping = new Map<bigint, PendingStop>();
  /** Daemons here that a peer's heartbeat also lists (warned once each: their events are split). */
  readonly #doubleHosted = new Set<bigint>();
  /** Readers of daemons on other nodes: ended when this node closes. */
  readonly #remoteReaders = new Set<OutputStream>();
  #stoppedRows: DaemonSnapshot[] = [];
  #deadLetters: DeadLetterSnapshot[] = [];
  #deadLettersDropped = 0;
  #pressure: BackpressureHysteresis;
  #ticks = 0;
  #tickTimer: TimerId | null = null;
  #heartbeatTimer: TimerId | null = null;
  #advertQueued = false;
  #saturationTrend = 0;
  #cordoned = false;
  /** Daemon factories by name: what this node can build when a peer hands it a movable daemon. */
  readonly #factories = new Map<string, () => unknown>();
  /** One daemon each factory built, kept for its capabilities: failover placement asks for them before it builds the real one. */
  readonly #factorySpecs = new Map<string, DaemonSpec>();
  /** Movable daemons on their way to a peer (id → target node). */
  readonly #moving = new Map<bigint, bigint>();
  /** Why each movable daemon that stayed through a drain could not be placed. */
  readonly #unplaced = new Map<bigint, string>();
  readonly #failover: FailoverPolicy | null;
  /** The replica writer of each hosted movable daemon (with failover on). */
  readonly #replicators = new Map<bigint, DaemonReplicator>();
  /**
   * When each Unreachable peer was first seen so (by its epoch: a restarted node is another), and
   * the nodes its daemons may go to, as they were when they fell due (every node places from the
   * same view, before any restore changed it).
   */
  readonly #unreachableSince = new Map<bigint, { epochId: bigint; sinceMs: number; candidates: NodeAdvert[] | null }>();
  /** Daemons of dead peers being restored here now, and those looked at that are not this node's to restore. */
  readonly #restoring = new Set<bigint>();
  readonly #notRestorable = new Set<string>();
  #tickWaiters: (() => void)[] = [];
  #hostStatsRead: { atMs: number; stats: HostStats } | null = null;
  #closed = false;

  constructor(parts: RuntimeParts) {
    this.#parts = parts;
    this.config = parts.config;
    this.clock = parts.clock;
    this.backend = parts.backend;
    this.ingressOrigin = parts.ingressOrigin;
    this.epochId = randomU64();
    this.bus = parts.bus;
    this.backendFallbacks = parts.backendFallbacks ?? [];
    this.#failover = parts.failover === undefined ? DEFAULT_FAILOVER : parts.failover;
    // Freshness is real time: operators issue commands on their own machines' clocks.
    const operators = parts.operators ?? { trusted: [], freshnessMs: DEFAULT_FRESHNESS_MS };
    this.commands = new CommandGate(this, parts.bus, operators, () => Date.now());
    this.router = new ControlRouter(parts.clock, (id, event) => this.#slots.get(id)?.tapControl(event));
    this.#events = new EventQueue(parts.config.eventQueueCapacity, (event) => this.#apply(event));
    this.#logRing = parts.backend.createLogRing({
      capacityRecords: parts.config.logRingCapacity,
      maxMessageBytes: MAX_LOG_MESSAGE_BYTES,
    });
    this.#actions = new ActionQueue(parts.dispatcher, {
      capacity: parts.config.actionQueueCapacity,
      onFailure: (action, err) => this.log(LOG_WARN, action.daemonId, `dispatcher failed ${action.kind} #${action.id}: ${thrownText(err)}`),
    });
    this.#pressure = createBackpressureHysteresis({
      threshold: parts.config.backpressureThreshold,
      release: parts.config.backpressureRelease,
    });
    this.maintenance = this.#startMaintenance();
    this.bus.serve("command", (request) => this.commands.handle(request));
    this.bus.serve("migrate", (request) => this.#takeIn(request));
    for (const { backend, reason } of this.backendFallbacks) {
      this.log(LOG_WARN, null, `ring backend ${this.backend.name} in use; ${backend} passed over: ${reason}`);
    }
    this.#armTick();
    this.#heartbeat();
  }

  /** This node's id. */
  get nodeId(): bigint {
    return this.config.thisNode;
  }

  /** True once `close()` ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Registers a checked daemon under `daemonId`; `register_failed` if the id is taken. With
   * `options.worker` the daemon runs in that loaded Worker, its inbox in shared memory.
   */
  register(
    daemonId: bigint,
    spec: DaemonSpec,
    options: { worker?: LoadedDaemonWorker; movable?: string; arriving?: ArrivingDaemon } = {},
  ): DaemonSlot {
    if (this.#slots.has(daemonId)) {
      throw new MeshOsSdkError(
        "register_failed",
        `daemon process failed: daemon 0x${daemonId.toString(16)} already registered`,
      );
    }
    const ringOptions = { capacityBytes: inboxBytesFor(this.config.inboxCapacity), producers: "single" } as const;
    const inbox = options.worker?.createInbox(ringOptions) ?? this.backend.createRing(ringOptions);
    const channel = this.router.register(daemonId, this.#parts.controlCapacity);
    const slot = new DaemonSlot(daemonId, spec, this, {
      inbox,
      inboxCapacity: this.config.inboxCapacity,
      channel,
      outputCapacity: this.#parts.outputCapacity,
      backoff: this.#parts.backoff,
      executor: executorFor(spec, options.worker, this.clock),
      movable: options.movable ?? null,
    });
    const arriving = options.arriving;
    if (arriving) slot.continueFrom(arriving.point);
    this.#slots.set(daemonId, slot);
    if (slot.movable !== null && this.#failover !== null && !this.bus.solitary) this.#replicate(slot, arriving?.revision ?? null);
    this.#hostOnBus(slot);
    const hex = hexId(daemonId);
    if (this.#stoppedRows.some((row) => row.daemonId === hex)) this.#stoppedRows = this.#stoppedRows.filter((row) => row.daemonId !== hex);
    this.log(LOG_INFO, daemonId, `daemon "${spec.name}" registered`);
    this.#advertiseSoon(); // peers see its capabilities now, not at the next heartbeat
    return slot;
  }

  /** Adds a daemon factory under `name` (replacing one of that name): peers may move daemons here. */
  registerFactory(name: string, factory: () => unknown): void {
    this.#factories.set(name, factory);
    this.#factorySpecs.delete(name);
    this.#advertiseSoon();
  }

  /**
   * Registers a daemon built by the factory `name` as movable: when this node drains, it moves to
   * a peer that has the same factory (`#placeFor`) instead of stopping.
   */
  registerMovable(daemonId: bigint, name: string): DaemonSlot {
    const factory = this.#factories.get(name);
    if (!factory) {
      throw new MeshOsSdkError("invalid_argument", `factory: no factory named ${describeValue(name)} on this node; expected one registerFactory() added`);
    }
    return this.register(daemonId, checkDaemon(factory()), { movable: name });
  }

  /** The live slot of `daemonId`, if registered. */
  slot(daemonId: bigint): DaemonSlot | undefined {
    return this.#slots.get(daemonId);
  }

  /** The live slot or `unknown_daemon` (`invalid_argument` for what is no daemon id at all). */
  requireSlot(daemonId: unknown): DaemonSlot {
    return (isU64(daemonId) ? this.#slots.get(daemonId) : undefined) ?? this.#noSuchDaemon(daemonId);
  }

  /** Throws as `ingest` would for a daemon that is on neither this node nor a peer. */
  requireDaemon(daemonId: unknown): void {
    if (!this.#slots.has(daemonId as bigint)) this.#remoteHost(daemonId);
  }

  /**
   * Feeds one payload to `daemonId` wherever it runs. Here: true once in its inbox, false when the
   * inbox is full (counted), settled before this returns. On a peer: true once the bus holds it
   * durably; rejects with `bus_unavailable` when it does not. `unknown_daemon` (thrown) when
   * neither this node nor any peer's advert has the daemon.
   */
  ingest(daemonId: unknown, payload: Uint8Array): Promise<boolean> {
    const slot = this.#slots.get(daemonId as bigint);
    if (slot) return slot.ingest(payload) ? ACCEPTED : REFUSED;
    return this.bus.send(this.#remoteHost(daemonId), [payload]).then(() => true);
  }

  /** `ingest` for many payloads: how many were taken (here a prefix; on a peer all, or a rejection). */
  ingestBatch(daemonId: unknown, payloads: readonly Uint8Array[]): Promise<number> {
    const slot = this.#slots.get(daemonId as bigint);
    if (slot) return Promise.resolve(slot.ingestBatch(payloads));
    return this.bus.send(this.#remoteHost(daemonId), payloads).then(() => payloads.length);
  }

  /**
   * The outputs of `daemonId`: here, from its output buffer on; on a peer, from now on over the
   * bus, following the daemon when it moves to another node. A local reader ends when the daemon
   * leaves this node; a remote one when it stops; either when this node closes.
   */
  outputs(daemonId: unknown): AsyncIterable<CausalEvent> {
    const slot = this.#slots.get(daemonId as bigint);
    if (slot) return slot.outputs.read();
    const remote = this.#remoteHost(daemonId);
    const stream = new OutputStream(this.#parts.outputCapacity);
    this.#remoteReaders.add(stream);
    // A daemon restored after its node died emits again what followed its replica: the same
    // chain positions, each passed on once.
    let last = -1n;
    const unwatch = this.bus.watchOutputs(remote, {
      events: (events) => {
        for (const event of events) {
          if (event.sequence <= last) continue;
          last = event.sequence;
          stream.push(event);
        }
      },
      end: () => stream.end(),
    });
    const readers = this.#remoteReaders;
    return (async function* () {
      try {
        yield* stream.read();
      } finally {
        unwatch();
        readers.delete(stream);
      }
    })();
  }

  /** SlotHost: a daemon's new outputs go to readers on other nodes too. */
  published(daemonId: bigint, events: readonly CausalEvent[]): void {
    this.bus.publishOutputs(daemonId, events);
  }

  /**
   * Removes a daemon now (no Shutdown sent). Idempotent. `livesOn`: it goes on on another node (it
   * moved, or another node took it over), so readers of its outputs on other nodes are not told it
   * ended — they read on from its new node.
   */
  unregister(daemonId: bigint, livesOn = false): void {
    const slot = this.#slots.get(daemonId);
    if (!slot) return;
    this.bus.unhost(daemonId);
    this.#replicators.get(daemonId)?.stop();
    this.#replicators.delete(daemonId);
    this.#unplaced.delete(daemonId);
    if (!livesOn) this.bus.endOutputs(daemonId);
    this.router.unregister(daemonId);
    slot.close();
    this.#slots.delete(daemonId);
    this.#stoppedRows.push(slot.describe());
    if (this.#stoppedRows.length > STOPPED_ROWS_KEPT) this.#stoppedRows.shift();
    this.#stopping.get(daemonId)?.finish();
    this.#stopping.delete(daemonId);
    this.log(LOG_INFO, daemonId, `daemon "${slot.spec.name}" unregistered`);
    this.#reconcile();
  }

  /**
   * Sends one `Shutdown{graceMs}` and waits until the daemon acknowledges (`exit()`), or the grace
   * runs out; then unregisters it (grace 0: at once). A second call while one is pending joins the
   * first.
   */
  stop(daemonId: bigint, graceMs: number): Promise<void> {
    const pending = this.#stopping.get(daemonId);
    if (pending) return pending.done;
    const slot = this.requireSlot(daemonId);
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    // Grace 0 unregisters below, before this returns: no timer to arm.
    const timer = graceMs === 0 ? null : this.clock.setTimer(() => this.unregister(daemonId), graceMs);
    this.#stopping.set(daemonId, {
      done,
      finish: () => {
        if (timer !== null) this.clock.clearTimer(timer);
        finish();
      },
    });
    this.#actions.submit("stop_daemon", { daemonId, detail: `grace ${graceMs} ms`, atMs: this.clock.now() });
    slot.actor.send({ type: "stop", now: this.clock.now() });
    this.router.route(daemonId, { kind: "Shutdown", gracePeriodMs: BigInt(graceMs) });
    if (graceMs === 0) this.unregister(daemonId); // grace 0 means now: delivered, then gone
    return done;
  }

  /** The daemon says it is done: completes a pending stop, acknowledges a drain, or leaves now. */
  acknowledge(daemonId: bigint): void {
    const slot = this.#slots.get(daemonId);
    if (!slot) return;
    if (!this.#stopping.has(daemonId) && slot.actor.getSnapshot().matches("draining")) {
      slot.actor.send({ type: "drain.ack", now: this.clock.now() });
      this.#reconcile();
      return;
    }
    this.unregister(daemonId);
  }

  /** True while a stop of `daemonId` waits for its acknowledgement. */
  isStopping(daemonId: bigint): boolean {
    return this.#stopping.has(daemonId);
  }

  /** Operator: enter maintenance. */
  enterMaintenance(drainForMs: number | null): void {
    const rejection = explainAdminRejection(this.maintenance.getSnapshot(), "enter");
    if (rejection) throw new MeshOsSdkError("invalid_transition", rejection);
    this.maintenance.send({ type: "admin.enter", now: this.clock.now(), drainForMs });
    this.#reconcile();
  }

  /** Operator: leave maintenance. */
  exitMaintenance(): void {
    const rejection = explainAdminRejection(this.maintenance.getSnapshot(), "exit");
    if (rejection) throw new MeshOsSdkError("invalid_transition", rejection);
    this.maintenance.send({ type: "admin.exit", now: this.clock.now() });
    this.#reconcile();
  }

  /** Operator: cordon or uncordon the node. */
  setCordoned(cordoned: boolean): void {
    if (this.#cordoned === cordoned) return;
    this.#cordoned = cordoned;
    this.log(LOG_INFO, null, cordoned ? "node cordoned" : "node uncordoned");
  }

  /** Operator: restart every daemon now. */
  restartAll(): void {
    for (const id of [...this.#slots.keys()]) this.restart(id);
  }

  /** Operator: restart a daemon now, clearing its restart gate. */
  restart(daemonId: bigint): void {
    const slot = this.requireSlot(daemonId);
    this.#actions.submit("start_daemon", { daemonId, detail: "forced restart", atMs: this.clock.now() });
    slot.actor.send({ type: "restart.force", now: this.clock.now() });
  }

  /** The node's maintenance state at this instant. */
  maintenanceView(): MaintenanceView {
    return maintenanceView(this.maintenance.getSnapshot(), this.clock.now());
  }

  /** Queues a log line for the ring (`queue_full` / `loop_closed` when it cannot be taken). */
  publishLog(level: LogSeverity, daemonId: bigint | null, message: string): void {
    this.#events.publish({ type: "log", level, daemonId, message }, "daemon log line");
  }

  /** Writes a runtime log line straight into the ring (the loop's own lines never queue). */
  log(level: LogSeverity, daemonId: bigint | null, message: string): void {
    if (this.#closed) return;
    const tsMs = this.clock.wallMs();
    this.#logRing.append(level, daemonId, tsMs, message);
    if (!this.bus.solitary) this.bus.publishLog({ nodeId: this.config.thisNode, daemonId, level: LOG_LEVELS[level], tsMs, message });
  }

  /** SlotHost: a daemon crashed; operators watching the mesh's failures hear of it. */
  crashed(daemonId: bigint, reason: string): void {
    this.#shareFailure(daemonId, "crash", reason);
  }

  /** Records an event that failed `process()` too often. */
  deadLetter(letter: DeadLetterSnapshot): void {
    this.#shareFailure(BigInt(letter.daemonId), "deadLetter", `event ${letter.sequence} after ${letter.attempts} attempts: ${letter.error}`);
    this.#deadLetters.push(letter);
    if (this.#deadLetters.length > DEAD_LETTER_CAPACITY) {
      this.#deadLetters.shift();
      this.#deadLettersDropped++;
    }
  }


  /** Bus depth: every inbox plus the event queue. */
  busDepth(): number {
    let depth = this.#events.depth;
    for (const slot of this.#slots.values()) depth += slot.depth;
    return depth;
  }

  /** One loop tick; also callable directly (tests, `await sdk.tick()`). */
  tick(): void {
    if (this.#closed) return;
    this.#ticks++;
    this.#events.drain();
    const now = this.clock.now();
    for (const slot of [...this.#slots.values()]) {
      const own = slot.tick(now);
      if (own) this.router.route(slot.daemonId, own);
    }
    for (const replicator of this.#replicators.values()) replicator.tick(now);
    this.#samplePressure();
    this.#reconcile();
    const waiters = this.#tickWaiters;
    this.#tickWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Every live peer of this node's mesh, as `metadata().peers` shows them; never this node. */
  peers(): Map<bigint, PeerSnapshot> {
    return this.bus.peers(this.clock.now());
  }

  /** The whole runtime as plain data. */
  snapshot(): RuntimeSnapshot {
    const view = this.maintenanceView();
    const adverts = new Map(this.bus.peerAdverts(this.clock.now()).map(({ advert }) => [advert.nodeId, advert]));
    const ring = this.#logRing;
    return {
      nodeId: hexId(this.config.thisNode),
      backend: this.backend.name,
      backendFallbacks: this.backendFallbacks.map((fallback) => ({ ...fallback })),
      cordoned: this.#cordoned,
      runtimeEpochId: hexId(this.epochId),
      ticks: this.#ticks,
      atMs: this.clock.now(),
      maintenance: {
        state: view.kind,
        sinceMs: view.sinceMs,
        deadlineRemainingMs: view.deadlineRemainingMs,
        reason: view.reason,
      },
      backpressure: {
        active: this.#pressure.active,
        level: this.#pressure.lastSentLevel ?? 0,
        busDepth: this.busDepth(),
        threshold: this.config.backpressureThreshold,
        release: this.config.backpressureRelease,
      },
      eventQueue: { depth: this.#events.depth, capacity: this.#events.capacity, rejected: this.#events.rejected },
      daemons: [...[...this.#slots.values()].map((slot) => this.#describe(slot)), ...this.#stoppedRows],
      droppedControlEvents: this.router.droppedTotal,
      liveDaemonWorkers: liveDaemonWorkers(),
      log: {
        records: this.#closed ? [] : ring.records().map((r) => ({
          seq: Number(r.seq),
          tsMs: r.tsMs,
          level: LOG_LEVELS[r.level],
          daemonId: r.daemonId === null ? null : hexId(r.daemonId),
          nodeId: hexId(this.config.thisNode),
          message: r.message,
        })),
        dropped: this.#closed ? 0 : Number(ring.dropped()),
        truncated: this.#closed ? 0 : Number(ring.truncated()),
      },
      deadLetters: this.#deadLetters.map((letter) => ({ ...letter })),
      deadLettersDropped: this.#deadLettersDropped,
      recentActions: this.#actions.recent.map((a) => ({
        id: a.id,
        kind: a.kind,
        daemonId: a.daemonId === null ? null : hexId(a.daemonId),
        detail: a.detail,
        atMs: a.atMs,
      })),
      actions: { ...this.#actions.stats },
      mesh: {
        bus: this.bus.kind,
        name: this.bus.mesh,
        ...this.bus.stats(),
        peers: [...this.peers()].map(([nodeId, peer]) => peerRow(nodeId, peer, adverts.get(nodeId))),
      },
    };
  }

  /** Stops the loop, ends every channel and daemon; idempotent. */
  close(): void {
    if (this.#closed) return;
    if (this.#tickTimer !== null) this.clock.clearTimer(this.#tickTimer);
    if (this.#heartbeatTimer !== null) this.clock.clearTimer(this.#heartbeatTimer);
    this.#events.close();
    this.router.closeAll();
    for (const id of [...this.#slots.keys()]) this.unregister(id);
    for (const reader of this.#remoteReaders) reader.end();
    for (const pending of this.#stopping.values()) pending.finish();
    this.#stopping.clear();
    this.maintenance.stop();
    this.#closed = true;
    this.#logRing.close();
  }

  /**
   * Waits until the dispatcher took every queued action, at most `timeoutMs` on the runtime's
   * clock (upstream's executor join). Resolves with the actions still waiting: 0 when it finished.
   */
  async joinActions(timeoutMs: number): Promise<number> {
    let timeOut!: () => void;
    const timedOut = new Promise<void>((resolve) => (timeOut = resolve));
    const timer = this.clock.setTimer(() => timeOut(), timeoutMs);
    await Promise.race([this.#actions.idle(), timedOut]);
    this.clock.clearTimer(timer);
    return this.#actions.depth + (this.#actions.busy ? 1 : 0);
  }

  /** A daemon's snapshot row, with where a movable one stands in the mesh. */
  #describe(slot: DaemonSlot): DaemonSnapshot {
    const row = slot.describe();
    if (row.movable) {
      const stored = this.#replicators.get(slot.daemonId)?.stored;
      const target = this.#moving.get(slot.daemonId);
      row.movable.replica = stored ? { revision: String(stored.revision), busPosition: String(stored.busPosition), atMs: stored.atMs } : null;
      row.movable.movingTo = target === undefined ? null : hexId(target);
      row.movable.unplaced = this.#unplaced.get(slot.daemonId) ?? null;
    }
    return row;
  }

  #shareFailure(daemonId: bigint | null, kind: MeshFailureKind, detail: string): void {
    if (!this.bus.solitary) this.bus.publishFailure({ nodeId: this.config.thisNode, daemonId, kind, detail, atMs: this.clock.wallMs() });
  }

  /** `daemonId` when a peer hosts it; otherwise the error of a daemon that is nowhere. */
  #remoteHost(daemonId: unknown): bigint {
    return isU64(daemonId) && this.bus.hostOf(daemonId) !== null ? daemonId : this.#noSuchDaemon(daemonId);
  }

  #noSuchDaemon(daemonId: unknown): never {
    if (!isU64(daemonId)) {
      throw new MeshOsSdkError("invalid_argument", `daemonId: expected ${U64_EXPECTED} (a handle's daemonId); got ${describeValue(daemonId)}`);
    }
    throw new MeshOsSdkError(
      "unknown_daemon",
      `daemonId: no registered daemon has id ${hexId(daemonId)} on this node or any peer; expected the daemonId of a live handle`,
    );
  }

  #apply(event: LoopEvent): void {
    this.log(event.level, event.daemonId, event.message);
  }

  #armTick(): void {
    this.#tickTimer = this.clock.setTimer(() => {
      this.tick();
      if (!this.#closed) this.#armTick();
    }, this.config.tickIntervalMs);
  }

  /** The periodic heartbeat: one more sample of the saturation trend, the advert, the next beat. */
  #heartbeat(): void {
    if (this.#closed) return;
    let saturation = 0;
    for (const slot of this.#slots.values()) saturation += slot.saturation;
    const mean = this.#slots.size === 0 ? 0 : saturation / this.#slots.size;
    this.#saturationTrend += SATURATION_TREND_WEIGHT * (mean - this.#saturationTrend);
    const adverts = this.bus.solitary ? [] : this.bus.peerAdverts(this.clock.now());
    this.#warnDoubleHosted(new Set(adverts.filter((a) => a.health === "Unreachable").map((a) => a.advert.nodeId)));
    this.#failOver(adverts);
    this.#advertise();
    this.#heartbeatTimer = this.clock.setTimer(() => this.#heartbeat(), HEARTBEAT_MS);
  }

  /**
   * A daemon id registered here and on a peer shares one queue on the bus: say so, once per id.
   * An `unreachable` peer's last advert does not count (this node may have restored its daemons).
   */
  #warnDoubleHosted(unreachable: ReadonlySet<bigint>): void {
    for (const id of this.#slots.keys()) {
      const peer = this.bus.hostOf(id);
      if (peer === null || unreachable.has(peer) || this.#doubleHosted.has(id)) continue;
      this.#doubleHosted.add(id);
      this.log(LOG_WARN, id, `daemon ${hexId(id)} is also registered on node ${hexId(peer)}: events sent to it are split between the two nodes; register each identity on one node only`);
    }
  }

  /** Sends the advert now, between heartbeats (the trend is sampled by heartbeats only). */
  #advertise(): void {
    if (!this.#closed && !this.bus.solitary) this.bus.advertise(this.#advert());
  }

  /** One advert after a burst of registrations, not one per daemon. */
  #advertiseSoon(): void {
    if (this.#advertQueued) return;
    this.#advertQueued = true;
    queueMicrotask(() => {
      this.#advertQueued = false;
      this.#advertise();
    });
  }

  #advert(): NodeAdvert {
    const capabilities = new Set<string>();
    for (const slot of this.#slots.values()) {
      for (const c of [...slot.spec.requiredCapabilities, ...slot.spec.optionalCapabilities, ...slot.publishedCapabilities]) {
        capabilities.add(c);
      }
    }
    return {
      nodeId: this.config.thisNode,
      epochId: this.epochId,
      maintenance: this.maintenanceView().kind,
      ...this.#hostStats(),
      saturationTrend: this.#saturationTrend,
      capabilitySet: [...capabilities].sort(),
      softwareVersion: SDK_VERSION,
      daemons: [...this.#slots.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      factories: [...this.#factories.keys()].sort(),
      cordoned: this.#cordoned,
    };
  }

  /** Host figures, read at most once per heartbeat interval (they are file system calls). */
  #hostStats(): HostStats {
    const now = this.clock.now();
    if (this.#hostStatsRead === null || now - this.#hostStatsRead.atMs >= HEARTBEAT_MS) {
      this.#hostStatsRead = { atMs: now, stats: readHostStats(this.#parts.dataDir) };
    }
    return this.#hostStatsRead.stats;
  }

  #startMaintenance(): Actor<typeof maintenanceMachine> {
    const actor = createActor(maintenanceMachine, {
      input: {
        now: this.clock.now(),
        defaultDrainDeadlineMs: this.config.defaultDrainDeadlineMs,
        recoveryRampWindowMs: this.config.recoveryRampWindowMs,
      },
    });
    actor.on("drainStart", (event) => this.#onDrainStart(event.deadline));
    actor.on("drainFinish", () => this.router.broadcast({ kind: "DrainFinish" }));
    let previous = "Active";
    actor.subscribe((snapshot) => {
      const current = maintenanceKind(snapshot);
      if (current === previous) return;
      this.#actions.submit("commit_maintenance_transition", {
        daemonId: null,
        detail: `${previous} → ${current}`,
        atMs: this.clock.now(),
      });
      this.log(LOG_INFO, null, `maintenance: ${previous} → ${current}`);
      if (current === "ExitingMaintenance") this.#resumeDaemons();
      if (current === "DrainFailed") this.#shareFailure(null, "drainFailed", `the drain deadline passed with daemons still draining (${previous} → DrainFailed)`);
      previous = current;
      this.#advertise(); // peers see the transition now, not at the next heartbeat
    });
    actor.start();
    return actor;
  }

  #onDrainStart(deadline: number): void {
    const now = this.clock.now();
    for (const slot of this.#slots.values()) {
      if (slot.movable !== null && !this.#moving.has(slot.daemonId)) {
        const target = this.#placeFor(slot);
        if (target !== null) {
          void this.#moveOut(slot, target, deadline);
          continue;
        }
        const why = `no healthy, active, uncordoned peer has factory "${slot.movable}" and its required capabilities`;
        this.#unplaced.set(slot.daemonId, why);
        this.log(LOG_WARN, slot.daemonId, `movable daemon "${slot.spec.name}" stays and drains here: ${why}`);
      }
      this.#startDrain(slot, deadline, now);
    }
    this.router.broadcast({ kind: "DrainStart", gracePeriodMs: graceUntil(deadline, now) });
  }

  /** The daemon's lifecycle starts draining toward `deadline`, if it can (its DrainStart goes by the router). */
  #startDrain(slot: DaemonSlot, deadline: number, now: number): void {
    if (slot.actor.getSnapshot().can({ type: "drain.start", deadline, now })) slot.actor.send({ type: "drain.start", deadline, now });
  }

  /**
   * The bus hands this node the events sent to `slot`'s daemon; a replicated daemon's frames are
   * held until a replica covers them.
   */
  #hostOnBus(slot: DaemonSlot): void {
    const holdAcks = this.#replicators.has(slot.daemonId);
    this.bus.host(slot.daemonId, (position, payloads) => slot.deliverFrame(position, payloads), { holdAcks });
  }

  /** Starts replicating a movable daemon hosted here (`revision`: the replica it owns, if known). */
  #replicate(slot: DaemonSlot, revision: bigint | null): void {
    const id = slot.daemonId;
    const replicator = new DaemonReplicator({
      bus: this.bus,
      slot,
      nodeId: this.config.thisNode,
      policy: this.#failover!,
      now: () => this.clock.now(),
      onLost: () => {
        if (this.#slots.get(id) !== slot) return;
        const why = `another node took daemon "${slot.spec.name}" over (its replica on the bus was rewritten): it leaves this node`;
        this.log(LOG_WARN, id, why);
        this.#shareFailure(id, "lost", why);
        this.unregister(id, true);
      },
      onWriteFailed: (why) => this.log(LOG_WARN, id, `daemon "${slot.spec.name}" could not be replicated (${why}); its frames stay held on the bus until a replica covers them`),
    }, revision);
    this.#replicators.set(id, replicator);
    slot.onSettled = () => replicator.settled();
  }

  /** Where a movable daemon goes when this node drains: see `placeDaemon`; moves under way count. */
  #placeFor(slot: DaemonSlot): bigint | null {
    const healthy = this.bus.peerAdverts(this.clock.now()).filter(({ health }) => health === "Healthy").map(({ advert }) => advert);
    // Daemons this drain already sent a peer count as its own: the moves spread.
    const extra = (node: bigint) => [...this.#moving.values()].filter((t) => t === node).length;
    return placeDaemon(slot.spec, slot.movable!, healthy, extra);
  }

  /**
   * Moves a daemon to `target`: stop taking its events from the bus (they wait there), let every
   * event already here be processed, hand over its settled point (a replicated daemon's replica
   * names `target` from then on) and leave once the peer took it. If the peer refuses or cannot be
   * reached, the daemon is hosted here again and drains — unless the peer wrote its replica since
   * (it took the daemon and its answer was lost): then it runs there.
   */
  async #moveOut(slot: DaemonSlot, target: bigint, deadline: number): Promise<void> {
    const id = slot.daemonId;
    this.#moving.set(id, target);
    this.bus.unhost(id);
    while (!this.#closed && this.#slots.get(id) === slot && slot.depth > 0 && this.clock.now() < deadline) {
      await new Promise<void>((resolve) => this.#tickWaiters.push(resolve));
    }
    if (this.#closed || this.#slots.get(id) !== slot) return void this.#moving.delete(id);
    const replicator = this.#replicators.get(id);
    let refusal: string | null = slot.depth > 0 ? `its inbox did not empty before the drain deadline` : null;
    let handedOff: bigint | null = null;
    let handOffTried = false;
    if (refusal === null) {
      try {
        // Not replicated, its frames were acknowledged as they came: everything taken goes with it.
        let point: SettledPoint = { state: slot.savedState, ingressHead: slot.ingressHead(), outputHead: slot.outputHead, busPosition: slot.busPosition, skipNext: 0 };
        if (replicator) {
          handOffTried = true;
          const handOff = await replicator.handOff(target);
          if (handOff === null) return void this.#moving.delete(id); // lost to another node: onLost unregistered it
          ({ point, revision: handedOff } = handOff);
        }
        const transfer = encodeDaemonTransfer({ daemonId: id, hostNode: target, factory: slot.movable!, ...point });
        const reply = JSON.parse(new TextDecoder().decode(await this.bus.request("migrate", target, transfer, MOVE_TIMEOUT_MS)));
        if (reply.ok !== true) refusal = String(reply.message);
      } catch (err) {
        refusal = thrownText(err);
      }
    }
    this.#moving.delete(id);
    if (this.#closed || this.#slots.get(id) !== slot) return;
    if (refusal !== null && replicator && handOffTried && !(await this.#reclaim(replicator, handedOff, target))) {
      this.log(LOG_INFO, id, `daemon "${slot.spec.name}" moved to node ${hexId(target)}: its answer was lost (${refusal}), but it wrote the daemon's replica`);
      refusal = null;
    }
    if (this.#closed || this.#slots.get(id) !== slot) return;
    if (refusal !== null) {
      this.#unplaced.set(id, `the move to node ${hexId(target)} failed: ${refusal}`);
      this.log(LOG_WARN, id, `daemon "${slot.spec.name}" could not move to node ${hexId(target)} (${refusal}); it drains here`);
      this.#hostOnBus(slot);
      this.#startDrain(slot, deadline, this.clock.now());
      this.#reconcile();
      return;
    }
    this.log(LOG_INFO, id, `daemon "${slot.spec.name}" moved to node ${hexId(target)}`);
    this.unregister(id, true);
  }

  /** Takes a handed-off daemon back; true unless the target wrote its replica since. Retries while the bus is away. */
  async #reclaim(replicator: DaemonReplicator, handedOff: bigint | null, target: bigint): Promise<boolean> {
    for (;;) {
      try {
        return await replicator.reclaim(handedOff, target);
      } catch (err) {
        if (this.#closed) return true;
        this.log(LOG_WARN, null, `taking a daemon back after a failed move: ${thrownText(err)}; trying again`);
        await new Promise<void>((resolve) => this.#tickWaiters.push(resolve));
      }
    }
  }

  /**
   * A peer hands over a movable daemon: build it with our factory, continue it, take its queue.
   * A replicated one's replica names this node already (the hand-off): this node owns it from then.
   */
  async #takeIn(request: Uint8Array): Promise<Uint8Array> {
    const answer = (ok: boolean, message: string) => new TextEncoder().encode(JSON.stringify({ ok, message }));
    const decoded = decodeDaemonTransfer(request);
    if ("problem" in decoded) return answer(false, decoded.problem);
    const { transfer } = decoded;
    const factory = this.#factories.get(transfer.factory);
    if (!factory) return answer(false, `node ${hexId(this.config.thisNode)} has no factory "${transfer.factory}"`);
    if (this.#closed || this.#cordoned || this.maintenanceView().kind !== "Active") {
      return answer(false, `node ${hexId(this.config.thisNode)} is ${this.#cordoned ? "cordoned" : this.maintenanceView().kind}`);
    }
    let revision: bigint | null = null;
    if (this.#failover !== null) {
      try {
        const stored = await readTransferReplica(this.bus, transfer.daemonId);
        if (stored?.transfer?.hostNode === this.config.thisNode) revision = stored.revision;
      } catch (err) {
        return answer(false, `node ${hexId(this.config.thisNode)} cannot read the daemon's replica: ${thrownText(err)}`);
      }
    }
    try {
      this.register(transfer.daemonId, checkDaemon(factory()), { movable: transfer.factory, arriving: { point: transfer, revision } });
    } catch (err) {
      return answer(false, thrownText(err));
    }
    this.log(LOG_INFO, transfer.daemonId, `daemon moved here (factory "${transfer.factory}")`);
    return answer(true, "taken");
  }

  /**
   * Failover, once per heartbeat: the movable daemons of every peer Unreachable for the policy's
   * `afterUnreachableMs` are restored where placement puts them (`placeOrphan`: spread over the
   * fit nodes) — by that node at once, by any other fit node `SECOND_CHANCE_MS` later if still
   * nobody has.
   */
  #failOver(adverts: readonly { advert: NodeAdvert; health: string }[]): void {
    if (this.#failover === null || this.#closed) return;
    const now = this.clock.now();
    for (const { advert, health } of adverts) {
      const node = advert.nodeId;
      if (health !== "Unreachable") {
        this.#unreachableSince.delete(node);
        continue;
      }
      let since = this.#unreachableSince.get(node);
      if (since?.epochId !== advert.epochId) this.#unreachableSince.set(node, since = { epochId: advert.epochId, sinceMs: now, candidates: null });
      const overdueMs = now - since.sinceMs - this.#failover.afterUnreachableMs;
      if (overdueMs < 0) continue;
      since.candidates ??= [this.#advert(), ...adverts.filter(({ health }) => health === "Healthy").map(({ advert }) => advert)];
      for (const id of advert.daemons) {
        const key = `${advert.epochId}:${id}`;
        if (this.#slots.has(id) || this.#restoring.has(id) || this.#notRestorable.has(key) || this.bus.hostOf(id) !== node) continue;
        void this.#restore(id, advert, key, overdueMs >= SECOND_CHANCE_MS, since.candidates);
      }
    }
  }

  /** Restores daemon `id` of the dead node `dead` here from its replica, if it is this node's to restore. */
  async #restore(
    id: bigint,
    dead: NodeAdvert,
    key: string,
    overdue: boolean,
    candidates: readonly NodeAdvert[],
  ): Promise<void> {
    this.#restoring.add(id);
    try {
      const stored = await readTransferReplica(this.bus, id);
      const transfer = stored?.transfer;
      // No replica: not a movable daemon (or not replicated); another host named: restored already.
      if (!stored || !transfer || transfer.hostNode !== dead.nodeId) return void this.#notRestorable.add(key);
      const factory = this.#factories.get(transfer.factory);
      if (!factory || this.#closed) return void this.#notRestorable.add(key);
      let kind = this.#factorySpecs.get(transfer.factory);
      if (!kind) this.#factorySpecs.set(transfer.factory, kind = checkDaemon(factory()));
      if (unfitReason(this.#advert(), kind, transfer.factory) !== null) return; // perhaps later (uncordoned, back to Active)
      if (placeOrphan(kind, transfer.factory, candidates, dead.daemons, id) !== this.config.thisNode && !overdue) return;
      const claimed = { ...transfer, hostNode: this.config.thisNode };
      const revision = await this.bus.replicate(id, encodeDaemonTransfer(claimed), stored.revision);
      if (revision === null) return void this.#notRestorable.add(key); // another node restored it first
      if (this.#closed || this.#slots.has(id)) return;
      const spec = checkDaemon(factory());
      this.register(id, spec, { movable: transfer.factory, arriving: { point: transfer, revision } });
      const detail = `daemon "${spec.name}" restored here from its replica: node ${hexId(dead.nodeId)} is unreachable; ` +
        `the events after bus position ${transfer.busPosition} (skipping ${transfer.skipNext}) are taken again`;
      this.log(LOG_WARN, id, detail);
      this.#shareFailure(id, "failover", detail);
    } catch (err) {
      this.log(LOG_WARN, id, `restoring daemon ${hexId(id)} of node ${hexId(dead.nodeId)} failed: ${thrownText(err)}; trying again`);
    } finally {
      this.#restoring.delete(id);
    }
  }

  #resumeDaemons(): void {
    this.#unplaced.clear();
    const now = this.clock.now();
    for (const slot of this.#slots.values()) slot.actor.send({ type: "resume", now });
  }

  /** Self-completion: tell the maintenance machine what the daemons look like now. */
  #reconcile(): void {
    if (this.#closed) return;
    let allDrained = true;
    let allHealthy = true;
    for (const slot of this.#slots.values()) {
      const state = slot.actor.getSnapshot();
      if (!countsAsDrained(state)) allDrained = false;
      if (!countsAsRunning(state) || slot.health.kind !== "healthy") allHealthy = false;
    }
    this.maintenance.send({
      type: "tick",
      now: this.clock.now(),
      allDaemonsDrained: allDrained,
      allDaemonsRunningHealthy: allHealthy,
    });
  }

  #samplePressure(): void {
    const depth = this.busDepth();
    const step = updateBackpressure(this.#pressure, depth);
    this.#pressure = step.hysteresis;
    if (step.sendOn) {
      for (const slot of this.#slots.values()) slot.setNodePressure(step.level);
      this.router.broadcast({ kind: "BackpressureOn", level: step.level } satisfies DaemonControl);
    } else if (step.sendOff) {
      for (const slot of this.#slots.values()) slot.setNodePressure(null);
      this.router.broadcast({ kind: "BackpressureOff" });
    }
  }
}

/** Inbox ring size: room for `records` records of up to 56 payload bytes, as a power of two. */
function inboxBytesFor(records: number): number {
  const wanted = Math.max(4096, records * 64);
  return 2 ** Math.ceil(Math.log2(wanted));
}

function peerRow(nodeId: bigint, peer: PeerSnapshot, advert: NodeAdvert | undefined): PeerRow {
  const n = (value: bigint | null) => (value === null ? null : Number(value));
  return {
    nodeId: hexId(nodeId),
    rttMs: n(peer.rttMs),
    health: peer.health,
    maintenance: peer.maintenance,
    cpuLoad1m: peer.cpuLoad1m,
    memUsedBytes: n(peer.memUsedBytes),
    memTotalBytes: n(peer.memTotalBytes),
    diskUsedBytes: n(peer.diskUsedBytes),
    diskTotalBytes: n(peer.diskTotalBytes),
    saturationTrend: peer.saturationTrend,
    capabilitySet: [...peer.capabilitySet],
    softwareVersion: peer.softwareVersion,
    daemons: (advert?.daemons ?? []).map(hexId),
    cordoned: advert?.cordoned ?? false,
  };
}


/** Where `spec`'s code runs: in the loaded `worker`, or on this thread. */
function executorFor(spec: DaemonSpec, worker: LoadedDaemonWorker | undefined, clock: Clock): ExecutorFactory {
  if (worker) return (run) => new WorkerExecutor(run, worker);
  const daemon = spec.daemon;
  if (!daemon) {
    throw new MeshOsSdkError(
      "register_failed",
      `daemon "${spec.name}": no daemon object and no Worker to run it in; expected a daemon or a worker option`,
    );
  }
  return (run) => new InThreadExecutor(run, daemon, clock);
}
