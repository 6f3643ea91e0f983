/**
 * The one error class of the SDK. Its `message` is upstream's envelope
 * `<<meshos-sdk-kind:KIND>>MSG`, so code written against net-mesh's bindings parses it unchanged.
 *
 * @module
 */

const MARKER = "<<meshos-sdk-kind:";
const TERMINATOR = ">>";

/** The kinds this SDK raises. Unknown kinds from elsewhere pass through `fromCaught` untouched. */
export type MeshOsSdkErrorKind =
  | "register_failed"
  | "queue_full"
  | "loop_closed"
  | "already_shutdown"
  | "shutdown_failed"
  | "invalid_config"
  | "invalid_log_level"
  | "invalid_daemon"
  | "invalid_capabilities"
  | "invalid_argument"
  | "unknown_daemon"
  | "invalid_transition"
  | "backend_unavailable"
  | "bus_unavailable"
  | "resource_exhausted"
  | "unknown_node"
  | "unauthorized";

/**
 * An SDK failure with a machine-readable `kind`.
 *
 * @example
 * ```ts
 * try {
 *   await handle.publishLog("verbose" as never, "x");
 * } catch (err) {
 *   if (err instanceof MeshOsSdkError && err.kind === "invalid_log_level") console.log(err.detail);
 * }
 * ```
 */
export class MeshOsSdkError extends Error {
  /** Lowercase, underscore-separated discriminator, e.g. `already_shutdown`. */
  readonly kind: string;
  /** The message without the envelope. */
  readonly detail: string;

  constructor(kind: MeshOsSdkErrorKind | (string & Record<never, never>), detail: string) {
    super(`${MARKER}${kind}${TERMINATOR}${detail}`);
    this.name = "MeshOsSdkError";
    this.kind = kind;
    this.detail = detail;
    Object.setPrototypeOf(this, new.target.prototype);
  }

  /**
   * Normalises anything caught: a `MeshOsSdkError` is returned as is; an `Error` whose message
   * carries the envelope becomes a `MeshOsSdkError` (text before the marker is discarded); any other
   * `Error` is returned unchanged; a non-`Error` becomes `new Error(String(value))`.
   */
  static fromCaught(caught: unknown): MeshOsSdkError | Error {
    if (caught instanceof MeshOsSdkError) return caught;
    if (!(caught instanceof Error)) return new Error(thrownText(caught));
    const parsed = parseEnvelope(caught.message);
    return parsed ? new MeshOsSdkError(parsed.kind, parsed.detail) : caught;
  }
}

/** Extracts `{kind, detail}` from an envelope string, or `null` when marker or terminator is missing. */
export function parseEnvelope(text: string): { kind: string; detail: string } | null {
  const start = text.indexOf(MARKER);
  if (start < 0) return null;
  const kindStart = start + MARKER.length;
  const end = text.indexOf(TERMINATOR, kindStart);
  if (end < 0) return null;
  return { kind: text.slice(kindStart, end), detail: text.slice(end + TERMINATOR.length) };
}

/**
 * Renders a received value for an error message: strings quoted, bigints with `n`, binary values
 * by type and size (read through the intrinsic getters, so a spoofed `length` cannot lie), other
 * objects as JSON. Never throws, whatever the value (proxies, throwing getters, no prototype).
 *
 * @example
 * ```ts
 * describeValue(new Uint16Array(4)); // "a Uint16Array(4)"
 * describeValue(Promise.resolve()); // "a Promise"
 * describeValue(Object.create(null)); // "{}"
 * ```
 */
export function describeValue(value: unknown): string {
  try {
    return describeUnsafe(value);
  } catch {
    return "a value that cannot be shown";
  }
}

const typedArrayLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), "length")!.get!;
const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag)!.get!;
const arrayBufferBytes = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")!.get!;
const dataViewBytes = Object.getOwnPropertyDescriptor(DataView.prototype, "byteLength")!.get!;

function describeUnsafe(value: unknown): string {
  if (typeof value === "string") return clip(JSON.stringify(value));
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return value.toString();
  if (value === undefined) return "undefined";
  if (typeof value !== "object" || value === null) return String(value);
  const tag = ArrayBuffer.isView(value) ? typedArrayTag.call(value) as string | undefined : undefined;
  if (tag === "Uint8Array") return `a Uint8Array of ${typedArrayLength.call(value)} bytes`;
  if (tag !== undefined) return `a ${tag}(${typedArrayLength.call(value)})`;
  if (value instanceof DataView) return `a DataView of ${dataViewBytes.call(value)} bytes`;
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${arrayBufferBytes.call(value)} bytes`;
  if (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer) return "a SharedArrayBuffer";
  if (value instanceof Promise) return "a Promise";
  try {
    return clip(JSON.stringify(value, (_k, v) => typeof v === "bigint" ? `${v}n` : v) ?? Object.prototype.toString.call(value));
  } catch {
    return "an object JSON cannot show (a cycle, or a throwing toJSON)";
  }
}

/**
 * The text of anything thrown: an `Error`'s message, else the value as `describeValue` shows it.
 * Never throws (daemon code may throw values with no prototype, or errors whose `message` throws).
 *
 * @example
 * ```ts
 * thrownText(new Error("boom")); // "boom"
 * thrownText({ code: 7 }); // '{"code":7}'
 * ```
 */
export function thrownText(thrown: unknown): string {
  try {
    if (thrown instanceof Error) return String(thrown.message);
    if (typeof thrown === "string") return thrown;
  } catch {
    // a message getter that throws: fall through to the value itself
  }
  return describeValue(thrown);
}

const MAX_SHOWN_CHARS = 120;

function clip(text: string): string {
  return text.length <= MAX_SHOWN_CHARS ? text : `${text.slice(0, MAX_SHOWN_CHARS)}…`;
}
