/**
 * The wasm backend: the Zig rings compiled to wasm32-freestanding.
 *
 * @module
 */

import type { RingBackend } from "./ring_backend.ts";

/** Instantiates `zig-out/bin/meshos.wasm`; throws an Error saying why when it cannot. */
export async function loadWasmBackend(): Promise<RingBackend> {
  throw new Error("the wasm backend is not built into this version yet");
}
