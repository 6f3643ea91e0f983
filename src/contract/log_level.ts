/**
 * Log level parsing, with upstream's accepted spellings and its exact rejection message.
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import type { LogLevel } from "./types.ts";

/** Levels in order; the index is the numeric level stored in the log ring. */
export const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error"];

/** A log level as the log ring stores it: 0 trace, 1 debug, 2 info, 3 warn, 4 error. */
export type LogSeverity = 0 | 1 | 2 | 3 | 4;

/** Numeric level of `info` records. */
export const LOG_INFO: LogSeverity = 2;
/** Numeric level of `warn` records. */
export const LOG_WARN: LogSeverity = 3;
/** Numeric level of `error` records. */
export const LOG_ERROR: LogSeverity = 4;

const SPELLINGS: ReadonlyMap<string, LogSeverity> = new Map([
  ["trace", 0], ["TRACE", 0], ["Trace", 0],
  ["debug", 1], ["DEBUG", 1], ["Debug", 1],
  ["info", 2], ["INFO", 2], ["Info", 2],
  ["warn", 3], ["WARN", 3], ["Warn", 3], ["warning", 3], ["WARNING", 3],
  ["error", 4], ["ERROR", 4], ["Error", 4],
]);

/** The numeric level (0 trace … 4 error) of `level`, or `invalid_log_level`. */
export function parseLogLevel(level: unknown): LogSeverity {
  const parsed = typeof level === "string" ? SPELLINGS.get(level) : undefined;
  if (parsed === undefined) {
    const shown = typeof level === "string" ? JSON.stringify(level) : describeValue(level);
    throw new MeshOsSdkError(
      "invalid_log_level",
      `log level must be one of trace|debug|info|warn|error; got ${shown}`,
    );
  }
  return parsed;
}
