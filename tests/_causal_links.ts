/**
 * Causal links as tests check them, written from §3.14 independently of `src/identity`: the
 * 32-byte encoding (origin, horizon, sequence, parent hash, each u64 little-endian) and the rule
 * that a link's parent hash is `xxh3_64(previous link bytes ‖ previous payload)`. The SDK never
 * encodes or validates a link on its own (its chain only appends), so these live with the tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import { xxh3_64 } from "../src/identity/xxh3.ts";
import type { CausalLink } from "../src/identity/causal_link.ts";

export { genesisLink } from "../src/identity/causal_chain.ts";
export type { CausalLink } from "../src/identity/causal_link.ts";

/** The 32 bytes of `link`: origin, horizon, sequence, parent hash, each u64 little-endian. */
export function encodeCausalLink(link: CausalLink): Uint8Array {
  const bytes = new Uint8Array(32);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, link.originHash, true);
  view.setBigUint64(8, link.horizonEncoded, true);
  view.setBigUint64(16, link.sequence, true);
  view.setBigUint64(24, link.parentHash, true);
  return bytes;
}

/** The link at `bytes[offset, offset + 32)`. */
export function decodeCausalLink(bytes: Uint8Array, offset = 0): CausalLink {
  assert.ok(offset + 32 <= bytes.length, `expected 32 bytes of link at offset ${offset}; got ${bytes.length} in all`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 32);
  return {
    originHash: view.getBigUint64(0, true),
    horizonEncoded: view.getBigUint64(8, true),
    sequence: view.getBigUint64(16, true),
    parentHash: view.getBigUint64(24, true),
  };
}

/** The parent hash the link after (`prev`, `prevPayload`) must carry. */
export function expectedParentHash(prev: CausalLink, prevPayload: Uint8Array): bigint {
  const bytes = new Uint8Array(32 + prevPayload.length);
  bytes.set(encodeCausalLink(prev));
  bytes.set(prevPayload, 32);
  return xxh3_64(bytes);
}

/** Asserts that `next` follows `prev` (which carried `prevPayload`): same origin, sequence + 1, parent hash. */
export function assertChainLink(prev: CausalLink, prevPayload: Uint8Array, next: CausalLink): void {
  assert.equal(next.originHash, prev.originHash, `origin mismatch at sequence ${next.sequence}`);
  assert.equal(next.sequence, prev.sequence + 1n, `sequence gap after ${prev.sequence}`);
  assert.equal(next.parentHash, expectedParentHash(prev, prevPayload), `parent hash mismatch at sequence ${next.sequence}`);
}
