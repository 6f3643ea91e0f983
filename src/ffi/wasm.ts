/**
 * The wasm backend: the same Zig rings compiled to wasm32-freestanding, instantiated from
 * `zig/zig-out/bin/meshos.wasm` (or `MESHOS_WASM`). One instance per JS thread; its memory is not
 * shared, so these rings are not for cross-Worker use (the js backend is).
 *
 * Payload views handed to a `popBatch` visitor point into wasm memory: creating a ring or log ring
 * inside the visitor may grow that memory, which detaches the views already handed out (copy a
 * payload before creating rings from a visitor). Later records of the same batch are unaffected.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { ABI_SYMBOLS, ABI_VERSION, type AbiName, Status, statusError, unavailableError } from "./_abi.ts";
import type { AbiCall, AbiCalls, AbiHost, HostMemory } from "./_abi_host.ts";
import { createAbiBackend } from "./_abi_rings.ts";
import { BUILD_HINT, isRemote, wasmPath } from "./_artifacts.ts";
import { fetchBytes } from "./remote_library.ts";
import { checkFrames, framePrefixBytes, maxPayloadBytesFor } from "./_ring_format.ts";
import { permissionGranted } from "./_runtime_env.ts";
import type { RingBackend } from "./ring_backend.ts";

const PAGE_BYTES = 65536;

/** Views over `bytes` bytes at `pointer` in wasm memory, re-made after the memory grows. */
class WasmMemory implements HostMemory {
  readonly arg: number;
  readonly byteLength: number;
  /** Views of wasm memory never reach freed host memory: freeing is never deferred. */
  readonly pins = null;
  readonly #memory: WebAssembly.Memory;
  readonly #free: () => void;
  #u8 = new Uint8Array(0);
  #u32 = new Uint32Array(0);
  #u64 = new BigUint64Array(0);
  #freed = false;

  constructor(memory: WebAssembly.Memory, pointer: number, bytes: number, free: () => void) {
    this.#memory = memory;
    this.arg = pointer;
    this.byteLength = bytes;
    this.#free = free;
  }

  #refresh(): void {
    if (this.#freed) {
      // Only closing a ring frees memory a view may still be held for.
      throw new MeshOsSdkError(
        "loop_closed",
        `wasm memory at ${this.arg} (${this.byteLength} bytes) used after it was freed; expected the memory of an open ring`,
      );
    }
    const buffer = this.#memory.buffer;
    this.#u8 = new Uint8Array(buffer, this.arg, this.byteLength);
    this.#u32 = new Uint32Array(buffer, this.arg, this.byteLength >>> 2);
    this.#u64 = new BigUint64Array(buffer, this.arg, this.byteLength >>> 3);
  }

  // A grown memory detaches earlier views, which then report length 0.
  u8(): Uint8Array {
    if (this.#u8.length === 0) this.#refresh();
    return this.#u8;
  }

  u32(): Uint32Array {
    if (this.#u32.length === 0) this.#refresh();
    return this.#u32;
  }

  u64(): BigUint64Array {
    if (this.#u64.length === 0) this.#refresh();
    return this.#u64;
  }

  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#free();
  }
}

function wasmHost(instance: WebAssembly.Instance, path: string): AbiHost {
  const exports = instance.exports as Record<string, unknown>;
  const memory = exports.memory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw unavailableError("wasm", `${path} exports no memory; expected a memory export (${BUILD_HINT})`);
  }
  for (const name of Object.keys(ABI_SYMBOLS)) {
    if (typeof exports[name] !== "function") {
      throw unavailableError("wasm", `${path} lacks the export ${name}; expected every ABI export (${BUILD_HINT})`);
    }
  }
  const call = (name: AbiName) => exports[name] as AbiCall;
  const calls = Object.fromEntries(Object.keys(ABI_SYMBOLS).map((n) => [n, call(n as AbiName)])) as AbiCalls;
  // One page grown by JS itself holds the out-parameter of buffer creation: Zig's allocator only
  // hands out pages it grew, so this page is ours.
  const bootPointer = memory.grow(1) * PAGE_BYTES;
  const boot = new WasmMemory(memory, bootPointer, 8, () => {});
  let framesScratch: HostMemory | undefined; // caller frames are copied here for pushFrames
  return {
    name: "wasm",
    calls,
    passesJsMemory: false,
    allocate(bytes: number): HostMemory {
      const size = Math.max(8, Math.ceil(bytes / 8) * 8);
      const status = calls.meshos_buffer_create(size, boot.arg);
      if (status !== Status.ok) throw statusError(status, `meshos_buffer_create(${size} bytes)`, "ok");
      const handle = boot.u32()[0];
      const pointer = call("meshos_buffer_data")(handle);
      return new WasmMemory(memory, pointer, size, () => calls.meshos_buffer_destroy(handle));
    },
    ringRegion(handle: number, bytes: number): HostMemory {
      const pointer = call("meshos_ring_data")(handle);
      if (pointer === 0) throw unavailableError("wasm", `meshos_ring_data(${handle}) returned null; expected a live ring`);
      return new WasmMemory(memory, pointer, bytes, () => {});
    },
    pushFrames(handle: number, frames: Uint8Array, capacityBytes: number, out: unknown): number {
      // wasm sees only its own memory: check every frame here, copy in what can fit (at most a
      // ring's worth of whole frames), and let the library check and push that.
      checkFrames(frames, maxPayloadBytesFor(capacityBytes));
      const bytes = framePrefixBytes(frames, capacityBytes);
      if (framesScratch === undefined || framesScratch.byteLength < bytes) {
        framesScratch?.free();
        framesScratch = undefined; // not kept if the allocation below throws
        framesScratch = this.allocate(2 ** Math.ceil(Math.log2(Math.max(bytes, 4096))));
      }
      framesScratch.u8().set(frames.subarray(0, bytes));
      return calls.meshos_ring_push_frames(handle, framesScratch.arg, bytes, out);
    },
  };
}

let loading: Promise<RingBackend> | undefined;

/**
 * Instantiates the wasm module (once per JS thread); throws `backend_unavailable` saying why when
 * it cannot (no read permission, no file, not a MeshOS module, wrong ABI).
 *
 * @example
 * ```ts
 * const backend = await loadWasmBackend();
 * const ring = backend.createRing({ capacityBytes: 4096, producers: "single" });
 * ```
 */
export function loadWasmBackend(): Promise<RingBackend> {
  loading ??= instantiate().catch((cause) => {
    loading = undefined;
    throw cause;
  });
  return loading;
}

async function instantiate(): Promise<RingBackend> {
  const path = wasmPath();
  const remote = isRemote(path);
  const permission = remote ? { name: "net", host: new URL(path).host } : { name: "read", path };
  if (!permissionGranted(permission)) {
    throw unavailableError("wasm", remote
      ? `fetching ${path} needs net permission for ${new URL(path).host}; expected it granted (deno: --allow-net)`
      : `reading ${path} needs read permission; expected it granted (deno: --allow-read)`);
  }
  let bytes: Uint8Array;
  try {
    bytes = remote ? await fetchBytes(path) : await readFile(path);
  } catch (cause) {
    throw unavailableError("wasm", `cannot ${remote ? "fetch" : "read"} ${path} (${(cause as Error).message}); ${BUILD_HINT}`, cause);
  }
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>), {});
  } catch (cause) {
    const why = `${path} does not instantiate (${(cause as Error).message}); expected a wasm module (${BUILD_HINT})`;
    throw unavailableError("wasm", why, cause);
  }
  const host = wasmHost(instance, path);
  const version = host.calls.meshos_abi_version();
  if (version !== ABI_VERSION) {
    throw unavailableError("wasm", `${path} speaks ABI ${version}; expected ABI ${ABI_VERSION} (${BUILD_HINT})`);
  }
  return createAbiBackend(host);
}
