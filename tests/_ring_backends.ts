/**
 * The ring backends the ring suites run against: every one that loads here. The test script
 * builds zig/ (scripts/setup.sh), so every backend must load: each suite's first test calls
 * {@link assertEveryBackendLoaded}, which fails naming the backend that did not and why (a missing
 * backend is never skipped).
 *
 * @module
 */

import assert from "node:assert/strict";
import { runtimeName } from "./_harness.ts";
import { loadEveryBackend } from "../src/ffi/load.ts";
import type { RingBackend } from "../src/ffi/ring_backend.ts";

const every = await loadEveryBackend();

/** Backends that loaded, native first. */
export const backends: RingBackend[] = every.loaded;

/** Fails unless native (this runtime's FFI), wasm and js all loaded, saying why one did not. */
export function assertEveryBackendLoaded(): void {
  assert.deepEqual([...every.failures].map(([choice, err]) => `${choice}: ${err.message}`), []);
  assert.deepEqual(backends.map((b) => b.name), [runtimeName === "bun" ? "bun-ffi" : "deno-ffi", "wasm", "js"]);
}
