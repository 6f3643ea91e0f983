/**
 * The ring backends the ring suites run against: every one that loads here. A backend whose
 * artifact is built (zig/zig-out) must load; if it does not, `expectedFailures` says why and the
 * suites fail on it.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { libraryPath, wasmPath } from "../src/ffi/_artifacts.ts";
import { type BackendChoice, loadEveryBackend } from "../src/ffi/load.ts";
import type { RingBackend } from "../src/ffi/ring_backend.ts";

const every = await loadEveryBackend();

/** Backends that loaded, native first. */
export const backends: RingBackend[] = every.loaded;

/** Backends whose artifact exists but which did not load, with the reason. */
export const expectedFailures: [BackendChoice, Error][] = [];
if (existsSync(libraryPath()) && every.failures.has("native")) {
  expectedFailures.push(["native", every.failures.get("native")!]);
}
if (existsSync(wasmPath()) && every.failures.has("wasm")) {
  expectedFailures.push(["wasm", every.failures.get("wasm")!]);
}
