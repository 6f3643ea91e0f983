/**
 * The SDK entry point: starts a node runtime, registers daemons, feeds them events and shuts the
 * whole thing down (upstream §2.6.2 plus product.md §3).
 *
 * @module
 */

import { type RestartBackoffConfig, resolveBackoffConfig } from "../actors/restart_backoff.ts";
import { type MeshOsBusOption, openMeshBus, resolveBusOption } from "../bus/open_mesh_bus.ts";
import { resolveDataDir } from "../runtime/host_stats.ts";
import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { type BackendFallback, loadRingBackend } from "../ffi/load.ts";
import type { BackendName } from "../ffi/ring_backend.ts";
import { Identity } from "../identity/identity.ts";
import { isOperatorKey } from "../identity/operator_identity.ts";
import { type Milliseconds, toMilliseconds } from "../contract/milliseconds.ts";
import { DEFAULT_FRESHNESS_MS, type OperatorPolicy } from "../runtime/command_gate.ts";
import { DEFAULT_FAILOVER, type FailoverPolicy } from "../runtime/daemon_replicator.ts";
import { type ActionDispatcher, LoggingDispatcher } from "../runtime/action_dispatcher.ts";
import { type Clock, isClock, systemClock } from "../runtime/clock.ts";
import { MeshRuntime } from "../runtime/mesh_runtime.ts";
import { LoadedDaemonWorker } from "../runtime/worker_executor.ts";
import { daemonMachine } from "../actors/daemon_machine.ts";
import { maintenanceMachine } from "../actors/maintenance_machine.ts";
import { type Inspector, startInspector } from "../viz/inspector_server.ts";
import type { RuntimeSnapshot } from "../runtime/runtime_snapshot.ts";
import { expectObject, rejectUnknownKeys, resolveConfig, resolveCount } from "../contract/config.ts";
import {
  checkDaemon,
  checkDescriptor,
  type DaemonDescriptor,
  type RegisterDaemonOptions,
  resolveRegisterOptions,
  type WorkerDaemonOptions,
} from "../contract/daemon_spec.ts";
import { MeshOsAdmin } from "./meshos_admin.ts";
import { MeshOsDaemonHandle } from "./meshos_daemon_handle.ts";
import type { CausalEvent, MeshOsConfig, MeshOsDaemon } from "../contract/types.ts";

/** Upstream's `DEFAULT_CONTROL_CHANNEL_CAPACITY`. */
export const DEFAULT_CONTROL_CAPACITY = 8;

/** Options of `MeshOsDaemonSdk.start` beyond the upstream config. */
export interface MeshOsDaemonSdkOptions {
  /** Per-daemon control queue bound. Default 8. */
  controlCapacity?: number;
  /** Time source; pass a `ManualClock` to drive ticks and timeouts by hand. Default: system clock. */
  clock?: Clock;
  /** Force a ring implementation (else env `MESHOS_BACKEND`, else native → wasm → js). */
  backend?: "native" | "wasm" | "js";
  /** Receives every action the runtime decides on. Default: a `LoggingDispatcher`. */
  dispatcher?: ActionDispatcher;
  /** Identity whose origin hash stamps ingested events. Default: a fresh one. */
  ingressIdentity?: Identity;
  /** Outputs kept per daemon for late readers of `outputs()`. Default 4096. */
  outputCapacity?: number;
  /** Restart backoff policy (upstream §3.15 defaults). */
  backoff?: Partial<RestartBackoffConfig>;
  /**
   * The mesh this node joins. Default: none (an in-memory bus with no peers). `{ memory: { mesh } }`
   * joins the in-process mesh of that name; `{ nats: { servers, mesh } }` the NATS one, where
   * `start()` rejects with `bus_unavailable` naming the servers when none answers in
   * `connectTimeoutMs` (default 5000).
   */
  bus?: MeshOsBusOption;
  /** The directory whose file system's disk use peers see. Default: the current directory. */
  dataDir?: string;
  /**
   * When a faster ring backend cannot load and a slower one is used, say so on stderr (once per
   * process and reason) — the log ring, `sdk.backendFallbacks` and the snapshot always carry it.
   * Default true.
   */
  backendNotice?: boolean;
  /**
   * Operators who may command this node over the bus (`MeshOsOperator`): their public keys
   * (`OperatorIdentity.publicKeyHex`), and how far a command's issue time may be from this node's
   * clock (default 30 s). Without it no remote command is accepted (each refusal is audited).
   */
  operators?: { trusted: string[]; freshnessMs?: Milliseconds };
  /**
   * How movable daemons (`registerMovable`) outlive their node: a replica of each goes to the bus
   * every `replicateEveryEvents` events (default 1000) or `replicateEveryMs` (default 1000) when
   * any came; once their node has been Unreachable (5 s without a heartbeat) for
   * `afterUnreachableMs` more (default 1000), a peer restores them from it and takes the events
   * after it again from the bus. `false`: never replicated, never restored.
   */
  failover?: { replicateEveryEvents?: number; replicateEveryMs?: Milliseconds; afterUnreachableMs?: Milliseconds } | false;
}

/**
 * Every key `MeshOsDaemonSdk.start` accepts in its options (any other is `invalid_config`); typed
 * as a record so a new option that is not listed here fails to compile.
 */
const START_OPTION_KEYS = Object.keys(
  {
    controlCapacity: true,
    clock: true,
    backend: true,
    dispatcher: true,
    ingressIdentity: true,
    outputCapacity: true,
    backoff: true,
    bus: true,
    dataDir: true,
    backendNotice: true,
    operators: true,
    failover: true,
  } satisfies Record<keyof MeshOsDaemonSdkOptions, true>,
);

/** Why `payloads` is not an array of `Uint8Array` (an `invalid_argument`), or null when it is. */
function payloadsProblem(payloads: unknown): MeshOsSdkError | null {
  if (!Array.isArray(payloads)) {
    return new MeshOsSdkError("invalid_argument", `payloads: expected an array of Uint8Array; got ${describeValue(payloads)}`);
  }
  const bad = payloads.findIndex((p) => !(p instanceof Uint8Array));
  if (bad < 0) return null;
  return new MeshOsSdkError("invalid_argument", `payloads[${bad}]: expected a Uint8Array; got ${describeValue(payloads[bad])}`);
}

/** Throws `invalid_argument` unless `identity` is an `Identity`. */
function requireIdentity(identity: unknown): asserts identity is Identity {
  if (!(identity instanceof Identity)) {
    throw new MeshOsSdkError("invalid_argument", `identity: expected an Identity; got ${describeValue(identity)}`);
  }
}

/** The `operators` start option, checked: `invalid_config` naming the field otherwise. */
function resolveOperators(value: unknown): OperatorPolicy | undefined {
  if (value === undefined) return undefined;
  const option = expectObject("operators", value);
  rejectUnknownKeys("operators", option, ["trusted", "freshnessMs"]);
  if (!Array.isArray(option.trusted)) {
    throw new MeshOsSdkError("invalid_config", `operators.trusted: expected an array of operator public keys (64 hex digits); got ${describeValue(option.trusted)}`);
  }
  option.trusted.forEach((key, i) => {
    if (!isOperatorKey(key)) {
      throw new MeshOsSdkError("invalid_config", `operators.trusted[${i}]: expected an operator public key (64 lowercase hex digits, OperatorIdentity.publicKeyHex); got ${describeValue(key)}`);
    }
  });
  const freshnessMs = option.freshnessMs === undefined ? DEFAULT_FRESHNESS_MS : toMilliseconds("invalid_config", "operators.freshnessMs", option.freshnessMs, 1);
  return { trusted: [...option.trusted] as string[], freshnessMs };
}

/** The `failover` start option, checked: `invalid_config` naming the field otherwise; null when off. */
function resolveFailover(value: unknown): FailoverPolicy | null {
  if (value === undefined) return DEFAULT_FAILOVER;
  if (value === false) return null;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MeshOsSdkError("invalid_config", `failover: expected an object or false; got ${describeValue(value)}`);
  }
  const option = value as Record<string, unknown>;
  rejectUnknownKeys("failover", option, ["replicateEveryEvents", "replicateEveryMs", "afterUnreachableMs"]);
  const ms = (key: string, fallback: number, min: number) => option[key] === undefined ? fallback : toMilliseconds("invalid_config", `failover.${key}`, option[key], min);
  return {
    everyEvents: resolveCount("failover.replicateEveryEvents", option.replicateEveryEvents, DEFAULT_FAILOVER.everyEvents),
    everyMs: ms("replicateEveryMs", DEFAULT_FAILOVER.everyMs, 1),
    afterUnreachableMs: ms("afterUnreachableMs", DEFAULT_FAILOVER.afterUnreachableMs, 0),
  };
}

/** Fallback notices already printed in this process (each once). */
const announced = new Set<string>();

/** Says on stderr, once per process and reason, that a slower ring backend serves this node. */
function announceFallbacks(chosen: BackendName, fallbacks: readonly BackendFallback[]): void {
  for (const { reason } of fallbacks) {
    const line = `[meshos] using the ${chosen} ring backend: ${reason} (start option backendNotice: false silences this)`;
    if (announced.has(line)) continue;
    announced.add(line);
    console.error(line);
  }
}

/** How long `shutdown()` waits for the dispatcher (upstream's executor join timeout). */
const SHUTDOWN_JOIN_MS = 2000;

const BACKEND_CHOICES: readonly unknown[] = ["native", "wasm", "js"] satisfies MeshOsDaemonSdkOptions["backend"][];

/**
 * A MeshOS node with its daemons.
 *
 * @example
 * ```ts
 * await using sdk = await MeshOsDaemonSdk.start({ thisNode: 7n });
 * const handle = await sdk.registerDaemon({ name: "echo", process: (e) => [e.payload] }, Identity.generate());
 * sdk.ingest(handle.daemonId, new TextEncoder().encode("hi"));
 * for await (const out of sdk.outputs(handle.daemonId)) { console.log(out.sequence); break; }
 * ```
 */
export class MeshOsDaemonSdk {
  readonly #runtime: MeshRuntime;
  readonly #dispatcher: ActionDispatcher;
  #shutDown = false;
  readonly #inspectors = new Set<Inspector>();
  /** Operator commands (maintenance, stop, restart). */
  readonly admin: MeshOsAdmin;

  private constructor(runtime: MeshRuntime, dispatcher: ActionDispatcher) {
    this.#runtime = runtime;
    this.#dispatcher = dispatcher;
    this.admin = new MeshOsAdmin(() => this.#live());
  }

  /** Starts a node runtime. Rejects with `invalid_config` on a bad config or option. */
  static async start(config?: MeshOsConfig, options: MeshOsDaemonSdkOptions = {}): Promise<MeshOsDaemonSdk> {
    const resolved = resolveConfig(config);
    if (typeof options !== "object" || options === null) {
      throw new MeshOsSdkError("invalid_config", `options: expected an object; got ${describeValue(options)}`);
    }
    rejectUnknownKeys("options", options, START_OPTION_KEYS);
    const controlCapacity = resolveCount("controlCapacity", options.controlCapacity, DEFAULT_CONTROL_CAPACITY);
    const outputCapacity = resolveCount("outputCapacity", options.outputCapacity, 4096);
    if (options.ingressIdentity !== undefined && !(options.ingressIdentity instanceof Identity)) {
      throw new MeshOsSdkError(
        "invalid_config",
        `ingressIdentity: expected an Identity; got ${describeValue(options.ingressIdentity)}`,
      );
    }
    if (options.backoff !== undefined) expectObject("backoff", options.backoff);
    const backoff = resolveBackoffConfig(options.backoff ?? {});
    if (options.clock !== undefined && !isClock(options.clock)) {
      throw new MeshOsSdkError(
        "invalid_config",
        `clock: expected a Clock (now, wallMs, setTimer, defer and clearTimer functions); got ${describeValue(options.clock)}`,
      );
    }
    if (options.dispatcher !== undefined && typeof (options.dispatcher as { dispatch?: unknown } | null)?.dispatch !== "function") {
      throw new MeshOsSdkError(
        "invalid_config",
        `dispatcher: expected an ActionDispatcher (an object with a dispatch(action) function); got ${describeValue(options.dispatcher)}`,
      );
    }
    if (options.backend !== undefined && !BACKEND_CHOICES.includes(options.backend)) {
      throw new MeshOsSdkError(
        "invalid_config",
        `backend: expected "native", "wasm" or "js"; got ${describeValue(options.backend)}`,
      );
    }
    if (options.backendNotice !== undefined && typeof options.backendNotice !== "boolean") {
      throw new MeshOsSdkError("invalid_config", `backendNotice: expected true or false; got ${describeValue(options.backendNotice)}`);
    }
    const operators = resolveOperators(options.operators);
    const failover = resolveFailover(options.failover);
    const busChoice = resolveBusOption(options.bus);
    const dataDir = resolveDataDir(options.dataDir);
    const backendFallbacks: BackendFallback[] = [];
    const backend = await loadRingBackend({
      prefer: options.backend,
      onFallback: (choice, reason) => backendFallbacks.push({ backend: choice, reason: reason.detail }),
    });
    if (options.backendNotice !== false) announceFallbacks(backend.name, backendFallbacks);
    const dispatcher = options.dispatcher ?? new LoggingDispatcher(resolved.actionQueueCapacity);
    const clock = options.clock ?? systemClock();
    const bus = await openMeshBus(busChoice, resolved.thisNode, () => clock.now());
    let runtime: MeshRuntime;
    try {
      runtime = new MeshRuntime({
        config: resolved,
        clock,
        bus,
        dataDir,
        backend,
        dispatcher,
        controlCapacity,
        outputCapacity,
        ingressOrigin: (options.ingressIdentity ?? Identity.generate()).originHash,
        backoff,
        backendFallbacks,
        operators,
        failover,
      });
    } catch (err) {
      await bus.close();
      throw err;
    }
    return new MeshOsDaemonSdk(runtime, dispatcher);
  }

  /** Which ring implementation serves this node. */
  get backend(): BackendName {
    return this.#runtime.backend.name;
  }

  /** The faster backends passed over at start, each with why it did not load (empty: none). */
  get backendFallbacks(): BackendFallback[] {
    return this.#runtime.backendFallbacks.map((fallback) => ({ ...fallback }));
  }

  /** The action dispatcher in use (the default `LoggingDispatcher` keeps a log). */
  get dispatcher(): ActionDispatcher {
    return this.#dispatcher;
  }

  /**
   * Registers a daemon under `identity.originHash`. Rejects with `invalid_daemon` for a bad daemon
   * object and `register_failed` when the identity is already registered.
   *
   * With `options.worker`, the daemon's code runs in its own Worker: `daemon` only names it (and
   * may advertise capabilities); the daemon object is the module's export, loaded in the Worker.
   * Events ingested here reach its `process()` through an inbox in shared memory, so ingestion and
   * processing run in parallel. Control events, health, logs, crashes and shutdown work as for an
   * in-thread daemon; a Worker that dies is a crash. A module that fails to load, or whose export
   * is not a daemon, rejects with `invalid_daemon` and leaves nothing running.
   *
   * @example
   * ```ts
   * const worker = { module: new URL("./word_counter.ts", import.meta.url), exportName: "wordCounter" };
   * const handle = await sdk.registerDaemon({ name: "word-counter" }, Identity.generate(), { worker });
   * ```
   */
  async registerDaemon(daemon: MeshOsDaemon, identity: Identity, options?: RegisterDaemonOptions): Promise<MeshOsDaemonHandle>;
  async registerDaemon(
    daemon: DaemonDescriptor,
    identity: Identity,
    options: RegisterDaemonOptions & { worker: WorkerDaemonOptions },
  ): Promise<MeshOsDaemonHandle>;
  async registerDaemon(
    daemon: MeshOsDaemon | DaemonDescriptor,
    identity: Identity,
    options?: RegisterDaemonOptions,
  ): Promise<MeshOsDaemonHandle> {
    const runtime = this.#live();
    requireIdentity(identity);
    const source = resolveRegisterOptions(options);
    if (source === null) {
      const slot = runtime.register(identity.originHash, checkDaemon(daemon));
      return new MeshOsDaemonHandle(runtime, slot);
    }
    const spec = checkDescriptor(daemon);
    const worker = await LoadedDaemonWorker.load(source);
    try {
      const slot = this.#live().register(identity.originHash, spec, { worker });
      return new MeshOsDaemonHandle(runtime, slot);
    } catch (err) {
      worker.terminate();
      throw err;
    }
  }

  /**
   * Adds a daemon factory under `name`: a function returning a fresh daemon object. A node with a
   * factory can build — and so take over — the movable daemons of that factory from a draining
   * peer; its heartbeat tells the mesh which factories it has.
   */
  registerFactory(name: string, factory: () => MeshOsDaemon): void {
    const runtime = this.#live();
    if (typeof name !== "string" || name === "") {
      throw new MeshOsSdkError("invalid_argument", `name: expected a non-empty factory name; got ${describeValue(name)}`);
    }
    if (typeof factory !== "function") {
      throw new MeshOsSdkError("invalid_argument", `factory: expected a function returning a daemon; got ${describeValue(factory)}`);
    }
    runtime.registerFactory(name, factory);
  }

  /**
   * Registers a movable daemon built by the factory `name` under `identity`. When this node enters
   * maintenance it moves to a peer that has the same factory (Healthy, Active, not cordoned, with
   * its required capabilities; the fewest daemons first): its events already here are processed
   * here, then its last `snapshot()` state and both causal chains go on there, and the events that
   * wait on the bus follow it. With no such peer it stays and drains, as any daemon (said in the
   * log). The returned handle is consumed when the daemon leaves this node.
   */
  async registerMovable(name: string, identity: Identity): Promise<MeshOsDaemonHandle> {
    const runtime = this.#live();
    requireIdentity(identity);
    return new MeshOsDaemonHandle(runtime, runtime.registerMovable(identity.originHash, name));
  }

  /** Control events dropped since start (all daemons, including unregistered ones). */
  async droppedControlEvents(): Promise<bigint> {
    return BigInt(this.#live().router.droppedTotal);
  }

  /**
   * Feeds one payload to a daemon, on this node or any peer of its mesh.
   *
   * On this node the answer is settled before `ingest` returns: true once the payload is in the
   * daemon's inbox, false when the inbox is full (counted in `inboxRejected`). For a daemon on a
   * peer, the promise resolves true once the payload is **durable on the bus** (NATS: stored by
   * the JetStream stream, on every replica), and rejects with `bus_unavailable` when the bus could
   * not take it — an event is never dropped without its caller hearing. From the stream the
   * daemon's node takes each event once, in the order sent.
   *
   * Throws at once — `unknown_daemon` when neither this node nor any peer's latest heartbeat has
   * the daemon, `invalid_argument` for a payload that is not a `Uint8Array`.
   */
  ingest(daemonId: bigint, payload: Uint8Array): Promise<boolean> {
    const runtime = this.#live();
    if (!(payload instanceof Uint8Array)) {
      runtime.requireDaemon(daemonId); // a daemon that is nowhere is the first thing to say
      throw new MeshOsSdkError("invalid_argument", `payload: expected a Uint8Array; got ${describeValue(payload)}`);
    }
    return runtime.ingest(daemonId, payload); // finds the daemon once: here, on a peer, or unknown_daemon
  }

  /**
   * Many payloads in one ring operation here, or in as few bus frames as fit for a peer. Resolves
   * with how many were taken: on this node a prefix (the rest did not fit the inbox, counted);
   * for a peer all of them once durable, or a `bus_unavailable` rejection.
   */
  ingestBatch(daemonId: bigint, payloads: readonly Uint8Array[]): Promise<number> {
    const runtime = this.#live();
    const problem = payloadsProblem(payloads);
    if (problem) {
      runtime.requireDaemon(daemonId); // a daemon that is nowhere is the first thing to say
      throw problem;
    }
    return runtime.ingestBatch(daemonId, payloads); // finds the daemon once: here, on a peer, or unknown_daemon
  }

  /**
   * A daemon's own output chain as it grows, from any node: here from its output buffer on, from
   * a peer from now on (following it when it moves). A reader here ends when the daemon leaves this
   * node; one on a peer when the daemon stops; any when this SDK shuts down.
   */
  outputs(daemonId: bigint): AsyncIterable<CausalEvent> {
    return this.#live().outputs(daemonId);
  }

  /** A plain, JSON-serialisable view of the whole runtime. */
  snapshot(): RuntimeSnapshot {
    return this.#live().snapshot();
  }

  /**
   * Stops the node: every pending `nextControl()` resolves null, `controlEvents()` loops end,
   * daemons are unregistered, then the dispatcher gets up to 2 s (on the SDK's clock) to take the
   * actions still queued; past that, `shutdown_failed` (the node is shut down either way). A
   * second call rejects with `already_shutdown`.
   */
  async shutdown(): Promise<void> {
    this.#live();
    this.#shutDown = true;
    const inspectors = [...this.#inspectors];
    this.#inspectors.clear();
    await Promise.all(inspectors.map((inspector) => inspector.close()));
    this.#runtime.close();
    await this.#runtime.bus.close();
    const abandoned = await this.#runtime.joinActions(SHUTDOWN_JOIN_MS);
    if (abandoned > 0) {
      throw new MeshOsSdkError(
        "shutdown_failed",
        `runtime shutdown failed: ExecutorTimeout (the action dispatcher did not finish within ${SHUTDOWN_JOIN_MS} ms; ${abandoned} action(s) abandoned)`,
      );
    }
  }

  /**
   * Serves the live inspector on localhost: each daemon's statechart with its current state
   * highlighted, the node's maintenance state, counters and the log tail, updated over SSE.
   * Read-only. Binds 127.0.0.1 unless `hostname` says otherwise; port 0 picks a free one. Beyond
   * loopback every request needs the random token the returned `url` carries (`?token=…`).
   * Closed by `shutdown()`.
   */
  async inspect(options: { port?: number; hostname?: string } = {}): Promise<Inspector> {
    this.#live();
    rejectUnknownKeys("options", expectObject("options", options, "invalid_argument"), ["port", "hostname"], "invalid_argument");
    const inspector = await startInspector({
      port: options.port ?? 0,
      hostname: options.hostname,
      getSnapshot: () => this.#runtime.snapshot(),
      machines: { daemon: daemonMachine, maintenance: maintenanceMachine },
    });
    this.#inspectors.add(inspector);
    return {
      url: inspector.url,
      close: async () => {
        this.#inspectors.delete(inspector);
        await inspector.close();
      },
    };
  }

  /** `await using`: shuts down if still running. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#shutDown) await this.shutdown();
  }

  #live(): MeshRuntime {
    if (this.#shutDown) {
      throw new MeshOsSdkError("already_shutdown", "MeshOsDaemonSdk was already consumed by shutdown");
    }
    return this.#runtime;
  }
}
