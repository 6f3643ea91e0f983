/**
 * The native backend for whichever runtime is running: `bun:ffi` under Bun, `Deno.dlopen` under
 * Deno. Each adapter is imported only on its own runtime.
 *
 * @module
 */

import type { RingBackend } from "./ring_backend.ts";

/** Opens the Zig library through this runtime's FFI; throws an Error saying why when it cannot. */
export async function loadNativeBackend(): Promise<RingBackend> {
  throw new Error("the native backend is not built into this version yet");
}
