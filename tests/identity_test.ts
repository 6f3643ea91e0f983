import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { test } from "./_harness.ts";
import { Identity } from "../src/identity/identity.ts";
import { MeshOsSdkError } from "../src/errors/meshos_sdk_error.ts";

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function filled(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

// Upstream §3.14's table; every row also re-checked here against net-mesh 0.45.1 from PyPI with
// `net.Identity.from_seed(seed)` → `entity_id.hex()`, `origin_hash`, `node_id`.
const VECTORS: { name: string; seed: Uint8Array; publicKey: string; originHash: bigint; nodeId: bigint }[] = [
  {
    name: "00 × 32",
    seed: filled(0x00),
    publicKey: "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29",
    originHash: 0x87482e2f287f5d52n,
    nodeId: 0x2a22743fee3e433dn,
  },
  {
    name: "42 × 32",
    seed: filled(0x42),
    publicKey: "2152f8d19b791d24453242e15f2eab6cb7cffa7b6a5ed30097960e069881db12",
    originHash: 0xc162c80da6be3de4n,
    nodeId: 0xc211b9fddfaef86dn,
  },
  {
    name: "55 × 32",
    seed: filled(0x55),
    publicKey: "c6822637c7d310ec57627be00ba259d253749f4aaf644470cffbe53a35f73242",
    originHash: 0x63323e56ea26cecen,
    nodeId: 0x1f34525bf22b45b6n,
  },
  {
    name: "77 × 32",
    seed: filled(0x77),
    publicKey: "c853ad0f0cd2b619aea92ceec4fd56a24d6499d584ce79257e45cfd8139b60a7",
    originHash: 0x636f2abb4eda453bn,
    nodeId: 0x9da019555d66e7f8n,
  },
  {
    name: "07 × 32",
    seed: filled(0x07),
    publicKey: "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c",
    originHash: 0x3de724ba65112490n,
    nodeId: 0xb5d99d42fd00c337n,
  },
  {
    name: "0b × 32",
    seed: filled(0x0b),
    publicKey: "66be7e332c7a453332bd9d0a7f7db055f5c5ef1a06ada66d98b39fb6810c473a",
    originHash: 0x5593d462f2d2ad2bn,
    nodeId: 0x44fd25c4d98e17cfn,
  },
  {
    name: "88 × 32",
    seed: filled(0x88),
    publicKey: "b2491d9502ae28630a2bacb2e0c74510ffcdd328c334ff3e1393e75b2d31e7dc",
    originHash: 0xc7b94785ab9fde28n,
    nodeId: 0xe927ee638db8efd4n,
  },
  {
    name: "aa × 32",
    seed: filled(0xaa),
    publicKey: "e734ea6c2b6257de72355e472aa05a4c487e6b463c029ed306df2f01b5636b58",
    originHash: 0xb575be2133cfb702n,
    nodeId: 0x77c6698813d16e10n,
  },
  {
    name: "00 01 … 1f",
    seed: Uint8Array.from({ length: 32 }, (_, i) => i),
    publicKey: "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8",
    originHash: 0x782a3238801976bfn,
    nodeId: 0xbd826a5d0a6394f5n,
  },
];

// The decimal forms printed in §3.14, to catch a typo in either column of the table.
const DECIMAL_ORIGINS: Record<string, bigint> = {
  "00 × 32": 9748092173521214802n,
  "42 × 32": 13934920157995351524n,
  "55 × 32": 7147844101606919886n,
  "77 × 32": 7164992516139926843n,
  "07 × 32": 4460574338911904912n,
  "0b × 32": 6166505836246117675n,
  "88 × 32": 14391612723674734120n,
  "aa × 32": 13075566142952552194n,
  "00 01 … 1f": 8658788451821909695n,
};

test("ID-1 two generated identities have different node ids and origin hashes", () => {
  const a = Identity.generate();
  const b = Identity.generate();
  assert.notEqual(a.nodeId, b.nodeId);
  assert.notEqual(a.originHash, b.originHash);
  assert.notDeepEqual(a.publicKey, b.publicKey);
});

test("ID-1 the same 32-byte seed always yields the same origin hash and node id", () => {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const a = Identity.fromSeed(seed);
  const b = Identity.fromSeed(seed.slice());
  assert.equal(a.originHash, b.originHash);
  assert.equal(a.nodeId, b.nodeId);
  assert.deepEqual(a.publicKey, b.publicKey);
  const restored = Identity.fromSeed(a.toBytes());
  assert.equal(restored.originHash, a.originHash);
  assert.equal(restored.nodeId, a.nodeId);
});

for (const vector of VECTORS) {
  test(`ID-1 §3.14 vector, seed ${vector.name}: public key, origin hash, node id`, () => {
    const identity = Identity.fromSeed(vector.seed);
    assert.equal(hex(identity.publicKey), vector.publicKey);
    assert.equal(hex(identity.entityId), vector.publicKey);
    assert.equal(identity.originHash, vector.originHash);
    assert.equal(identity.originHash, DECIMAL_ORIGINS[vector.name]);
    assert.equal(identity.nodeId, vector.nodeId);
  });
}

test("Identity ids are u64 and differ between the origin and node-id keys", () => {
  for (const vector of VECTORS) {
    const identity = Identity.fromSeed(vector.seed);
    assert.ok(identity.originHash >= 0n && identity.originHash < 1n << 64n);
    assert.ok(identity.nodeId >= 0n && identity.nodeId < 1n << 64n);
    assert.notEqual(identity.originHash, identity.nodeId);
  }
});

test("Identity.fromSeed rejects seeds that are not 32 bytes with invalid_argument", () => {
  const isInvalid = (err: unknown) => err instanceof MeshOsSdkError && err.kind === "invalid_argument";
  assert.throws(() => Identity.fromSeed(new Uint8Array(31)), isInvalid);
  assert.throws(() => Identity.fromSeed(new Uint8Array(33)), isInvalid);
  assert.throws(() => Identity.fromSeed("seed" as unknown as Uint8Array), isInvalid);
});

test("Identity.fromSeed copies the seed: mutating the caller's array changes nothing", () => {
  const seed = filled(0x42);
  const identity = Identity.fromSeed(seed);
  seed.fill(0);
  assert.equal(identity.originHash, 0xc162c80da6be3de4n);
  assert.deepEqual(identity.toBytes(), filled(0x42));
});

// ---- signatures, checked with @noble/ed25519's own verify (sha512 from @noble/hashes, as src/identity sets it) ----

ed.hashes.sha512 = sha512;

function fromHex(digits: string): Uint8Array {
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

test("Identity.sign gives RFC 8032's signature for its test 1 key (empty message)", () => {
  const identity = Identity.fromSeed(fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  assert.equal(hex(identity.publicKey), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  assert.equal(
    hex(identity.sign(new Uint8Array(0))),
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  );
});

test("Identity.sign: the signature verifies against the identity's public key, not a tampered message or another key", () => {
  const identity = Identity.generate();
  const other = Identity.generate();
  const message = new TextEncoder().encode("drain node 7 at 12:00");
  const signature = identity.sign(message);
  assert.equal(signature.length, 64);
  const strict = { zip215: false };
  assert.equal(ed.verify(signature, message, identity.publicKey, strict), true);
  assert.equal(ed.verify(signature, message, Identity.fromSeed(identity.toBytes()).publicKey, strict), true);
  const tampered = message.slice();
  tampered[0] ^= 1;
  assert.equal(ed.verify(signature, tampered, identity.publicKey, strict), false);
  assert.equal(ed.verify(signature, message.subarray(1), identity.publicKey, strict), false);
  assert.equal(ed.verify(signature, message, other.publicKey, strict), false);
  assert.equal(ed.verify(other.sign(message), message, identity.publicKey, strict), false);
  const flipped = signature.slice();
  flipped[10] ^= 0x40;
  assert.equal(ed.verify(flipped, message, identity.publicKey, strict), false);
});

test("Identity.sign rejects a message that is not a Uint8Array with invalid_argument", () => {
  const identity = Identity.fromSeed(filled(0x42));
  assert.throws(() => identity.sign("hello" as unknown as Uint8Array), (err: unknown) => {
    assert.ok(err instanceof MeshOsSdkError);
    assert.equal(err.kind, "invalid_argument");
    assert.equal(err.detail, `message: expected a Uint8Array; got "hello"`);
    return true;
  });
});
