/**
 * An operator's identity: an ed25519 key pair whose public key a node trusts (upstream's
 * `OperatorIdentity`). Operators sign the commands they send across the mesh; nodes check the
 * signature against their trusted keys (`src/runtime/command_gate.ts`).
 *
 * @module
 */

import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { bytesToHex, hexToBytes } from "../contract/byte_text.ts";

ed.hashes.sha512 = sha512;

const SEED_BYTES = 32;
const PUBLIC_KEY_HEX = /^[0-9a-f]{64}$/;
const SIGNATURE_HEX = /^[0-9a-f]{128}$/;


/**
 * An operator's key pair.
 *
 * @example
 * ```ts
 * const operator = OperatorIdentity.generate();
 * const signature = operator.sign(new TextEncoder().encode("command"));
 * verifyOperatorSignature(operator.publicKeyHex, new TextEncoder().encode("command"), signature); // true
 * ```
 */
export class OperatorIdentity {
  readonly #seed: Uint8Array;
  /** The public key as 64 lowercase hex digits: what a node lists among its trusted operators. */
  readonly publicKeyHex: string;

  private constructor(seed: Uint8Array) {
    this.#seed = seed.slice();
    this.publicKeyHex = bytesToHex(ed.getPublicKey(this.#seed));
  }

  /** A fresh operator identity. */
  static generate(): OperatorIdentity {
    return new OperatorIdentity(crypto.getRandomValues(new Uint8Array(SEED_BYTES)));
  }

  /** The operator identity whose secret seed is `seed` (exactly 32 bytes). */
  static fromSeed(seed: Uint8Array): OperatorIdentity {
    if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
      throw new MeshOsSdkError("invalid_argument", `seed: expected a Uint8Array of 32 bytes; got ${describeValue(seed)}`);
    }
    return new OperatorIdentity(seed);
  }

  /** The ed25519 signature of `message`, as 128 hex digits. */
  sign(message: Uint8Array): string {
    return bytesToHex(ed.sign(message, this.#seed));
  }
}

/** Whether `publicKeyHex` is the 64-hex-digit form of an ed25519 public key. */
export function isOperatorKey(value: unknown): value is string {
  return typeof value === "string" && PUBLIC_KEY_HEX.test(value);
}

/** True when `signatureHex` is `publicKeyHex`'s signature of `message`; false for anything else. */
export function verifyOperatorSignature(publicKeyHex: string, message: Uint8Array, signatureHex: unknown): boolean {
  if (!isOperatorKey(publicKeyHex) || typeof signatureHex !== "string" || !SIGNATURE_HEX.test(signatureHex)) return false;
  try {
    return ed.verify(hexToBytes(signatureHex), message, hexToBytes(publicKeyHex));
  } catch {
    return false;
  }
}
