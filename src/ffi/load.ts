/**
 * Picks the fastest ring backend that loads here: the Zig library through the runtime's FFI
 * (`bun:ffi` or `Deno.dlopen`), else the same Zig compiled to wasm32, else pure TypeScript.
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { unavailableError } from "./_abi.ts";
import { createJsBackend } from "./js.ts";
import { readEnv } from "./_runtime_env.ts";
import type { RingBackend } from "./ring_backend.ts";

/** A backend family: `native` is `bun-ffi` under Bun and `deno-ffi` under Deno. */
export type BackendChoice = "native" | "wasm" | "js";

/** Options of {@link loadRingBackend}. */
export interface LoadRingBackendOptions {
  /** Tried first; the others follow in the default order native → wasm → js. */
  prefer?: BackendChoice;
  /**
   * Told about each backend that was tried and did not load, with the reason (a
   * `backend_unavailable` error), before the next one is tried: how a caller makes a fallback
   * visible.
   */
  onFallback?: (choice: BackendChoice, reason: MeshOsSdkError) => void;
}

/** A faster backend passed over at start, and why it did not load. */
export interface BackendFallback {
  backend: BackendChoice;
  reason: string;
}

/** The default order of {@link loadRingBackend}. */
export const BACKEND_ORDER: readonly BackendChoice[] = ["native", "wasm", "js"];

/** The environment variable that forces one backend (`native`, `wasm` or `js`). */
export const BACKEND_ENV = "MESHOS_BACKEND";

function isChoice(value: unknown): value is BackendChoice {
  return value === "native" || value === "wasm" || value === "js";
}

/**
 * Loads exactly one backend family, or throws `backend_unavailable` naming it and saying why it
 * cannot load here (`invalid_argument` for a name that is no backend).
 *
 * @example
 * ```ts
 * const wasm = await loadBackend("wasm"); // throws if zig/zig-out/bin/meshos.wasm is missing
 * ```
 */
export async function loadBackend(choice: BackendChoice): Promise<RingBackend> {
  if (!isChoice(choice)) {
    throw new MeshOsSdkError(
      "invalid_argument",
      `backend: expected "native", "wasm" or "js", received ${describeValue(choice)}`,
    );
  }
  try {
    return await openBackend(choice);
  } catch (cause) {
    if (cause instanceof MeshOsSdkError && cause.kind === "backend_unavailable") throw cause;
    throw unavailableError(choice, cause instanceof Error ? cause.message : String(cause), cause);
  }
}

async function openBackend(choice: BackendChoice): Promise<RingBackend> {
  switch (choice) {
    case "native":
      return await (await import("./native.ts")).loadNativeBackend();
    case "wasm":
      return await (await import("./wasm.ts")).loadWasmBackend();
    case "js":
      return createJsBackend();
  }
}

/**
 * Loads the ring backend. `MESHOS_BACKEND=native|wasm|js` forces one (a forced backend that cannot
 * load throws `backend_unavailable`, saying why); otherwise `prefer` is tried first, then
 * native → wasm → js, and the first that loads wins (`js` always loads). Each backend passed over
 * is reported to `onFallback`; the one chosen says what it is in its `name`.
 *
 * @example
 * ```ts
 * const backend = await loadRingBackend();
 * console.log(backend.name); // "bun-ffi", "deno-ffi", "wasm" or "js"
 * ```
 */
export async function loadRingBackend(options: LoadRingBackendOptions = {}): Promise<RingBackend> {
  const forced = readEnv(BACKEND_ENV);
  if (forced !== undefined) {
    if (!isChoice(forced)) {
      throw new MeshOsSdkError(
        "invalid_config",
        `${BACKEND_ENV}: expected "native", "wasm" or "js", received ${describeValue(forced)}`,
      );
    }
    try {
      return await loadBackend(forced);
    } catch (cause) {
      const error = new MeshOsSdkError("backend_unavailable", `${BACKEND_ENV}=${forced}: ${(cause as MeshOsSdkError).detail}`);
      error.cause = cause;
      throw error;
    }
  }
  const { prefer } = options;
  if (prefer !== undefined && !isChoice(prefer)) {
    throw new MeshOsSdkError(
      "invalid_argument",
      `prefer: expected "native", "wasm" or "js", received ${describeValue(prefer)}`,
    );
  }
  const order = prefer ? [prefer, ...BACKEND_ORDER.filter((c) => c !== prefer)] : BACKEND_ORDER;
  for (const choice of order) {
    try {
      return await loadBackend(choice);
    } catch (cause) {
      options.onFallback?.(choice, cause as MeshOsSdkError);
    }
  }
  return createJsBackend();
}

/** What {@link loadEveryBackend} found. */
export interface EveryBackend {
  /** The backends that loaded, in the default order. */
  loaded: RingBackend[];
  /** Why each of the others did not (`backend_unavailable` errors). */
  failures: Map<BackendChoice, MeshOsSdkError>;
}

/**
 * Tries every backend family (ignores `MESHOS_BACKEND`): for conformance tests and benchmarks.
 *
 * @example
 * ```ts
 * const { loaded } = await loadEveryBackend();
 * console.log(loaded.map((b) => b.name)); // e.g. ["bun-ffi", "wasm", "js"]
 * ```
 */
export async function loadEveryBackend(): Promise<EveryBackend> {
  const loaded: RingBackend[] = [];
  const failures = new Map<BackendChoice, MeshOsSdkError>();
  for (const choice of BACKEND_ORDER) {
    try {
      loaded.push(await loadBackend(choice));
    } catch (cause) {
      failures.set(choice, cause as MeshOsSdkError);
    }
  }
  return { loaded, failures };
}
