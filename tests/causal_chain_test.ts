import assert from "node:assert/strict";
import { test } from "./_harness.ts";
import { CausalChain, genesisLink } from "../src/identity/causal_chain.ts";
import type { CausalLink } from "../src/identity/causal_link.ts";
import { ObservedHorizon } from "../src/identity/horizon.ts";
import { xxh3_64 } from "../src/identity/xxh3.ts";
import { MeshOsSdkError } from "../src/errors/meshos_sdk_error.ts";
import { assertChainLink, encodeCausalLink, expectedParentHash } from "./_causal_links.ts";

const U64_MAX = 0xffffffffffffffffn;
const text = new TextEncoder();

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(digits: string): Uint8Array {
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) out.set(part, offset), offset += part.length;
  return out;
}

/** Asserts that `run` throws `invalid_argument` whose detail is exactly `detail`. */
function throwsInvalid(run: () => unknown, detail: string): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof MeshOsSdkError, `expected a MeshOsSdkError; got ${err}`);
    assert.equal(err.kind, "invalid_argument");
    assert.equal(err.detail, detail);
    return true;
  });
}

/** Deterministic u64 stream (splitmix64), for origins in the bloom tests. */
function splitmix(seed: bigint): () => bigint {
  let state = seed;
  return () => {
    state = (state + 0x9e3779b97f4a7c15n) & U64_MAX;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & U64_MAX;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & U64_MAX;
    return z ^ (z >> 31n);
  };
}

// ---- links and chains ----

test("genesis is sequence 0, parent 0, horizon 0", () => {
  assert.deepEqual(genesisLink(0xc162c80da6be3de4n), {
    originHash: 0xc162c80da6be3de4n,
    horizonEncoded: 0n,
    sequence: 0n,
    parentHash: 0n,
  });
});

test("a parent hash covers the previous link as origin, horizon, sequence, parent, each u64 little-endian", () => {
  const head: CausalLink = {
    originHash: 0x0102030405060708n,
    horizonEncoded: 0x1112131415161718n,
    sequence: 0x2122232425262728n,
    parentHash: 0xf1f2f3f4f5f6f7f8n,
  };
  const headBytes = fromHex("0807060504030201" + "1817161514131211" + "2827262524232221" + "f8f7f6f5f4f3f2f1");
  const payload = text.encode("payload of the head");
  const { link } = CausalChain.resume(head, payload).append(new Uint8Array(0));
  assert.equal(link.parentHash, xxh3_64(concat(headBytes, payload)));
  assert.equal(link.sequence, 0x2122232425262729n);
});

test("CausalChain: first append is sequence 1 with parent = xxh3_64(genesis bytes ‖ empty)", () => {
  const chain = new CausalChain(0xc162c80da6be3de4n);
  const payload = text.encode("out-1");
  const entry = chain.append(payload, 3n);
  assert.equal(entry.payload, payload);
  assert.deepEqual(entry.link, {
    originHash: 0xc162c80da6be3de4n,
    horizonEncoded: 3n,
    sequence: 1n,
    parentHash: xxh3_64(fromHex("e43dbea60dc862c1" + "00".repeat(24))),
  });
  assert.equal(chain.append(new Uint8Array(0)).link.parentHash, expectedParentHash(entry.link, payload));
});

test("CausalChain: every append follows its predecessor, with the horizon it was given", () => {
  const chain = new CausalChain(7n);
  let prev = genesisLink(7n);
  let prevPayload = new Uint8Array(0);
  for (let i = 0; i < 300; i++) {
    const payload = Uint8Array.from({ length: i }, (_, j) => (i + j) & 0xff);
    const horizon = BigInt(i >> 2) * 0x1000193n; // unchanged for runs of four appends
    const { link } = chain.append(payload, horizon);
    assertChainLink(prev, prevPayload, link);
    assert.equal(link.horizonEncoded, horizon, `append ${i + 1}`);
    prev = link;
    prevPayload = payload;
  }
  assert.equal(prev.sequence, 300n);
});

test("CausalChain hashes payloads of every size, past its scratch buffer and past 64 KiB", () => {
  const chain = new CausalChain(42n);
  let prev = genesisLink(42n);
  let prevPayload = new Uint8Array(0);
  const sizes = [0, 1, 96, 208, 209, 1000, 65_504, 65_505, 200_000, 3, 70_000, 70_001, 5, 0];
  sizes.forEach((size, i) => {
    const payload = Uint8Array.from({ length: size }, (_, j) => (j * 31 + i) & 0xff);
    const { link } = chain.append(payload, BigInt(i % 3)); // the horizon changes around the large ones too
    assertChainLink(prev, prevPayload, link);
    prev = link;
    prevPayload = payload;
  });
  assertChainLink(prev, prevPayload, chain.append(new Uint8Array(0)).link);
});

test("CausalChain keeps no reference to payloads: mutating one after append changes nothing", () => {
  for (const size of [5, 100_000]) {
    const a = new CausalChain(5n), b = new CausalChain(5n);
    const payload = new Uint8Array(size).fill(1);
    a.append(payload);
    b.append(new Uint8Array(size).fill(1));
    payload.fill(0);
    assert.deepEqual(a.append(text.encode("second")).link, b.append(text.encode("second")).link, `${size} bytes`);
  }
});

test("CausalChain.resume continues exactly where the original chain was", () => {
  const original = new CausalChain(0xabcdefn);
  original.append(text.encode("a"));
  for (const payload of [text.encode("bb"), new Uint8Array(100_000).fill(9)]) {
    const last = original.append(payload, 9n);
    const resumed = CausalChain.resume(last.link, last.payload);
    assert.deepEqual(resumed.append(text.encode("ccc"), 1n), original.append(text.encode("ccc"), 1n));
  }
});

test("CausalChain stops at sequence 2^64-1, naming the origin", () => {
  const chain = CausalChain.resume(
    { originHash: 3n, horizonEncoded: 0n, sequence: U64_MAX - 1n, parentHash: 0n },
    new Uint8Array(0),
  );
  assert.equal(chain.append(new Uint8Array(1)).link.sequence, U64_MAX);
  const detail = "sequence: chain of origin 0x0000000000000003 is at 2^64-1 and cannot grow; got sequence 18446744073709551615n";
  throwsInvalid(() => chain.append(new Uint8Array(1)), detail);
  throwsInvalid(() => chain.append(new Uint8Array(1)), detail);
});

test("CausalChain rejects bad input naming the field, and a rejected append changes nothing", () => {
  const expectedU64 = "expected a bigint in 0..2^64-1";
  throwsInvalid(() => new CausalChain(-1n), `originHash: ${expectedU64}; got -1n`);
  throwsInvalid(() => genesisLink(1n << 64n), `originHash: ${expectedU64}; got 18446744073709551616n`);
  const good = genesisLink(1n);
  throwsInvalid(() => CausalChain.resume(null as unknown as CausalLink, new Uint8Array(0)), "link: expected a CausalLink; got null");
  throwsInvalid(() => CausalChain.resume({ ...good, sequence: -1n }, new Uint8Array(0)), `link.sequence: ${expectedU64}; got -1n`);
  throwsInvalid(
    () => CausalChain.resume({ ...good, parentHash: 1n << 64n }, new Uint8Array(0)),
    `link.parentHash: ${expectedU64}; got 18446744073709551616n`,
  );
  throwsInvalid(
    () => CausalChain.resume({ ...good, horizonEncoded: 3 as unknown as bigint }, new Uint8Array(0)),
    `link.horizonEncoded: ${expectedU64}; got 3`,
  );
  throwsInvalid(() => CausalChain.resume(good, "x" as unknown as Uint8Array), `headPayload: expected a Uint8Array; got "x"`);
  const chain = new CausalChain(1n);
  throwsInvalid(() => chain.append("text" as unknown as Uint8Array), `payload: expected a Uint8Array; got "text"`);
  throwsInvalid(() => chain.append(new Uint8Array(1), -1n), `horizonEncoded: ${expectedU64}; got -1n`);
  const first = chain.append(new Uint8Array(0)).link;
  assert.equal(first.sequence, 1n);
  assert.equal(first.parentHash, expectedParentHash(good, new Uint8Array(0)));
});

// ---- horizon ----

/** §3.14's three bits of `origin`, computed here with BigInt from the formula in `horizon.ts`. */
function bloomBits(origin: bigint): bigint {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, origin, true);
  const h = xxh3_64(bytes);
  const h1 = h & 0xffffffffn, h2 = (h >> 32n) | 1n;
  const bits = [h1 % 64n, ((h1 + h2) & 0xffffffffn) % 64n, ((h1 + 2n * h2) & 0xffffffffn) % 64n];
  return bits.reduce((bloom, bit) => bloom | (1n << bit), 0n);
}

test("ObservedHorizon.encode is the OR of every observed origin's three bloom bits", () => {
  const next = splitmix(1n);
  const horizon = new ObservedHorizon();
  const origins: bigint[] = [0n, U64_MAX];
  for (let i = 0; i < 40; i++) origins.push(next());
  let expected = 0n;
  for (const origin of origins) {
    horizon.observe(origin, 1n);
    expected |= bloomBits(origin);
    assert.equal(horizon.encode(), expected, `after origin ${origin}`);
  }
});

test("ObservedHorizon bloom of 0xdeadbeef sets bits 1, 31 and 48 (value seen in upstream snapshots)", () => {
  const horizon = new ObservedHorizon();
  assert.equal(horizon.encode(), 0n);
  horizon.observe(0xdeadbeefn, 3n);
  assert.equal(horizon.encode(), 0x0001000080000002n);
});

test("ObservedHorizon keeps the highest sequence; encode changes only with a new origin", () => {
  const horizon = new ObservedHorizon();
  horizon.observe(9n, 5n);
  const encoded = horizon.encode();
  horizon.observe(9n, 3n);
  assert.equal(horizon.highestSequence(9n), 5n);
  assert.equal(horizon.logicalTime, 1);
  horizon.observe(9n, 8n);
  assert.equal(horizon.highestSequence(9n), 8n);
  assert.equal(horizon.logicalTime, 2);
  assert.equal(horizon.encode(), encoded);
  horizon.observe(10n, 0n);
  assert.equal(horizon.size, 2);
  assert.deepEqual([...horizon.entries()], [[9n, 8n], [10n, 0n]]);
  assert.equal(horizon.encode(), bloomBits(9n) | bloomBits(10n));
  assert.equal(horizon.highestSequence(11n), undefined);
});

test("ObservedHorizon.observe rejects an origin or sequence outside u64, naming it, and changes nothing", () => {
  const horizon = new ObservedHorizon();
  throwsInvalid(() => horizon.observe(-1n, 0n), "origin: expected a bigint in 0..2^64-1; got -1n");
  throwsInvalid(() => horizon.observe(1n, 1n << 64n), "sequence: expected a bigint in 0..2^64-1; got 18446744073709551616n");
  assert.equal(horizon.encode(), 0n);
  assert.equal(horizon.size, 0);
});

// ---- upstream cross-check ----
// The expected heads below come from net-mesh 0.45.1 (PyPI, python binding): a daemon spawned with
// `DaemonRuntime.spawn(kind, Identity.from_seed(seed))`, fed with `deliver(origin_hash,
// CausalEvent(origin, seq, payload))`; after each delivery `DaemonRuntime.snapshot()` holds the
// daemon's chain head as a 32-byte link (origin, horizon, sequence, parent hash, u64 LE).

function runDaemon(
  daemonOrigin: bigint,
  events: [bigint, bigint, Uint8Array][],
  process: (payload: Uint8Array) => Uint8Array[],
): CausalLink[] {
  const chain = new CausalChain(daemonOrigin);
  const horizon = new ObservedHorizon();
  const heads: CausalLink[] = [];
  let head = genesisLink(daemonOrigin);
  for (const [origin, sequence, payload] of events) {
    horizon.observe(origin, sequence);
    for (const output of process(payload)) head = chain.append(output, horizon.encode()).link;
    heads.push(head);
  }
  return heads;
}

test("chain and horizon reproduce net-mesh 0.45.1's daemon chain head (seed 42 × 32, 6 outputs)", () => {
  const events: [bigint, bigint, Uint8Array][] = [1, 2, 3].map((i) => [
    0xdeadbeefn,
    BigInt(i),
    text.encode(`hello${i}`),
  ]);
  const process = (p: Uint8Array) => [concat(text.encode("out-"), p), text.encode("second")];
  const heads = runDaemon(0xc162c80da6be3de4n, events, process);
  const head = heads[heads.length - 1];
  assert.deepEqual(head, {
    originHash: 0xc162c80da6be3de4n,
    horizonEncoded: 0x0001000080000002n,
    sequence: 6n,
    parentHash: 0x055dd0e24e12e970n,
  });
  // The 32 bytes exactly as they sit in upstream's snapshot.
  assert.equal(hex(encodeCausalLink(head)), "e43dbea60dc862c1" + "0200008000000100" + "0600000000000000" + "70e9124ee2d05d05");
});

test("chain and horizon reproduce net-mesh 0.45.1's daemon chain heads (seed 07 × 32, 5 origins)", () => {
  const reverse = (p: Uint8Array) => p.slice().reverse();
  const prefix = Uint8Array.from({ length: 40 }, (_, i) => i);
  const process = (p: Uint8Array): Uint8Array[] => {
    const asText = new TextDecoder().decode(p);
    if (asText === "none") return [];
    if (asText === "empty") return [new Uint8Array(0)];
    return [reverse(p), concat(prefix, p)];
  };
  const events: [bigint, bigint, Uint8Array][] = [
    [0xdeadbeefn, 1n, text.encode("alpha")],
    [0x1234n, 1n, text.encode("none")],
    [0xfeedfacen, 7n, text.encode("empty")],
    [0xdeadbeefn, 2n, new Uint8Array(200).fill(0x78)],
    [1n, 1n, text.encode("b")],
    [2n, 5n, text.encode("c")],
    [3n, 9n, text.encode("d")],
  ];
  const expected: [bigint, bigint, bigint][] = [
    [0x0001000080000002n, 2n, 0x757cbb0d6fb52d45n],
    [0x0001000080000002n, 2n, 0x757cbb0d6fb52d45n],
    [0x0001288082001003n, 3n, 0x2270f3773a01da82n],
    [0x0001288082001003n, 5n, 0x979dd99974a0d2a4n],
    [0x0001688883001003n, 7n, 0xc1cb1e221b148817n],
    [0x200168898300100bn, 9n, 0xd776516a12d728c8n],
    [0x200168c98300900bn, 11n, 0x44dd8ab31c83a23fn],
  ];
  const heads = runDaemon(0x3de724ba65112490n, events, process);
  heads.forEach((head, i) => {
    const [horizonEncoded, sequence, parentHash] = expected[i];
    assert.deepEqual(head, { originHash: 0x3de724ba65112490n, horizonEncoded, sequence, parentHash }, `event ${i}`);
  });
});
