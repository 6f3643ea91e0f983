/**
 * XXH3-64 (xxHash 0.8 family, 64-bit output, default secret), as upstream's causal chain and
 * horizon bloom use it (§3.14: `xxh3_64` with seed 0). Written from the published algorithm.
 *
 * Every 64-bit quantity lives in two uint32 numbers (`hi`, `lo`) so no BigInt is touched until the
 * final result; products use `Math.imul` for the low word and a rounded double product for the
 * high word (exact: the double arithmetic is off by at most 2^12, far below one unit of 2^32).
 *
 * @module
 */

import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";

const TWO_32 = 4294967296;
const INV_TWO_32 = 1 / TWO_32;
const MAX_U32 = 0xffffffff;

const PRIME32_1 = 0x9e3779b1;
const PRIME32_2 = 0x85ebca77;
const PRIME32_3 = 0xc2b2ae3d;
const PRIME64_1_HI = 0x9e3779b1, PRIME64_1_LO = 0x85ebca87;
const PRIME64_2_HI = 0xc2b2ae3d, PRIME64_2_LO = 0x27d4eb4f;
const PRIME64_3_HI = 0x165667b1, PRIME64_3_LO = 0x9e3779f9;
const PRIME64_4_HI = 0x85ebca77, PRIME64_4_LO = 0xc2b2ae63;
const PRIME64_5_HI = 0x27d4eb2f, PRIME64_5_LO = 0x165667c5;
const PRIME_MX1_HI = 0x16566791, PRIME_MX1_LO = 0x9e3779f9;
const PRIME_MX2_HI = 0x9fb21c65, PRIME_MX2_LO = 0x1e98df25;

const STRIPE_BYTES = 64;
const SECRET_BYTES = 192;
const STRIPES_PER_BLOCK = (SECRET_BYTES - STRIPE_BYTES) / 8; // 16
const BLOCK_BYTES = STRIPE_BYTES * STRIPES_PER_BLOCK; // 1024
const SCRAMBLE_SECRET_OFFSET = SECRET_BYTES - STRIPE_BYTES; // 128
const LAST_STRIPE_SECRET_OFFSET = SECRET_BYTES - STRIPE_BYTES - 7; // 121
const MERGE_SECRET_OFFSET = 11;
const MIDSIZE_MAX_BYTES = 240;
const MIDSIZE_SECRET_START = 3; // rounds 8.. of 129–240 byte inputs read the secret from byte 3
const MIDSIZE_LAST_SECRET_OFFSET = 136 - 17; // upstream SECRET_SIZE_MIN - MIDSIZE_LASTOFFSET
const STREAM_BUFFER_BYTES = 256;
const STREAM_BUFFER_STRIPES = STREAM_BUFFER_BYTES / STRIPE_BYTES; // 4

// deno-fmt-ignore
const DEFAULT_SECRET_BYTES = new Uint8Array([
  0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
  0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
  0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
  0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
  0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
  0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
  0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
  0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
  0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
  0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
  0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
  0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
]);

/** `table[k]` = little-endian u32 at byte `k` of a secret: any (unaligned) secret read is one load. */
function secretTable(secret: Uint8Array): Int32Array {
  const table = new Int32Array(SECRET_BYTES - 3);
  for (let k = 0; k < table.length; k++) table[k] = read32(secret, k);
  return table;
}

const DEFAULT_SECRET = secretTable(DEFAULT_SECRET_BYTES);

/** Long inputs with a non-zero seed use a secret derived from it (upstream `initCustomSecret`). */
function derivedSecret(seedHi: number, seedLo: number): Int32Array {
  const bytes = new Uint8Array(SECRET_BYTES);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < SECRET_BYTES; i += 16) {
    add64(DEFAULT_SECRET[i + 4], DEFAULT_SECRET[i], seedHi, seedLo);
    view.setInt32(i, R[0], true);
    view.setInt32(i + 4, R[1], true);
    sub64(DEFAULT_SECRET[i + 12], DEFAULT_SECRET[i + 8], seedHi, seedLo);
    view.setInt32(i + 8, R[0], true);
    view.setInt32(i + 12, R[1], true);
  }
  return secretTable(bytes);
}

let cachedSeedHi = 0, cachedSeedLo = 0;
let cachedSecret = DEFAULT_SECRET;

function secretForSeed(seedHi: number, seedLo: number): Int32Array {
  if (seedHi === 0 && seedLo === 0) return DEFAULT_SECRET;
  if (seedHi !== cachedSeedHi || seedLo !== cachedSeedLo) {
    cachedSecret = derivedSecret(seedHi, seedLo);
    cachedSeedHi = seedHi;
    cachedSeedLo = seedLo;
  }
  return cachedSecret;
}

// ---- 64-bit arithmetic on (hi, lo) 32-bit words. Words may arrive signed or unsigned; results
// land in the Int32Array R (R[0] = lo, R[1] = hi), whose stores wrap mod 2^32 for free and keep
// V8 from boxing doubles in module-level variables. ----

const R = new Int32Array(2);

function read32(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
}

function bswap32(x: number): number {
  return (x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

/**
 * High word of the 32×32 product of uint32 `a`, `b` whose low word (unsigned) is `lo`. The double
 * arithmetic is off by at most 2^12 (two roundings near 2^64); +0.5 and truncation round that away.
 */
function productHigh(a: number, b: number, lo: number): number {
  return ((a * b - lo) * INV_TWO_32 + 0.5) >>> 0;
}

/** Low 64 bits of a 64×64 product into R. */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const lo = Math.imul(aLo, bLo);
  R[0] = lo;
  R[1] = productHigh(aLo >>> 0, bLo >>> 0, lo >>> 0) + Math.imul(aLo, bHi) + Math.imul(aHi, bLo);
}

function add64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const t = (aLo >>> 0) + (bLo >>> 0);
  R[0] = t;
  R[1] = aHi + bHi + (t > MAX_U32 ? 1 : 0);
}

function sub64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const t = (aLo >>> 0) - (bLo >>> 0);
  R[0] = t;
  R[1] = aHi - bHi - (t < 0 ? 1 : 0);
}

/** 128-bit product of two u64, high half XOR low half, into R. */
function mul128Fold64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const ah = aHi >>> 0, al = aLo >>> 0, bh = bHi >>> 0, bl = bLo >>> 0;
  const ll0 = Math.imul(al, bl) >>> 0, ll1 = productHigh(al, bl, ll0);
  const lh0 = Math.imul(al, bh) >>> 0, lh1 = productHigh(al, bh, lh0);
  const hl0 = Math.imul(ah, bl) >>> 0, hl1 = productHigh(ah, bl, hl0);
  const hh0 = Math.imul(ah, bh) >>> 0, hh1 = productHigh(ah, bh, hh0);
  const w1 = ll1 + lh0 + hl0; // word 1 plus its carry, below 3·2^32
  const w2 = lh1 + hl1 + hh0 + ((w1 * INV_TWO_32) | 0);
  const w3 = hh1 + ((w2 * INV_TWO_32) | 0);
  R[0] = w2 ^ ll0; // `^` takes each operand mod 2^32
  R[1] = w3 ^ w1;
}

/** XXH3 avalanche: h ^= h >> 37; h *= MX1; h ^= h >> 32. */
function avalanche(hi: number, lo: number): void {
  mul64(hi, lo ^ (hi >>> 5), PRIME_MX1_HI, PRIME_MX1_LO);
  R[0] ^= R[1];
}

/** XXH64's avalanche, used by the 0–3 byte paths. */
function avalancheXxh64(hi: number, lo: number): void {
  mul64(hi, lo ^ (hi >>> 1), PRIME64_2_HI, PRIME64_2_LO);
  const h = R[1], l = R[0];
  mul64(h ^ (h >>> 29), l ^ ((l >>> 29) | (h << 3)), PRIME64_3_HI, PRIME64_3_LO);
  R[0] ^= R[1];
}

/** Stronger finaliser of the 4–8 byte path. */
function rrmxmx(hi: number, lo: number, len: number): void {
  const h = hi ^ ((lo << 17) | (hi >>> 15)) ^ ((hi << 24) | (lo >>> 8));
  const l = lo ^ ((hi << 17) | (lo >>> 15)) ^ ((lo << 24) | (hi >>> 8));
  mul64(h, l, PRIME_MX2_HI, PRIME_MX2_LO);
  const shifted = (R[1] >>> 3) + len; // (h >> 35) + len, at most 2^29 + 8
  mul64(R[1], R[0] ^ shifted, PRIME_MX2_HI, PRIME_MX2_LO);
  const h2 = R[1], l2 = R[0];
  R[1] = h2 ^ (h2 >>> 28);
  R[0] = l2 ^ ((l2 >>> 28) | (h2 << 4));
}

// ---- short and mid-size inputs ----

function hash0To16(b: Uint8Array, p: number, len: number, seedHi: number, seedLo: number): void {
  const s = DEFAULT_SECRET;
  if (len > 8) {
    add64(s[28] ^ s[36], s[24] ^ s[32], seedHi, seedLo);
    const inHi = read32(b, p + 4) ^ R[1], inLo = read32(b, p) ^ R[0];
    sub64(s[44] ^ s[52], s[40] ^ s[48], seedHi, seedLo);
    const in2Hi = read32(b, p + len - 4) ^ R[1], in2Lo = read32(b, p + len - 8) ^ R[0];
    mul128Fold64(inHi, inLo, in2Hi, in2Lo);
    const foldHi = R[1], foldLo = R[0];
    add64(0, len, bswap32(inLo), bswap32(inHi));
    add64(R[1], R[0], in2Hi, in2Lo);
    add64(R[1], R[0], foldHi, foldLo);
    avalanche(R[1], R[0]);
  } else if (len >= 4) {
    sub64(s[12] ^ s[20], s[8] ^ s[16], seedHi ^ bswap32(seedLo), seedLo);
    rrmxmx(read32(b, p) ^ R[1], read32(b, p + len - 4) ^ R[0], len);
  } else if (len > 0) {
    const combined = (b[p] << 16) | (b[p + (len >>> 1)] << 24) | b[p + len - 1] | (len << 8);
    add64(0, s[0] ^ s[4], seedHi, seedLo);
    avalancheXxh64(R[1], combined ^ R[0]);
  } else {
    avalancheXxh64(seedHi ^ s[60] ^ s[68], seedLo ^ s[56] ^ s[64]);
  }
}

/**
 * R = acc + mix16B(16 input bytes at p, secret at k, seed): the 128-bit fold of mul128Fold64,
 * written out in place because this is the hot loop of every input of 17–240 bytes.
 */
function addMix16(
  accHi: number,
  accLo: number,
  b: Uint8Array,
  p: number,
  k: number,
  seedHi: number,
  seedLo: number,
): void {
  const s = DEFAULT_SECRET;
  let k0 = s[k], k1 = s[k + 4], k2 = s[k + 8], k3 = s[k + 12];
  if ((seedHi | seedLo) !== 0) {
    add64(k1, k0, seedHi, seedLo);
    k0 = R[0], k1 = R[1];
    sub64(k3, k2, seedHi, seedLo);
    k2 = R[0], k3 = R[1];
  }
  const al = ((b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) ^ k0) >>> 0;
  const ah = ((b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) ^ k1) >>> 0;
  const bl = ((b[p + 8] | (b[p + 9] << 8) | (b[p + 10] << 16) | (b[p + 11] << 24)) ^ k2) >>> 0;
  const bh = ((b[p + 12] | (b[p + 13] << 8) | (b[p + 14] << 16) | (b[p + 15] << 24)) ^ k3) >>> 0;
  const ll0 = Math.imul(al, bl) >>> 0, ll1 = ((al * bl - ll0) * INV_TWO_32 + 0.5) >>> 0;
  const lh0 = Math.imul(al, bh) >>> 0, lh1 = ((al * bh - lh0) * INV_TWO_32 + 0.5) >>> 0;
  const hl0 = Math.imul(ah, bl) >>> 0, hl1 = ((ah * bl - hl0) * INV_TWO_32 + 0.5) >>> 0;
  const hh0 = Math.imul(ah, bh) >>> 0, hh1 = ((ah * bh - hh0) * INV_TWO_32 + 0.5) >>> 0;
  const w1 = ll1 + lh0 + hl0;
  const w2 = lh1 + hl1 + hh0 + ((w1 * INV_TWO_32) | 0);
  const foldLo = (w2 ^ ll0) >>> 0, foldHi = ((hh1 + ((w2 * INV_TWO_32) | 0)) ^ w1) >>> 0;
  const t = (accLo >>> 0) + foldLo;
  R[0] = t;
  R[1] = accHi + foldHi + (t > MAX_U32 ? 1 : 0);
}

function hash17To128(b: Uint8Array, p: number, len: number, seedHi: number, seedLo: number): void {
  mul64(0, len, PRIME64_1_HI, PRIME64_1_LO);
  if (len > 32) {
    if (len > 64) {
      if (len > 96) {
        addMix16(R[1], R[0], b, p + 48, 96, seedHi, seedLo);
        addMix16(R[1], R[0], b, p + len - 64, 112, seedHi, seedLo);
      }
      addMix16(R[1], R[0], b, p + 32, 64, seedHi, seedLo);
      addMix16(R[1], R[0], b, p + len - 48, 80, seedHi, seedLo);
    }
    addMix16(R[1], R[0], b, p + 16, 32, seedHi, seedLo);
    addMix16(R[1], R[0], b, p + len - 32, 48, seedHi, seedLo);
  }
  addMix16(R[1], R[0], b, p, 0, seedHi, seedLo);
  addMix16(R[1], R[0], b, p + len - 16, 16, seedHi, seedLo);
  avalanche(R[1], R[0]);
}

function hash129To240(b: Uint8Array, p: number, len: number, seedHi: number, seedLo: number): void {
  mul64(0, len, PRIME64_1_HI, PRIME64_1_LO);
  for (let i = 0; i < 8; i++) addMix16(R[1], R[0], b, p + 16 * i, 16 * i, seedHi, seedLo);
  avalanche(R[1], R[0]);
  const rounds = len >>> 4;
  for (let i = 8; i < rounds; i++) {
    addMix16(R[1], R[0], b, p + 16 * i, 16 * (i - 8) + MIDSIZE_SECRET_START, seedHi, seedLo);
  }
  addMix16(R[1], R[0], b, p + len - 16, MIDSIZE_LAST_SECRET_OFFSET, seedHi, seedLo);
  avalanche(R[1], R[0]);
}

// ---- long inputs: 8 lanes of 64-bit accumulators. Lane L is three exact doubles, acc[3L] (weight
// 1), acc[3L + 1] (weight 2^16) and acc[3L + 2] (weight 2^32), so the stripe loop adds without
// carries; `normalize` folds them back to two uint32 words (mid = 0) after at most 16 stripes,
// while every sum is still below 2^53. ----

const LANE_STRIDE = 3;
const INV_TWO_16 = 1 / 65536;

function initAccumulators(acc: Float64Array): void {
  const init = [
    PRIME32_3, 0, PRIME64_1_LO, PRIME64_1_HI, PRIME64_2_LO, PRIME64_2_HI, PRIME64_3_LO, PRIME64_3_HI,
    PRIME64_4_LO, PRIME64_4_HI, PRIME32_2, 0, PRIME64_5_LO, PRIME64_5_HI, PRIME32_1, 0,
  ];
  for (let lane = 0; lane < 8; lane++) {
    acc[LANE_STRIDE * lane] = init[2 * lane];
    acc[LANE_STRIDE * lane + 1] = 0;
    acc[LANE_STRIDE * lane + 2] = init[2 * lane + 1];
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const alignedWords = new Int32Array(STRIPES_PER_BLOCK * 16);

/**
 * `stripes` (≤ 16) consecutive 64-byte stripes from p, secret from byte k advancing 8 per stripe:
 * per lane L, acc[L ^ 1] += data and acc[L] += lo32(data ^ key) * hi32(data ^ key). Aligned input
 * is read in place as 32-bit words; other input is first copied into an aligned scratch.
 */
function accumulate(
  acc: Float64Array,
  b: Uint8Array,
  p: number,
  s: Int32Array,
  k: number,
  stripes: number,
): void {
  if (LITTLE_ENDIAN && ((b.byteOffset + p) & 3) === 0) {
    accumulateWords(acc, new Int32Array(b.buffer, b.byteOffset + p, stripes * 16), s, k, stripes);
  } else {
    for (let i = 0; i < stripes * 16; i++) alignedWords[i] = read32(b, p + 4 * i);
    accumulateWords(acc, alignedWords, s, k, stripes);
  }
  normalize(acc);
}

/**
 * The stripe loop over little-endian words, with the 8 lanes' 24 accumulators in locals (twice
 * as fast as indexing `acc` in the loop). Line pairs are lanes 0–7: read, key, add data to the
 * neighbour lane, add the key product to this lane.
 */
function accumulateWords(acc: Float64Array, w: Int32Array, s: Int32Array, k: number, stripes: number): void {
  let lo0 = acc[0], mid0 = acc[1], hi0 = acc[2];
  let lo1 = acc[3], mid1 = acc[4], hi1 = acc[5];
  let lo2 = acc[6], mid2 = acc[7], hi2 = acc[8];
  let lo3 = acc[9], mid3 = acc[10], hi3 = acc[11];
  let lo4 = acc[12], mid4 = acc[13], hi4 = acc[14];
  let lo5 = acc[15], mid5 = acc[16], hi5 = acc[17];
  let lo6 = acc[18], mid6 = acc[19], hi6 = acc[20];
  let lo7 = acc[21], mid7 = acc[22], hi7 = acc[23];
  let d0 = 0, d1 = 0, k0 = 0, k1 = 0;
  for (let q = 0; q < stripes * 16; q += 16, k += 8) {
    d0 = w[q] >>> 0, d1 = w[q + 1] >>> 0, k0 = (d0 ^ s[k]) >>> 0, k1 = d1 ^ s[k + 4];
    lo1 += d0, hi1 += d1, lo0 += k0 * (k1 & 0xffff), mid0 += k0 * (k1 >>> 16);
    d0 = w[q + 2] >>> 0, d1 = w[q + 3] >>> 0, k0 = (d0 ^ s[k + 8]) >>> 0, k1 = d1 ^ s[k + 12];
    lo0 += d0, hi0 += d1, lo1 += k0 * (k1 & 0xffff), mid1 += k0 * (k1 >>> 16);
    d0 = w[q + 4] >>> 0, d1 = w[q + 5] >>> 0, k0 = (d0 ^ s[k + 16]) >>> 0, k1 = d1 ^ s[k + 20];
    lo3 += d0, hi3 += d1, lo2 += k0 * (k1 & 0xffff), mid2 += k0 * (k1 >>> 16);
    d0 = w[q + 6] >>> 0, d1 = w[q + 7] >>> 0, k0 = (d0 ^ s[k + 24]) >>> 0, k1 = d1 ^ s[k + 28];
    lo2 += d0, hi2 += d1, lo3 += k0 * (k1 & 0xffff), mid3 += k0 * (k1 >>> 16);
    d0 = w[q + 8] >>> 0, d1 = w[q + 9] >>> 0, k0 = (d0 ^ s[k + 32]) >>> 0, k1 = d1 ^ s[k + 36];
    lo5 += d0, hi5 += d1, lo4 += k0 * (k1 & 0xffff), mid4 += k0 * (k1 >>> 16);
    d0 = w[q + 10] >>> 0, d1 = w[q + 11] >>> 0, k0 = (d0 ^ s[k + 40]) >>> 0, k1 = d1 ^ s[k + 44];
    lo4 += d0, hi4 += d1, lo5 += k0 * (k1 & 0xffff), mid5 += k0 * (k1 >>> 16);
    d0 = w[q + 12] >>> 0, d1 = w[q + 13] >>> 0, k0 = (d0 ^ s[k + 48]) >>> 0, k1 = d1 ^ s[k + 52];
    lo7 += d0, hi7 += d1, lo6 += k0 * (k1 & 0xffff), mid6 += k0 * (k1 >>> 16);
    d0 = w[q + 14] >>> 0, d1 = w[q + 15] >>> 0, k0 = (d0 ^ s[k + 56]) >>> 0, k1 = d1 ^ s[k + 60];
    lo6 += d0, hi6 += d1, lo7 += k0 * (k1 & 0xffff), mid7 += k0 * (k1 >>> 16);
  }
  acc[0] = lo0, acc[1] = mid0, acc[2] = hi0;
  acc[3] = lo1, acc[4] = mid1, acc[5] = hi1;
  acc[6] = lo2, acc[7] = mid2, acc[8] = hi2;
  acc[9] = lo3, acc[10] = mid3, acc[11] = hi3;
  acc[12] = lo4, acc[13] = mid4, acc[14] = hi4;
  acc[15] = lo5, acc[16] = mid5, acc[17] = hi5;
  acc[18] = lo6, acc[19] = mid6, acc[20] = hi6;
  acc[21] = lo7, acc[22] = mid7, acc[23] = hi7;
}

function normalize(acc: Float64Array): void {
  for (let own = 0; own < 8 * LANE_STRIDE; own += LANE_STRIDE) {
    const mid = acc[own + 1];
    const midLow = mid & 0xffff;
    const lo = acc[own] + midLow * 65536;
    const lo32 = lo >>> 0;
    acc[own] = lo32;
    acc[own + 1] = 0;
    acc[own + 2] = (acc[own + 2] + (mid - midLow) * INV_TWO_16 + (lo - lo32) * INV_TWO_32) >>> 0;
  }
}

/** acc ^= acc >> 47; acc ^= key; acc *= PRIME32_1 (per lane). */
function scramble(acc: Float64Array, s: Int32Array): void {
  const k = SCRAMBLE_SECRET_OFFSET;
  for (let lane = 0; lane < 8; lane++) {
    const own = LANE_STRIDE * lane;
    const hi = acc[own + 2];
    const lo = (acc[own] ^ (hi >>> 15) ^ s[k + 8 * lane]) >>> 0;
    const p0 = Math.imul(lo, PRIME32_1) >>> 0;
    acc[own] = p0;
    acc[own + 2] = (productHigh(lo, PRIME32_1, p0) + Math.imul(hi ^ s[k + 8 * lane + 4], PRIME32_1)) >>> 0;
  }
}

/** Final merge of the 8 lanes; `lenHi/lenLo` is the total input length. */
function mergeAccumulators(acc: Float64Array, s: Int32Array, lenHi: number, lenLo: number): void {
  mul64(lenHi, lenLo, PRIME64_1_HI, PRIME64_1_LO);
  for (let pair = 0; pair < 4; pair++) {
    const hi = R[1], lo = R[0];
    const k = MERGE_SECRET_OFFSET + 16 * pair, a = 2 * LANE_STRIDE * pair, b = a + LANE_STRIDE;
    mul128Fold64(acc[a + 2] ^ s[k + 4], acc[a] ^ s[k], acc[b + 2] ^ s[k + 12], acc[b] ^ s[k + 8]);
    add64(hi, lo, R[1], R[0]);
  }
  avalanche(R[1], R[0]);
}

const oneShotAcc = new Float64Array(8 * LANE_STRIDE);

function hashLong(b: Uint8Array, p: number, len: number, s: Int32Array): void {
  const acc = oneShotAcc;
  initAccumulators(acc);
  const blocks = Math.floor((len - 1) / BLOCK_BYTES);
  for (let n = 0; n < blocks; n++) {
    accumulate(acc, b, p + n * BLOCK_BYTES, s, 0, STRIPES_PER_BLOCK);
    scramble(acc, s);
  }
  const tailStripes = Math.floor((len - 1 - blocks * BLOCK_BYTES) / STRIPE_BYTES);
  accumulate(acc, b, p + blocks * BLOCK_BYTES, s, 0, tailStripes);
  accumulate(acc, b, p + len - STRIPE_BYTES, s, LAST_STRIPE_SECRET_OFFSET, 1);
  mergeAccumulators(acc, s, Math.floor(len / TWO_32), len);
}

/** Hashes `b[p, p + len)` into R. */
function hashRange(b: Uint8Array, p: number, len: number, seedHi: number, seedLo: number): void {
  if (len <= 16) hash0To16(b, p, len, seedHi, seedLo);
  else if (len <= 128) hash17To128(b, p, len, seedHi, seedLo);
  else if (len <= MIDSIZE_MAX_BYTES) hash129To240(b, p, len, seedHi, seedLo);
  else hashLong(b, p, len, secretForSeed(seedHi, seedLo));
}

function checkSeed(seed: bigint): void {
  if (typeof seed !== "bigint" || seed < 0n || seed > 0xffffffffffffffffn) {
    throw new MeshOsSdkError(
      "invalid_argument",
      `seed: expected a bigint in 0..2^64-1; got ${describeValue(seed)}`,
    );
  }
}

function checkData(data: Uint8Array): void {
  if (!(data instanceof Uint8Array)) {
    throw new MeshOsSdkError("invalid_argument", `data: expected a Uint8Array; got ${describeValue(data)}`);
  }
}

const bigintScratch = new DataView(new ArrayBuffer(8));

/** One BigInt allocation per result (cheaper than shifting and or-ing two). */
function toBigint(hi: number, lo: number): bigint {
  bigintScratch.setInt32(0, lo, true);
  bigintScratch.setInt32(4, hi, true);
  return bigintScratch.getBigUint64(0, true);
}

/**
 * XXH3-64 of `data` with `seed` (default 0), as a u64 bigint. Matches `xxhash.xxh3_64_intdigest`.
 *
 * @example
 * ```ts
 * xxh3_64(new Uint8Array(0)); // 0x2d06800538d394c2n
 * xxh3_64(new TextEncoder().encode("hello"), 7n);
 * ```
 */
export function xxh3_64(data: Uint8Array, seed: bigint = 0n): bigint {
  checkData(data);
  if (seed === 0n) {
    hashRange(data, 0, data.length, 0, 0);
  } else {
    checkSeed(seed);
    hashRange(data, 0, data.length, Number(seed >> 32n), Number(seed & 0xffffffffn));
  }
  return toBigint(R[1], R[0]);
}

/**
 * XXH3-64 (seed 0) of `data[offset, offset + length)` without BigInt: writes the low 32 bits to
 * `out[0]` and the high 32 bits to `out[1]`. For hot paths (chain appends, bloom bits).
 *
 * @example
 * ```ts
 * const out = new Uint32Array(2);
 * xxh3_64_into(bytes, out); // out[1] * 2 ** 32 + out[0] is the hash
 * xxh3_64_into(bytes, out, { offset: 8, length: 32 });
 * ```
 */
export function xxh3_64_into(
  data: Uint8Array,
  out: Uint32Array,
  range: { offset?: number; length?: number } = {},
): void {
  checkData(data);
  const offset = range.offset ?? 0;
  const length = range.length ?? data.length - offset;
  const valid = Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0;
  if (!valid || offset + length > data.length) {
    throw new MeshOsSdkError(
      "invalid_argument",
      `range: expected offset/length within ${data.length} bytes; got offset ${offset}, length ${length}`,
    );
  }
  hashRange(data, offset, length, 0, 0);
  out[0] = R[0];
  out[1] = R[1];
}

/**
 * Incremental XXH3-64: feed bytes in any number of `update()` calls, read `digest()` at any
 * time (it does not end the stream). Same result as `xxh3_64` over the concatenation.
 *
 * @example
 * ```ts
 * const hasher = new Xxh3Hasher();
 * hasher.update(linkBytes).update(payload);
 * const parentHash = hasher.digest();
 * hasher.reset(); // reuse for the next message
 * ```
 */
export class Xxh3Hasher {
  readonly #seedHi: number;
  readonly #seedLo: number;
  readonly #secret: Int32Array;
  readonly #acc = new Float64Array(8 * LANE_STRIDE);
  readonly #scratchAcc = new Float64Array(8 * LANE_STRIDE);
  readonly #buffer = new Uint8Array(STREAM_BUFFER_BYTES);
  readonly #lastStripe = new Uint8Array(STRIPE_BYTES);
  #buffered = 0;
  #totalBytes = 0;
  #stripesInBlock = 0;

  /** A hasher for `seed` (u64, default 0). */
  constructor(seed: bigint = 0n) {
    checkSeed(seed);
    this.#seedHi = Number(seed >> 32n);
    this.#seedLo = Number(seed & 0xffffffffn);
    this.#secret = seed === 0n ? DEFAULT_SECRET : derivedSecret(this.#seedHi, this.#seedLo);
    this.reset();
  }

  /** Forgets everything fed so far; the seed stays. Returns `this`. */
  reset(): this {
    initAccumulators(this.#acc);
    this.#buffered = 0;
    this.#totalBytes = 0;
    this.#stripesInBlock = 0;
    return this;
  }

  /** Feeds `data`. Returns `this`, so calls chain. */
  update(data: Uint8Array): this {
    checkData(data);
    const len = data.length;
    const buffer = this.#buffer;
    this.#totalBytes += len;
    if (this.#buffered + len <= STREAM_BUFFER_BYTES) {
      buffer.set(data, this.#buffered);
      this.#buffered += len;
      return this;
    }
    // Whole 256-byte chunks are consumed only while more input follows, so the buffer always
    // holds the last 1..256 bytes that digest() finishes with (as the reference does).
    let p = 0;
    if (this.#buffered > 0) {
      p = STREAM_BUFFER_BYTES - this.#buffered;
      buffer.set(data.subarray(0, p), this.#buffered);
      this.#consume(this.#acc, buffer, 0, STREAM_BUFFER_STRIPES, true);
      this.#buffered = 0;
    }
    if (len - p > STREAM_BUFFER_BYTES) {
      do {
        this.#consume(this.#acc, data, p, STREAM_BUFFER_STRIPES, true);
        p += STREAM_BUFFER_BYTES;
      } while (len - p > STREAM_BUFFER_BYTES);
      // digest() may need the bytes just before the buffered tail to complete the last stripe.
      buffer.set(data.subarray(p - STRIPE_BYTES, p), STREAM_BUFFER_BYTES - STRIPE_BYTES);
    }
    buffer.set(data.subarray(p), 0);
    this.#buffered = len - p;
    return this;
  }

  /** The XXH3-64 of everything fed since construction or `reset()`. */
  digest(): bigint {
    const total = this.#totalBytes;
    if (total <= MIDSIZE_MAX_BYTES) {
      hashRange(this.#buffer, 0, total, this.#seedHi, this.#seedLo);
      return toBigint(R[1], R[0]);
    }
    const acc = this.#scratchAcc;
    acc.set(this.#acc);
    const buffered = this.#buffered, buffer = this.#buffer;
    if (buffered >= STRIPE_BYTES) {
      this.#consume(acc, buffer, 0, Math.floor((buffered - 1) / STRIPE_BYTES), false);
      accumulate(acc, buffer, buffered - STRIPE_BYTES, this.#secret, LAST_STRIPE_SECRET_OFFSET, 1);
    } else {
      const last = this.#lastStripe;
      const carried = STRIPE_BYTES - buffered;
      last.set(buffer.subarray(STREAM_BUFFER_BYTES - carried), 0);
      last.set(buffer.subarray(0, buffered), carried);
      accumulate(acc, last, 0, this.#secret, LAST_STRIPE_SECRET_OFFSET, 1);
    }
    mergeAccumulators(acc, this.#secret, Math.floor(total / TWO_32), total);
    return toBigint(R[1], R[0]);
  }

  /** Accumulates `stripes` stripes, scrambling at block ends; `commit` keeps the block position. */
  #consume(acc: Float64Array, b: Uint8Array, p: number, stripes: number, commit: boolean): void {
    const s = this.#secret;
    const soFar = this.#stripesInBlock;
    let after: number;
    if (STRIPES_PER_BLOCK - soFar <= stripes) {
      const toEnd = STRIPES_PER_BLOCK - soFar;
      accumulate(acc, b, p, s, soFar * 8, toEnd);
      scramble(acc, s);
      after = stripes - toEnd;
      accumulate(acc, b, p + toEnd * STRIPE_BYTES, s, 0, after);
    } else {
      accumulate(acc, b, p, s, soFar * 8, stripes);
      after = soFar + stripes;
    }
    if (commit) this.#stripesInBlock = after;
  }
}
