/**
 * What the loader needs to know about the runtime without prompting anyone: environment variables
 * and, under Deno, whether a permission is already granted (asking would block on a TTY prompt).
 *
 * @module
 */

import process from "node:process";

/** The corner of the `Deno` namespace used here, typed locally so no global Deno types are needed. */
interface DenoPermissionsApi {
  permissions: {
    querySync(descriptor: { name: string; variable?: string; path?: string | URL; host?: string }): { state: string };
  };
  env: { get(name: string): string | undefined };
}

function denoApi(): DenoPermissionsApi | undefined {
  if ("Bun" in globalThis) return undefined;
  return (globalThis as { Deno?: DenoPermissionsApi }).Deno;
}

/** Whether this is Bun. */
export function isBun(): boolean {
  return "Bun" in globalThis;
}

/** Whether this is Deno (and not Bun, which defines no `Deno`, or Node). */
export function isDeno(): boolean {
  return denoApi() !== undefined;
}

/**
 * Whether a Deno permission is granted without prompting (`true` outside Deno).
 * `descriptor` is a Deno `PermissionDescriptor`, e.g. `{ name: "ffi" }`.
 */
export function permissionGranted(descriptor: { name: string; variable?: string; path?: string | URL; host?: string }): boolean {
  const deno = denoApi();
  if (!deno) return true;
  try {
    return deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/** An environment variable, or `undefined` when unset or not readable (Deno without `--allow-env`). */
export function readEnv(name: string): string | undefined {
  const deno = denoApi();
  if (deno) {
    if (!permissionGranted({ name: "env", variable: name })) return undefined;
    try {
      return deno.env.get(name);
    } catch {
      return undefined;
    }
  }
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}
