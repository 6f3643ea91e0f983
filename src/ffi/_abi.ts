/**
 * The C ABI of `zig/src/root.zig`, described once for the three hosts that call it (`bun:ffi`,
 * `Deno.dlopen`, WebAssembly): symbol signatures, status codes, and the errors they become.
 *
 * @module
 */

import { MeshOsSdkError } from "../errors/meshos_sdk_error.ts";

/** The ABI version this TypeScript speaks; the library must report the same. */
export const ABI_VERSION = 3;

/** Parameter kinds: 32-bit integers, doubles and memory (no 64-bit integers: they miss the fast
 * FFI path in Deno and need BigInts in wasm). */
export type AbiParam = "u32" | "f64" | "buffer";
/** Result kinds: a status or count, or a pointer. */
export type AbiResult = "u32" | "pointer";

/** One exported function. */
export interface AbiSymbol {
  readonly parameters: readonly AbiParam[];
  readonly result: AbiResult;
}

/** Every export of libmeshos / meshos.wasm. */
export const ABI_SYMBOLS = {
  meshos_abi_version: { parameters: [], result: "u32" },
  meshos_ring_create: { parameters: ["u32", "u32", "buffer"], result: "u32" },
  meshos_ring_close: { parameters: ["u32"], result: "u32" },
  meshos_ring_destroy: { parameters: ["u32"], result: "u32" },
  meshos_ring_data: { parameters: ["u32"], result: "pointer" },
  meshos_ring_info: { parameters: ["u32", "buffer"], result: "u32" },
  meshos_ring_depth: { parameters: ["u32", "buffer"], result: "u32" },
  meshos_ring_push: { parameters: ["u32", "buffer", "u32", "u32"], result: "u32" },
  meshos_ring_push_frames: { parameters: ["u32", "buffer", "u32", "buffer"], result: "u32" },
  meshos_ring_claim: { parameters: ["u32", "buffer", "u32", "u32", "buffer", "buffer"], result: "u32" },
  meshos_ring_commit: { parameters: ["u32", "u32", "u32"], result: "u32" },
  meshos_ring_read: { parameters: ["u32", "u32", "buffer"], result: "u32" },
  meshos_ring_release: { parameters: ["u32", "u32", "buffer"], result: "u32" },
  meshos_ring_pop_frames: { parameters: ["u32", "buffer", "u32", "u32", "buffer"], result: "u32" },
  meshos_log_create: { parameters: ["u32", "u32", "buffer"], result: "u32" },
  meshos_log_destroy: { parameters: ["u32"], result: "u32" },
  meshos_log_append: {
    parameters: ["u32", "u32", "u32", "u32", "u32", "f64", "buffer", "u32", "buffer"],
    result: "u32",
  },
  meshos_log_stats: { parameters: ["u32", "buffer"], result: "u32" },
  meshos_log_read: { parameters: ["u32", "buffer", "u32", "buffer"], result: "u32" },
  meshos_buffer_create: { parameters: ["u32", "buffer"], result: "u32" },
  meshos_buffer_data: { parameters: ["u32"], result: "pointer" },
  meshos_buffer_destroy: { parameters: ["u32"], result: "u32" },
} as const satisfies Record<string, AbiSymbol>;

/** Names of the exports. */
export type AbiName = keyof typeof ABI_SYMBOLS;

/**
 * The exports as a host exposes them. Memory arguments are whatever the host passes for memory
 * (a TypedArray for FFI, a byte offset for wasm).
 */
export type AbiFunctions = { readonly [K in AbiName]: (...args: never[]) => unknown };

/** `Status` of `zig/src/root.zig`. */
export const Status = {
  ok: 0,
  full: 1,
  null_handle: 2,
  bad_handle: 3,
  bad_length: 4,
  bad_capacity: 5,
  bad_type: 6,
  bad_argument: 7,
  buffer_too_small: 8,
  out_of_memory: 9,
  too_many_handles: 10,
  corrupt: 11,
  claim_outstanding: 12,
} as const;

const STATUS_NAMES: readonly string[] = Object.keys(Status);

/** The name of a status code, e.g. `bad_length`, or `unknown status N`. */
export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `unknown status ${status}`;
}

/** How many objects the library's handle table holds at once (`zig/src/handles.zig`). */
export const HANDLE_SLOTS = 1 << 20;

/**
 * The error for a failed call, by whose fault it is: `invalid_argument` for what the caller got
 * wrong (lengths, types, capacities, handles), `queue_full` for a ring at capacity,
 * `resource_exhausted` for a real limit reached (memory, or every one of the library's
 * {@link HANDLE_SLOTS} handles in use), and `backend_unavailable` for what the library cannot do
 * (a corrupt ring, or an answer this TypeScript does not expect). `what` names the call and the
 * value, e.g. `meshos_ring_push(payload of 99 bytes)`.
 *
 * @example
 * ```ts
 * statusError(Status.bad_length, "meshos_ring_push(payload of 99 bytes)", "ok or full").kind; // "invalid_argument"
 * ```
 */
export function statusError(status: number, what: string, expected: string): MeshOsSdkError {
  const detail = `${what} failed with ${statusName(status)}; expected ${expected}`;
  switch (status) {
    case Status.null_handle:
    case Status.bad_handle:
    case Status.bad_length:
    case Status.bad_capacity:
    case Status.bad_type:
    case Status.bad_argument:
      return new MeshOsSdkError("invalid_argument", detail);
    case Status.full:
      return new MeshOsSdkError("queue_full", detail);
    case Status.out_of_memory:
      return new MeshOsSdkError("resource_exhausted", `${detail} (the library could not allocate the memory asked for)`);
    case Status.too_many_handles:
      return new MeshOsSdkError("resource_exhausted", `${detail} (all ${HANDLE_SLOTS} handles of the library are in use)`);
    default:
      return new MeshOsSdkError("backend_unavailable", detail);
  }
}

/**
 * The error of a backend that cannot load or cannot go on: `backend_unavailable`, naming the
 * backend asked for and why.
 *
 * @example
 * ```ts
 * throw unavailableError("wasm", "/x/meshos.wasm speaks ABI 1; expected ABI 2 (rebuild zig/)");
 * ```
 */
export function unavailableError(backend: string, why: string, cause?: unknown): MeshOsSdkError {
  const error = new MeshOsSdkError("backend_unavailable", `the ${backend} backend is unavailable: ${why}`);
  if (cause !== undefined) error.cause = cause;
  return error;
}
