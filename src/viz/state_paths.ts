/**
 * Converts an XState state value into the dotted paths the `highlight` option takes.
 *
 * @module
 */

import type { StateValue } from "xstate";

/**
 * One dotted path per active leaf of a state value (several inside parallel states).
 *
 * @example
 * ```ts
 * statePaths("idle"); // ["idle"]
 * statePaths({ running: "backpressured" }); // ["running.backpressured"]
 * statePaths({ running: { a: "slow", b: "x" } }); // ["running.a.slow", "running.b.x"]
 * ```
 */
export function statePaths(value: StateValue): string[] {
  if (typeof value === "string") return [value];
  const paths: string[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined || (typeof inner === "object" && Object.keys(inner).length === 0)) {
      paths.push(key);
      continue;
    }
    for (const rest of statePaths(inner)) paths.push(`${key}.${rest}`);
  }
  return paths;
}
