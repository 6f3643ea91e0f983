/**
 * The trivial daemon of `bench/sdk_bench.ts`, as a module a Worker can load: one output per
 * event, its payload.
 *
 * @module
 */

import type { CausalEvent, MeshOsDaemon } from "../mod.ts";

/** Echoes each payload. */
export const echo: Omit<MeshOsDaemon, "name"> = {
  process: (event: CausalEvent) => [event.payload],
};
