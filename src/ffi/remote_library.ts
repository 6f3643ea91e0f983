/**
 * The Zig artifacts of a package imported over the network (a JSR or https import): the wasm
 * module is fetched; the platform's native library is fetched once into a local cache, since
 * `Deno.dlopen` opens files only — `$XDG_CACHE_HOME/meshos` (else `~/.cache/meshos`, else the temp
 * folder), in a folder per SDK version, platform and source URL, written under a temporary name
 * and renamed, so a half-written library is never opened.
 *
 * @module
 */

import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import process from "node:process";
import { SDK_VERSION } from "../contract/sdk_version.ts";
import { platformKey } from "./_artifacts.ts";
import { readEnv } from "./_runtime_env.ts";

/** The bytes at `url`; throws naming the HTTP status of a failed fetch. */
export async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status} ${response.statusText}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** Where the library at `url` is cached (whether or not it is there yet). */
export function cachedLibraryPath(url: string): string {
  const xdg = readEnv("XDG_CACHE_HOME");
  const home = readEnv("HOME");
  const root = xdg ? join(xdg, "meshos") : home ? join(home, ".cache", "meshos") : join(tmpdir(), "meshos");
  return join(root, SDK_VERSION, platformKey(), urlKey(url), basename(new URL(url).pathname));
}

/** A local copy of the library at `url`: the cached one, else fetched now. */
export async function cachedLibrary(url: string): Promise<string> {
  const file = cachedLibraryPath(url);
  if (existsSync(file) && statSync(file).size > 0) return file;
  const bytes = await fetchBytes(url);
  mkdirSync(join(file, ".."), { recursive: true });
  const part = `${file}.${process.pid}.part`;
  writeFileSync(part, bytes);
  renameSync(part, file);
  return file;
}

/** A short, stable name for `url` (FNV-1a, 32 bits, hex): one cache folder per source. */
function urlKey(url: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < url.length; i++) hash = Math.imul(hash ^ url.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}
