/**
 * Actions the runtime decides on (stop a daemon, restart one, commit a maintenance transition)
 * go through a bounded queue to a pluggable dispatcher. The default only records them.
 *
 * @module
 */

/** Kinds of action, with upstream's snapshot labels. */
export type MeshOsActionKind =
  | "stop_daemon"
  | "start_daemon"
  | "apply_backoff"
  | "commit_maintenance_transition";

/** One decided action. Ids start at 1 and strictly increase per runtime. */
export interface MeshOsAction {
  id: number;
  kind: MeshOsActionKind;
  daemonId: bigint | null;
  detail: string;
  atMs: number;
}

/** Receives every action; may be async. A throw or rejection is counted as a failure, never fatal. */
export interface ActionDispatcher {
  dispatch(action: MeshOsAction): void | Promise<void>;
}

/**
 * Keeps the newest `capacity` dispatched actions in memory.
 *
 * @example
 * ```ts
 * const dispatcher = new LoggingDispatcher();
 * await MeshOsDaemonSdk.start({}, { dispatcher });
 * dispatcher.log(); // what the runtime decided so far
 * ```
 */
export class LoggingDispatcher implements ActionDispatcher {
  readonly #capacity: number;
  #log: MeshOsAction[] = [];

  constructor(capacity = 1024) {
    this.#capacity = capacity;
  }

  dispatch(action: MeshOsAction): void {
    this.#log.push(action);
    if (this.#log.length > this.#capacity) this.#log.shift();
  }

  /** Dispatched actions, oldest first. */
  log(): MeshOsAction[] {
    return [...this.#log];
  }
}

/** Counters of the action path. */
export interface ActionStats {
  dispatched: number;
  failed: number;
  dropped: number;
}

/** Bounded queue in front of a dispatcher; a full queue drops the new action and counts it. */
export class ActionQueue {
  readonly #dispatcher: ActionDispatcher;
  readonly #capacity: number;
  readonly #onFailure: (action: MeshOsAction, err: unknown) => void;
  #queue: MeshOsAction[] = [];
  #nextId = 1;
  #running = false;
  #idle: (() => void)[] = [];
  readonly stats: ActionStats = { dispatched: 0, failed: 0, dropped: 0 };
  readonly recent: MeshOsAction[] = [];

  constructor(
    dispatcher: ActionDispatcher,
    options: { capacity: number; onFailure: (action: MeshOsAction, err: unknown) => void },
  ) {
    this.#dispatcher = dispatcher;
    this.#capacity = options.capacity;
    this.#onFailure = options.onFailure;
  }

  /** Queues an action for dispatch; returns it, or null when the queue was full. */
  submit(kind: MeshOsActionKind, fields: { daemonId: bigint | null; detail: string; atMs: number }): MeshOsAction | null {
    if (this.#queue.length >= this.#capacity) {
      this.stats.dropped++;
      return null;
    }
    const action: MeshOsAction = { id: this.#nextId++, kind, ...fields };
    this.#queue.push(action);
    this.recent.push(action);
    if (this.recent.length > this.#capacity) this.recent.shift();
    if (!this.#running) void this.#drain();
    return action;
  }

  /** Actions waiting for the dispatcher. */
  get depth(): number {
    return this.#queue.length;
  }

  /** True while an action is with the dispatcher. */
  get busy(): boolean {
    return this.#running;
  }

  /** Resolves once every submitted action went through the dispatcher (at once when none wait). */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#queue.length > 0) {
      const action = this.#queue.shift()!;
      try {
        await this.#dispatcher.dispatch(action);
        this.stats.dispatched++;
      } catch (err) {
        this.stats.failed++;
        try {
          this.#onFailure(action, err);
        } catch {
          // Reporting failed too (the log queue was full or closed): the failure is still counted.
        }
      }
    }
    this.#running = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
