/**
 * Shared fixtures for SDK tests: a started SDK on a manual clock, an echo daemon, and an assertion
 * helper for `MeshOsSdkError` kinds.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Identity, ManualClock, MeshOsDaemonSdk, MeshOsSdkError } from "../mod.ts";
import type { MeshOsConfig, MeshOsDaemon, MeshOsDaemonSdkOptions } from "../mod.ts";

/** Upstream's "echo daemon": one output per input. */
export function echoDaemon(name = "echo"): MeshOsDaemon {
  return { name, process: (event) => [event.payload] };
}

/** An SDK on a `ManualClock` with a 100 ms tick. */
export async function startManual(
  config: MeshOsConfig = {},
  options: MeshOsDaemonSdkOptions = {},
): Promise<{ sdk: MeshOsDaemonSdk; clock: ManualClock }> {
  const clock = new ManualClock();
  const sdk = await MeshOsDaemonSdk.start({ tickIntervalMs: 100n, ...config }, { clock, ...options });
  return { sdk, clock };
}

/** Asserts that `promise` rejects (or `fn` throws) with a `MeshOsSdkError` of `kind`; returns it. */
export async function rejectsWithKind(
  action: Promise<unknown> | (() => unknown),
  kind: string,
  detail?: RegExp,
): Promise<MeshOsSdkError> {
  let caught: unknown;
  try {
    await (typeof action === "function" ? action() : action);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof MeshOsSdkError, `expected a MeshOsSdkError(${kind}); got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  assert.ok(caught.message.startsWith(`<<meshos-sdk-kind:${kind}>>`));
  if (detail) assert.match(caught.detail, detail);
  return caught;
}

/** A fresh random identity. */
export function anyIdentity(): Identity {
  return Identity.generate();
}

/** UTF-8 bytes of `text`. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
