/**
 * What a host of the Zig library (bun:ffi, Deno.dlopen, WebAssembly) provides to the shared ring
 * code in `_abi_rings.ts`: callable exports and memory the library can read and write.
 *
 * @module
 */

import type { AbiName } from "./_abi.ts";
import type { BackendName } from "./ring_backend.ts";

/** An export as the shared code calls it: integers, bigints and memory arguments in, a `u32` out. */
export type AbiCall = (...args: unknown[]) => number;

/** The exports returning a status (all but the two returning pointers, which hosts call). */
export type AbiCalls = { readonly [K in Exclude<AbiName, "meshos_ring_data" | "meshos_buffer_data">]: AbiCall };

/**
 * A block of memory both sides can use. Views are functions because wasm memory can grow, which
 * detaches views made before; native views never change.
 */
export interface HostMemory {
  /** What to pass for this memory as a call argument (a TypedArray for FFI, an offset for wasm). */
  readonly arg: unknown;
  readonly byteLength: number;
  u8(): Uint8Array;
  u32(): Uint32Array;
  u64(): BigUint64Array;
  /** Gives the memory back (a no-op for JS-owned memory). Idempotent. */
  free(): void;
  /**
   * When views of this memory can outlive whoever made them and reach it after it is freed (FFI
   * memory of the library): the ArrayBuffer every such view keeps alive — once it is collected,
   * no view is left. Null when no view can reach freed memory (JS-owned or wasm memory).
   */
  readonly pins: ArrayBuffer | null;
}

/** A loaded library, ready to back rings. */
export interface AbiHost {
  readonly name: BackendName;
  readonly calls: AbiCalls;
  /**
   * Whether a caller's `Uint8Array` is passed straight to the library (bun:ffi, where that is as
   * fast as a precomputed pointer); when false (wasm, which cannot see JS memory, and Deno, where a
   * per-call TypedArray argument is slow), payloads are written into ring memory through a view.
   */
  readonly passesJsMemory: boolean;
  /** Memory of at least `bytes` bytes that calls can read and write. */
  allocate(bytes: number): HostMemory;
  /** A view of a ring's data region (`bytes` long); valid until the ring is destroyed. */
  ringRegion(handle: number, bytes: number): HostMemory;
  /**
   * Calls `meshos_ring_push_frames` on caller memory (`frames`, for a ring of `capacityBytes`),
   * writing the count pushed to `out`; returns the status. Hosts that cannot pass JS memory copy
   * what can fit into library memory first.
   */
  pushFrames(handle: number, frames: Uint8Array, capacityBytes: number, out: unknown): number;
}

/** JS-owned memory for FFI hosts: the TypedArray itself is the pointer argument. */
export function jsMemory(bytes: number): HostMemory {
  const buffer = new ArrayBuffer(Math.ceil(bytes / 8) * 8);
  const u8 = new Uint8Array(buffer);
  const u32 = new Uint32Array(buffer);
  const u64 = new BigUint64Array(buffer);
  return {
    arg: u8,
    byteLength: bytes,
    u8: () => u8,
    u32: () => u32,
    u64: () => u64,
    free: () => {},
    pins: null,
  };
}

/** Views over memory owned by the library at a fixed address (FFI): never detached. */
export function fixedMemory(buffer: ArrayBuffer, free: () => void = () => {}): HostMemory {
  const u8 = new Uint8Array(buffer);
  const u32 = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
  const u64 = new BigUint64Array(buffer, 0, buffer.byteLength >>> 3);
  return { arg: u8, byteLength: buffer.byteLength, u8: () => u8, u32: () => u32, u64: () => u64, free, pins: buffer };
}
