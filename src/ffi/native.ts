/**
 * The native backend for whichever runtime is running: `bun:ffi` under Bun, `Deno.dlopen` under
 * Deno. Each adapter is imported only on its own runtime.
 *
 * @module
 */

import { unavailableError } from "./_abi.ts";
import { isBun, isDeno } from "./_runtime_env.ts";
import type { AbiRingBackend } from "./_abi_rings.ts";

/**
 * Opens the Zig library through this runtime's FFI (once per JS thread); throws
 * `backend_unavailable` saying why when it cannot. Its rings can be shared with other Workers (`ringHandle`, `attachRing`).
 *
 * @example
 * ```ts
 * const backend = await loadNativeBackend(); // backend.name: "bun-ffi" or "deno-ffi"
 * ```
 */
export async function loadNativeBackend(): Promise<AbiRingBackend> {
  if (isBun()) return await (await import("./bun.ts")).loadBunBackend();
  if (isDeno()) return await (await import("./deno.ts")).loadDenoBackend();
  throw unavailableError("native", "this runtime has no FFI; expected Bun or Deno");
}
