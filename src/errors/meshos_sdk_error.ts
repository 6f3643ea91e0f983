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
  | "bus_unavailable";

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
    if (!(caught instanceof Error)) return new Error(String(caught));
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

/** Renders a received value for an error message: strings quoted, bigints with `n`, objects as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return clip(JSON.stringify(value));
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (value === undefined) return "undefined";
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`;
  if (typeof value === "object" && value !== null) {
    try {
      return clip(JSON.stringify(value, (_k, v) => typeof v === "bigint" ? `${v}n` : v) ?? String(value));
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}

const MAX_SHOWN_CHARS = 120;

function clip(text: string): string {
  return text.length <= MAX_SHOWN_CHARS ? text : `${text.slice(0, MAX_SHOWN_CHARS)}…`;
}
