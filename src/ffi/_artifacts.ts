/**
 * Where the built Zig artifacts are: in the package's `zig/zig-out/` unless `MESHOS_LIB` /
 * `MESHOS_WASM` name other files. The package ships a prebuilt library per platform
 * (`zig/zig-out/platforms/`), so no Zig toolchain is needed to get the native backend. This
 * module runs from `src/ffi/` (TypeScript, Bun and Deno) or from `lib/src/ffi/` (the compiled
 * JavaScript Node runs): the package root is two or three folders up. Imported over the network
 * (a JSR or https import), the artifacts are URLs beside the modules: the wasm module is fetched,
 * and Deno copies the platform's library into a local cache before `Deno.dlopen`
 * (`remote_library.ts`).
 *
 * @module
 */

import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { readEnv } from "./_runtime_env.ts";

/** Environment variable naming the shared library to open instead of the built one. */
export const LIB_ENV = "MESHOS_LIB";
/** Environment variable naming the wasm module to instantiate instead of the built one. */
export const WASM_ENV = "MESHOS_WASM";

/** The library's file name on this platform. */
function libraryFileName(): string {
  if (process.platform === "darwin") return "libmeshos.dylib";
  if (process.platform === "win32") return "meshos.dll";
  return "libmeshos.so";
}

/** The prebuilt library folder for this machine, as `zig build` names them (`linux-x64`, `darwin-arm64`, …). */
export function platformKey(): string {
  return `${process.platform}-${process.arch}`;
}

/**
 * Path of the native library to open: `MESHOS_LIB`; else a library built on this machine
 * (`zig/zig-out/lib/`, or `bin/` for a Windows DLL); else the prebuilt one of this platform and
 * architecture (`zig/zig-out/platforms/<platform>-<arch>/`). When neither exists, the prebuilt
 * path, so the error names where the library was looked for.
 */
export function libraryPath(): string {
  const forced = readEnv(LIB_ENV);
  if (forced !== undefined) return forced;
  const local = artifact(`${process.platform === "win32" ? "bin" : "lib"}/${libraryFileName()}`);
  if (!isRemote(local) && exists(local)) return local;
  return artifact(`platforms/${platformKey()}/${libraryFileName()}`);
}

/** Whether `location` (from `libraryPath` or `wasmPath`) is a URL rather than a local file. */
export function isRemote(location: string): boolean {
  return /^https?:\/\//.test(location);
}

/** `zig/zig-out/<path>` in this package: a local path, or the URL of a package imported remotely. */
function artifact(path: string): string {
  // Compiled (lib/src/ffi/_artifacts.js) the package root is three folders up; as source, two.
  const root = import.meta.url.endsWith(".js") ? "../../../" : "../../";
  const url = new URL(`${root}zig/zig-out/${path}`, import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : url.href;
}

/** Whether `path` exists; false when this runtime may not look (Deno without read permission). */
function exists(path: string): boolean {
  try {
    return existsSync(path);
  } catch {
    return false;
  }
}

/** Path of the wasm module (`MESHOS_WASM`, else `zig/zig-out/bin/meshos.wasm`). */
export function wasmPath(): string {
  return readEnv(WASM_ENV) ?? artifact("bin/meshos.wasm");
}

/** How to build the artifacts, for the errors of a backend that finds none or a stale one. */
export const BUILD_HINT = "build them with: cd zig && python3 -m ziglang build -Doptimize=ReleaseFast";
