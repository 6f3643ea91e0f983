/**
 * The error of a bad `meshos` command-line argument, shared by the commands (kept apart from
 * them so a command loads only what it uses).
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";

/** A CLI argument's `invalid_argument`: the argument, what it received, what it expects. */
export function invalid(argument: string, value: unknown, expected: string): MeshOsSdkError {
  return new MeshOsSdkError("invalid_argument", `${argument}: received ${describeValue(value)}, expected ${expected}`);
}
