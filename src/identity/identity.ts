/**
 * Ed25519 identities and the 64-bit ids derived from them (upstream §3.14): `originHash` and
 * `nodeId` are the first 8 bytes, little-endian, of keyed BLAKE2s-256 over the public key, keyed
 * with `net-origin-v1` and `net-node-id-v1`. Checked against net-mesh 0.45.1 from PyPI.
 *
 * @module
 */

import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { blake2s } from "@noble/hashes/blake2.js";
import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";

ed.hashes.sha512 = sha512;

const SEED_BYTES = 32;
const ORIGIN_KEY = new TextEncoder().encode("net-origin-v1");
const NODE_KEY = new TextEncoder().encode("net-node-id-v1");

function keyedId(publicKey: Uint8Array, key: Uint8Array): bigint {
  const digest = blake2s(publicKey, { key, dkLen: 32 });
  return new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0, true);
}

/**
 * A daemon's ed25519 identity. Its `originHash` is the daemon id.
 *
 * @example
 * ```ts
 * const id = Identity.fromSeed(new Uint8Array(32).fill(0x42));
 * id.originHash; // 0xc162c80da6be3de4n
 * ```
 */
export class Identity {
  readonly #seed: Uint8Array;
  /** The 32-byte ed25519 public key (upstream's `entityId`). */
  readonly publicKey: Uint8Array;
  /** u64 id of everything this identity originates. */
  readonly originHash: bigint;
  /** u64 id of a node run under this identity. */
  readonly nodeId: bigint;

  private constructor(seed: Uint8Array) {
    this.#seed = seed.slice();
    this.publicKey = ed.getPublicKey(this.#seed);
    this.originHash = keyedId(this.publicKey, ORIGIN_KEY);
    this.nodeId = keyedId(this.publicKey, NODE_KEY);
  }

  /** A fresh identity from 32 random bytes. */
  static generate(): Identity {
    return new Identity(crypto.getRandomValues(new Uint8Array(SEED_BYTES)));
  }

  /** The identity whose secret seed is `seed` (exactly 32 bytes). */
  static fromSeed(seed: Uint8Array): Identity {
    if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
      throw new MeshOsSdkError(
        "invalid_argument",
        `seed: expected a Uint8Array of 32 bytes; got ${describeValue(seed)}`,
      );
    }
    return new Identity(seed);
  }

  /** Same bytes as `publicKey`, upstream's name. */
  get entityId(): Uint8Array {
    return this.publicKey.slice();
  }

  /** The 32-byte seed, to persist the identity. */
  toBytes(): Uint8Array {
    return this.#seed.slice();
  }

  /**
   * The 64-byte ed25519 signature (RFC 8032) of `message` under this identity's key; it verifies
   * against `publicKey`.
   *
   * @example
   * ```ts
   * const signature = identity.sign(new TextEncoder().encode("hello"));
   * signature.length; // 64
   * ```
   */
  sign(message: Uint8Array): Uint8Array {
    if (!(message instanceof Uint8Array)) {
      throw new MeshOsSdkError("invalid_argument", `message: expected a Uint8Array; got ${describeValue(message)}`);
    }
    return ed.sign(message, this.#seed);
  }
}
