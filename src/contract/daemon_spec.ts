/**
 * Checks a daemon object once, at registration, the way upstream's Node bridge does (§2.6.3),
 * and normalises what the supervisor later reads from it (health, saturation, outputs,
 * snapshots). The same checks run on the runtime thread and inside a daemon's Worker.
 *
 * @module
 */

import { describeValue, MeshOsSdkError, thrownText } from "../errors/meshos_sdk_error.ts";
import type { CapabilityAdvert, DaemonControl, MeshOsDaemon } from "./types.ts";
import { rejectUnknownKeys } from "./config.ts";

/** What the main side needs of a daemon that runs in a Worker: its name and capability adverts. */
export type DaemonDescriptor = Pick<MeshOsDaemon, "name" | "requiredCapabilities" | "optionalCapabilities">;

/** A registered daemon's checked shape. */
export interface DaemonSpec {
  /** The daemon object, or null when it lives in a Worker (only its descriptor is on this thread). */
  daemon: MeshOsDaemon | null;
  name: string;
  requiredCapabilities: string[];
  optionalCapabilities: string[];
}

/**
 * Where a Worker daemon comes from: the `options.worker` of `registerDaemon`.
 *
 * @example
 * ```ts
 * const worker: WorkerDaemonOptions = { module: new URL("./my_daemon.ts", import.meta.url), exportName: "counter" };
 * ```
 */
export interface WorkerDaemonOptions {
  /** The module that exports the daemon object, as a URL or an absolute URL string. */
  module: string | URL;
  /** The export holding the daemon object. Default `"default"`. */
  exportName?: string;
}

/**
 * Options of `MeshOsDaemonSdk.registerDaemon`.
 *
 * @example
 * ```ts
 * const options: RegisterDaemonOptions = { worker: { module: new URL("./my_daemon.ts", import.meta.url) } };
 * await sdk.registerDaemon({ name: "counter" }, Identity.generate(), options);
 * ```
 */
export interface RegisterDaemonOptions {
  /** Run the daemon's code in its own Worker, fed from an inbox in shared memory. */
  worker?: WorkerDaemonOptions;
}

/** `options.worker` once checked: the module as an absolute URL string. */
export interface WorkerDaemonSource {
  module: string;
  exportName: string;
}

const OPTIONAL_METHODS = ["snapshot", "restore", "onControl", "health", "saturation"] as const;

/** Validates `daemon` or throws `invalid_daemon` naming the member and what it held. */
export function checkDaemon(daemon: unknown): DaemonSpec {
  const descriptor = checkDescriptor(daemon);
  return { ...descriptor, daemon: checkDaemonMethods(daemon) };
}

/**
 * Validates the main-side descriptor of a Worker daemon (name and adverts; methods are not read),
 * or throws `invalid_daemon`.
 */
export function checkDescriptor(daemon: unknown): DaemonSpec {
  if (typeof daemon !== "object" || daemon === null) {
    throw new MeshOsSdkError("invalid_daemon", `daemon: expected an object; got ${describeValue(daemon)}`);
  }
  const d = daemon as Record<string, unknown>;
  if (typeof d.name !== "string") {
    throw new MeshOsSdkError(
      "invalid_daemon",
      `daemon \`name\` must be a string property; got ${describeValue(d.name)}`,
    );
  }
  if (d.name.length === 0) {
    throw new MeshOsSdkError("invalid_daemon", `daemon \`name\` must not be empty; got ""`);
  }
  return {
    daemon: null,
    name: d.name,
    requiredCapabilities: resolveAdvert("requiredCapabilities", d.requiredCapabilities, daemon),
    optionalCapabilities: resolveAdvert("optionalCapabilities", d.optionalCapabilities, daemon),
  };
}

/** Validates the methods of a daemon object (`process` and the optional ones) or throws `invalid_daemon`. */
export function checkDaemonMethods(daemon: unknown): MeshOsDaemon {
  if (typeof daemon !== "object" || daemon === null) {
    throw new MeshOsSdkError("invalid_daemon", `daemon: expected an object; got ${describeValue(daemon)}`);
  }
  const d = daemon as Record<string, unknown>;
  if (typeof d.process !== "function") {
    throw new MeshOsSdkError(
      "invalid_daemon",
      `daemon has no \`process\` method: expected a function; got ${describeValue(d.process)}`,
    );
  }
  for (const method of OPTIONAL_METHODS) {
    if (d[method] !== undefined && d[method] !== null && typeof d[method] !== "function") {
      throw new MeshOsSdkError(
        "invalid_daemon",
        `daemon \`${method}\` must be a function when present; got ${describeValue(d[method])}`,
      );
    }
  }
  return daemon as MeshOsDaemon;
}

/**
 * Checks the options of `registerDaemon`; returns the Worker source, or null for an in-thread
 * daemon. Throws `invalid_argument` naming the field.
 */
export function resolveRegisterOptions(options: unknown): WorkerDaemonSource | null {
  if (options === undefined) return null;
  if (typeof options !== "object" || options === null) {
    throw new MeshOsSdkError(
      "invalid_argument",
      `options: expected an object such as { worker: { module } } or undefined; got ${describeValue(options)}`,
    );
  }
  rejectUnknownKeys("options", options, ["worker"], "invalid_argument");
  const worker = (options as RegisterDaemonOptions).worker;
  if (worker === undefined) return null;
  if (typeof worker !== "object" || worker === null || worker instanceof URL) {
    throw new MeshOsSdkError(
      "invalid_argument",
      `options.worker: expected an object { module, exportName? }; got ${describeValue(worker)}`,
    );
  }
  rejectUnknownKeys("options.worker", worker, ["module", "exportName"], "invalid_argument");
  return { module: resolveModuleUrl(worker.module), exportName: resolveExportName(worker.exportName) };
}

function resolveModuleUrl(module: unknown): string {
  if (module instanceof URL) return module.href;
  if (typeof module === "string") {
    try {
      return new URL(module).href;
    } catch {
      // Relative specifiers and bare paths fall through: relative to what would be a guess.
    }
  }
  throw new MeshOsSdkError(
    "invalid_argument",
    `options.worker.module: expected a URL or an absolute URL string such as ` +
      `new URL("./my_daemon.ts", import.meta.url); got ${describeValue(module)}`,
  );
}

function resolveExportName(exportName: unknown): string {
  if (exportName === undefined) return "default";
  if (typeof exportName === "string" && exportName.length > 0) return exportName;
  throw new MeshOsSdkError(
    "invalid_argument",
    `options.worker.exportName: expected a non-empty string naming an export of the module; got ${describeValue(exportName)}`,
  );
}

function resolveAdvert(member: string, advert: unknown, owner: object): string[] {
  if (advert === undefined || advert === null) return [];
  let tags: unknown = advert;
  if (typeof advert === "function") {
    try {
      tags = (advert as () => unknown).call(owner);
    } catch (err) {
      throw new MeshOsSdkError("invalid_daemon", `\`${member}()\` threw: ${thrownText(err)}`);
    }
  }
  if (!isStringArray(tags)) {
    const what = typeof advert === "function" ? `\`${member}()\` returned` : `\`${member}\` is`;
    throw new MeshOsSdkError(
      "invalid_daemon",
      `${what} ${describeValue(tags)}; expected an array of tag strings`,
    );
  }
  return [...tags] satisfies CapabilityAdvert;
}

/** True for an array whose every element is a string. */
export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((x) => typeof x === "string");
}

/** Health normalised for the snapshot and the maintenance machine. */
export interface HealthReading {
  kind: "healthy" | "degraded" | "unhealthy";
  reason: string | null;
}

const HEALTH_KINDS = new Set(["healthy", "degraded", "unhealthy"]);

/**
 * Reads `health()` as upstream's Node bridge does: lowercase kinds only, a degraded reading without
 * reason gets `"(unspecified)"`. Anything else (or a throw) is healthy, and `problem` says why.
 */
export function readHealth(daemon: MeshOsDaemon): { reading: HealthReading; problem: string | null } {
  if (typeof daemon.health !== "function") return { reading: { kind: "healthy", reason: null }, problem: null };
  let raw: unknown;
  try {
    raw = daemon.health();
  } catch (err) {
    return { reading: { kind: "healthy", reason: null }, problem: `health() threw: ${thrownText(err)}` };
  }
  const kind = typeof raw === "string" ? raw : (raw as { kind?: unknown } | null)?.kind;
  if (typeof kind !== "string" || !HEALTH_KINDS.has(kind)) {
    return {
      reading: { kind: "healthy", reason: null },
      problem: `health() returned ${describeValue(raw)}; expected "healthy" | "degraded" | "unhealthy" or {kind, reason?}`,
    };
  }
  const given = typeof raw === "object" && raw !== null ? (raw as { reason?: unknown }).reason : undefined;
  const reason = typeof given === "string" ? given : kind === "degraded" ? "(unspecified)" : null;
  return { reading: { kind: kind as HealthReading["kind"], reason }, problem: null };
}

/** Reads `saturation()` clamped to [0, 1]; a throw or a non-number reads 0 and `problem` says why. */
export function readSaturation(daemon: MeshOsDaemon): { value: number; problem: string | null } {
  if (typeof daemon.saturation !== "function") return { value: 0, problem: null };
  let raw: unknown;
  try {
    raw = daemon.saturation();
  } catch (err) {
    return { value: 0, problem: `saturation() threw: ${thrownText(err)}` };
  }
  if (typeof raw !== "number" || Number.isNaN(raw)) {
    return { value: 0, problem: `saturation() returned ${describeValue(raw)}; expected a number in [0, 1]` };
  }
  return { value: Math.min(1, Math.max(0, raw)), problem: null };
}

const NO_OUTPUTS: readonly Uint8Array[] = Object.freeze([]);

/**
 * What `process()` returned, as a list of payloads: null and undefined are no outputs; anything
 * but an iterable of `Uint8Array` throws (and so counts as a failure of that `process()` call).
 */
export function checkOutputs(outputs: unknown): readonly Uint8Array[] {
  if (outputs === undefined || outputs === null) return NO_OUTPUTS;
  if (typeof (outputs as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw new Error(`process must return null or an iterable of Uint8Array; got ${describeValue(outputs)}`);
  }
  const list = [...(outputs as Iterable<unknown>)];
  const bad = list.findIndex((x) => !(x instanceof Uint8Array));
  if (bad >= 0) throw new Error(`process output element ${bad} is not a Uint8Array: ${describeValue(list[bad])}`);
  return list as Uint8Array[];
}

/** Whether a `process()` result is a promise or another thenable (an async `process()`). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== "object" || value === null) && typeof value !== "function") return false;
  return typeof (value as { then?: unknown }).then === "function";
}

/** A `snapshot()` call's result: the bytes (null when stateless) or why there are none. */
export type SavedStateReading = { bytes: Uint8Array | null; problem: null } | { bytes: null; problem: string };

const NO_STATE: SavedStateReading = Object.freeze({ bytes: null, problem: null });

/**
 * Calls `snapshot()` if the daemon has one; a throw or a non-bytes result is a `problem`. The
 * bytes are a copy: the daemon may keep writing the buffer it returned.
 */
export function readSavedState(daemon: MeshOsDaemon): SavedStateReading {
  if (typeof daemon.snapshot !== "function") return NO_STATE;
  let bytes: unknown;
  try {
    bytes = daemon.snapshot();
  } catch (err) {
    return { bytes: null, problem: `snapshot() threw: ${thrownText(err)}` };
  }
  if (bytes === null || bytes === undefined) return NO_STATE;
  if (!(bytes instanceof Uint8Array)) {
    return { bytes: null, problem: `snapshot() returned ${describeValue(bytes)}; expected a Uint8Array or null` };
  }
  return { bytes: bytes.slice(), problem: null };
}

/** Calls `restore(state)` if the daemon has one; returns the problem text of a throw, else null. */
export function applyRestore(daemon: MeshOsDaemon, state: Uint8Array | null): string | null {
  if (state === null || typeof daemon.restore !== "function") return null;
  try {
    daemon.restore(state.slice());
    return null;
  } catch (err) {
    return `restore() threw: ${thrownText(err)}`;
  }
}

/** Calls `onControl(event)` if the daemon has one; returns the problem text of a throw, else null. */
export function applyControl(daemon: MeshOsDaemon, event: DaemonControl): string | null {
  if (typeof daemon.onControl !== "function") return null;
  try {
    daemon.onControl(event);
    return null;
  } catch (err) {
    return `onControl(${event.kind}) threw: ${thrownText(err)}`;
  }
}
