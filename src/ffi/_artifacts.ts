/**
 * Where the built Zig artifacts are: beside this module in `zig/zig-out/` unless `MESHOS_LIB` /
 * `MESHOS_WASM` name other files.
 *
 * @module
 */

import process from "node:process";
import { fileURLToPath } from "node:url";
import { readEnv } from "./_runtime_env.ts";

/** Environment variable naming the shared library to open instead of the built one. */
export const LIB_ENV = "MESHOS_LIB";
/** Environment variable naming the wasm module to instantiate instead of the built one. */
export const WASM_ENV = "MESHOS_WASM";

function libraryFileName(): string {
  if (process.platform === "darwin") return "lib/libmeshos.dylib";
  if (process.platform === "win32") return "bin/meshos.dll";
  return "lib/libmeshos.so";
}

/** Path of the native library to open (`MESHOS_LIB`, else `zig/zig-out/lib/libmeshos.so`). */
export function libraryPath(): string {
  return readEnv(LIB_ENV) ?? fileURLToPath(new URL(`../../zig/zig-out/${libraryFileName()}`, import.meta.url));
}

/** Path of the wasm module (`MESHOS_WASM`, else `zig/zig-out/bin/meshos.wasm`). */
export function wasmPath(): string {
  return readEnv(WASM_ENV) ?? fileURLToPath(new URL("../../zig/zig-out/bin/meshos.wasm", import.meta.url));
}

/** How to build the artifacts, for the errors of a backend that finds none or a stale one. */
export const BUILD_HINT = "build them with: cd zig && python3 -m ziglang build -Doptimize=ReleaseFast";
