/**
 * The Deno host of the Zig library: `Deno.dlopen` (needs `--allow-ffi`), typed through a small
 * local interface so the file also type-checks without Deno's global types. Opened once per JS
 * thread; memory is passed as pointers computed once per buffer, payloads are written straight
 * into ring memory (claim, copy, commit); ring memory is viewed through
 * `Deno.UnsafePointerView.getArrayBuffer` and the views are dropped before the ring is destroyed.
 *
 * @module
 */

import { byteLengthOf } from "../contract/byte_view.ts";
import { existsSync } from "node:fs";
import { ABI_SYMBOLS, ABI_VERSION, unavailableError } from "./_abi.ts";
import { type AbiCalls, type AbiHost, fixedMemory, type HostMemory, jsMemory } from "./_abi_host.ts";
import { type AbiRingBackend, createAbiBackend } from "./_abi_rings.ts";
import { BUILD_HINT, isRemote, libraryPath } from "./_artifacts.ts";
import { cachedLibrary, cachedLibraryPath } from "./remote_library.ts";
import { permissionGranted } from "./_runtime_env.ts";

/** The corner of the `Deno` namespace used here. */
interface DenoFfi {
  dlopen(
    path: string,
    symbols: Record<string, { name?: string; parameters: readonly string[]; result: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => unknown>; close(): void };
  UnsafePointerView: { getArrayBuffer(pointer: object, byteLength: number, offset?: number): ArrayBuffer };
  UnsafePointer: { of(buffer: ArrayBufferView): object | null };
}

const PUSH_CALLER_FRAMES = "meshos_ring_push_caller_frames";

/**
 * Memory arguments are declared `pointer` and passed as pointers computed once per buffer: a
 * TypedArray passed as `buffer` costs several times more per call (toolchain.md).
 */
const DENO_SYMBOLS: Record<string, { name?: string; parameters: readonly string[]; result: string }> = {
  ...Object.fromEntries(
    Object.entries(ABI_SYMBOLS).map(([name, symbol]) => [name, {
      parameters: symbol.parameters.map((p) => p === "buffer" ? "pointer" : p),
      result: symbol.result,
    }]),
  ),
  // Frames come from the caller, a different buffer each time: passed as a TypedArray (one call
  // per batch; `UnsafePointer.of` on each would cost far more).
  [PUSH_CALLER_FRAMES]: { name: "meshos_ring_push_frames", parameters: ["u32", "buffer", "u32", "pointer"], result: "u32" },
};

/** JS-owned memory passed by a pointer computed once (the views keep the buffer alive). */
function pointerMemory(deno: DenoFfi, bytes: number): HostMemory {
  const memory = jsMemory(bytes);
  const pointer = deno.UnsafePointer.of(memory.u8());
  return { ...memory, arg: pointer };
}

/** How the errors name this backend: the family asked for and the host serving it. */
const BACKEND = "native (deno-ffi)";

let loading: Promise<AbiRingBackend> | undefined;

/**
 * Opens the library with `Deno.dlopen` (once per JS thread); throws `backend_unavailable` saying
 * why when it cannot (not Deno, no `--allow-ffi`, no library, not loadable, wrong ABI).
 *
 * @example
 * ```ts
 * const backend = await loadDenoBackend();
 * console.log(backend.name); // "deno-ffi"
 * ```
 */
export function loadDenoBackend(): Promise<AbiRingBackend> {
  loading ??= localLibrary().then(open).catch((cause) => {
    loading = undefined;
    throw cause;
  });
  return loading;
}

/** The library as a local file: this package's, or — imported over the network — a cached copy of it. */
async function localLibrary(): Promise<string> {
  const location = libraryPath();
  if (!isRemote(location)) return location;
  const host = new URL(location).host;
  const cache = cachedLibraryPath(location);
  if (!permissionGranted({ name: "net", host }) || !permissionGranted({ name: "write", path: cache }) || !permissionGranted({ name: "read", path: cache })) {
    throw unavailableError(
      BACKEND,
      `the library of a package imported from ${host} is copied to ${cache} before Deno.dlopen; expected --allow-net=${host}, and --allow-read and --allow-write for that file`,
    );
  }
  try {
    return await cachedLibrary(location);
  } catch (cause) {
    throw unavailableError(BACKEND, `cannot fetch ${location} into ${cache} (${(cause as Error).message})`, cause);
  }
}

function open(path: string): AbiRingBackend {
  const deno = (globalThis as { Deno?: DenoFfi }).Deno;
  if (deno === undefined || "Bun" in globalThis) {
    throw unavailableError(BACKEND, "Deno.dlopen needs Deno; expected to run under Deno");
  }
  // Asking would block on a prompt in a terminal: only proceed when already granted.
  if (!permissionGranted({ name: "ffi", path })) {
    throw unavailableError(BACKEND, `opening ${path} needs --allow-ffi; expected the ffi permission granted`);
  }
  if (!existsSync(path)) {
    throw unavailableError(BACKEND, `no native library at ${path}; expected one there (${BUILD_HINT})`);
  }
  let library: ReturnType<DenoFfi["dlopen"]>;
  try {
    library = deno.dlopen(path, DENO_SYMBOLS);
  } catch (cause) {
    throw unavailableError(BACKEND, `Deno.dlopen(${path}) failed: ${(cause as Error).message}; expected the MeshOS library built from zig/`, cause);
  }
  const symbols = library.symbols;
  const pushCallerFrames = symbols[PUSH_CALLER_FRAMES] as (...args: unknown[]) => number;
  const version = symbols.meshos_abi_version() as number;
  if (version !== ABI_VERSION) {
    library.close();
    throw unavailableError(BACKEND, `${path} speaks ABI ${version}; expected ABI ${ABI_VERSION} (${BUILD_HINT})`);
  }
  const host: AbiHost = {
    name: "deno-ffi",
    calls: symbols as unknown as AbiCalls,
    passesJsMemory: false,
    allocate: (bytes) => pointerMemory(deno, bytes),
    ringRegion(handle: number, bytes: number): HostMemory {
      const pointer = symbols.meshos_ring_data(handle) as object | null;
      if (pointer === null) {
        throw unavailableError(BACKEND, `meshos_ring_data(${handle}) returned null; expected a live ring`);
      }
      return fixedMemory(deno.UnsafePointerView.getArrayBuffer(pointer, bytes));
    },
    pushFrames(handle: number, frames: Uint8Array, _capacityBytes: number, out: unknown): number {
      return pushCallerFrames(handle, frames, byteLengthOf(frames), out);
    },
  };
  return createAbiBackend(host);
}
