/**
 * The Bun host of the Zig library: `bun:ffi` `dlopen`, imported through a non-literal specifier
 * so Deno never resolves it. The library is opened once per JS thread; typed arrays are passed
 * straight as pointers (never a cached `ptr()`, which goes stale for small inline arrays); ring
 * memory is viewed with `toArrayBuffer` and the views are dropped before the ring is destroyed.
 *
 * @module
 */

import { byteLengthOf } from "../contract/byte_view.ts";
import { existsSync } from "node:fs";
import { ABI_SYMBOLS, ABI_VERSION, type AbiParam, unavailableError } from "./_abi.ts";
import { type AbiCall, type AbiCalls, type AbiHost, fixedMemory, type HostMemory, jsMemory } from "./_abi_host.ts";
import { type AbiRingBackend, createAbiBackend } from "./_abi_rings.ts";
import { BUILD_HINT, isRemote, libraryPath } from "./_artifacts.ts";

/** The corner of `bun:ffi` used here. */
interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => unknown>; close(): void };
  toArrayBuffer(pointer: number, byteOffset: number, byteLength: number): ArrayBuffer;
}

const BUN_TYPES: Record<AbiParam | "pointer", string> = {
  u32: "u32",
  f64: "f64",
  buffer: "ptr",
  pointer: "ptr",
};

/** How the errors name this backend: the family asked for and the host serving it. */
const BACKEND = "native (bun-ffi)";

let loading: Promise<AbiRingBackend> | undefined;

/**
 * Opens the library with `bun:ffi` (once per JS thread); throws `backend_unavailable` saying why
 * when it cannot (not Bun, no library, not loadable, wrong ABI).
 *
 * @example
 * ```ts
 * const backend = await loadBunBackend();
 * console.log(backend.name); // "bun-ffi"
 * ```
 */
export function loadBunBackend(): Promise<AbiRingBackend> {
  loading ??= open().catch((cause) => {
    loading = undefined;
    throw cause;
  });
  return loading;
}

async function open(): Promise<AbiRingBackend> {
  if (!("Bun" in globalThis)) throw unavailableError(BACKEND, "bun:ffi needs Bun; expected to run under Bun");
  const path = libraryPath();
  if (isRemote(path)) {
    throw unavailableError(BACKEND, `bun:ffi opens local files; the library is at ${path} (install the npm package: bun add @meshos/sdk)`);
  }
  if (!existsSync(path)) {
    throw unavailableError(BACKEND, `no native library at ${path}; expected one there (${BUILD_HINT})`);
  }
  const specifier = "bun:ffi";
  const ffi = (await import(specifier)) as BunFfi;
  const definitions = Object.fromEntries(
    Object.entries(ABI_SYMBOLS).map(([name, symbol]) => [name, {
      args: symbol.parameters.map((p) => BUN_TYPES[p]),
      returns: BUN_TYPES[symbol.result],
    }]),
  );
  let library: ReturnType<BunFfi["dlopen"]>;
  try {
    library = ffi.dlopen(path, definitions);
  } catch (cause) {
    throw unavailableError(BACKEND, `dlopen(${path}) failed: ${(cause as Error).message}; expected the MeshOS library built from zig/`, cause);
  }
  const symbols = library.symbols;
  const calls = symbols as unknown as AbiCalls;
  const version = symbols.meshos_abi_version() as number;
  if (version !== ABI_VERSION) {
    library.close();
    throw unavailableError(BACKEND, `${path} speaks ABI ${version}; expected ABI ${ABI_VERSION} (${BUILD_HINT})`);
  }
  const host: AbiHost = {
    name: "bun-ffi",
    calls,
    passesJsMemory: true,
    allocate: jsMemory,
    ringRegion(handle: number, bytes: number): HostMemory {
      const pointer = (symbols.meshos_ring_data as AbiCall)(handle);
      if (!pointer) throw unavailableError(BACKEND, `meshos_ring_data(${handle}) returned null; expected a live ring`);
      return fixedMemory(ffi.toArrayBuffer(pointer, 0, bytes));
    },
    pushFrames(handle: number, frames: Uint8Array, _capacityBytes: number, out: unknown): number {
      return calls.meshos_ring_push_frames(handle, frames, byteLengthOf(frames), out);
    },
  };
  return createAbiBackend(host);
}
