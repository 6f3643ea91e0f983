import assert from "node:assert/strict";
import { test } from "./_harness.ts";
import { xxh3_64, xxh3_64_into, Xxh3Hasher } from "../src/identity/xxh3.ts";
import { MeshOsSdkError } from "../src/errors/meshos_sdk_error.ts";

// Reference vectors: python xxhash 4.x xxh3_64_intdigest (xxhash 4.1.0, libxxhash 0.8.4), over
// `pattern(n)` below, e.g. `xxhash.xxh3_64_intdigest(data(n), seed)` with
// `data = lambda n: bytes(((i * 131 + 7) ^ (i >> 3)) & 0xff for i in range(n))`.

function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = ((i * 131 + 7) ^ (i >> 3)) & 0xff;
  return bytes;
}

function hex(value: bigint): string {
  return value.toString(16).padStart(16, "0");
}

/** Seed 0, lengths 0..300: entry n is xxh3_64(pattern(n)). */
const SEED0_BY_LENGTH: string[] = [
  "2d06800538d394c2 4c5cca45d0f4811f 29c60963cbfa4e6e 6e3e2670e61106ac 5c4c63133443d03f 49f5eb3111280b63",
  "71655f8cab99dd4e 46a5c724d51fe43f f9fd4dd0b04d78f5 d366b661d7117290 edf90774629a6788 8f76da7130060169",
  "eea28d9aa550bb31 e5edd34d6117fa02 7ea5fb3daac9a438 0eb904ac831edee5 56b3a067e7b10ce6 588b39e11135884f",
  "ae19c79a191b1dfd c979424c8d47244f 01ed3bcba63f97c5 e9402be5595d8c3d a042555ce46ce455 c2e336d8f3eead79",
  "caf2772316b136ea d6ca07f2b3c1841d df094e083b73e7f1 5052c800e0d75e12 08921ea612206b34 56c6b36496607762",
  "133b856c1af8b973 7fbd25248ae8aa5c 540650e86df9cd98 f6ac09fadbb82efe 4406a73c2f0287f6 79f00c6e6b3d2217",
  "6573772bd96f6e2c 21d449b239cb1a18 faed7f078c102da1 e42ab4233b49e35a 5ff4caba01061633 f4d42150df9caff8",
  "0677fc3d593813b8 a66da815a2bb10bc a431273d9b89f7fb 60b6d9ec19fc5c3e b40cf9dc7e619971 b99c12f81684425c",
  "b861917e9b394fd7 d055d91c341c2967 e2c3063d61d22455 52009cd048c179cd 180a68d905a1c8f1 97ef13ddff51baf6",
  "c77da2694bcc24af a87b2a9557da3971 cdd8af8f6e5107bf 7d540c46603b6197 660dbd1c2c91a902 3e243867c05924a3",
  "910ca7d363f981a0 c2bfa2bf8bc29c57 5ffea6a21aee38bc b38375ffc0ceb5f8 0c7e2ca85afa65c6 4d396f52ca924484",
  "9265299ebdf53cd5 f745677229e37236 09a7581595d1d77a e477f10d4f6a42b1 79e5deadbe83a23b 97f50eacfe15331b",
  "9dba5f72da086df9 0091b5b3014bc7af a1296f55fdffc4a2 16d956b2f6009f19 8f6d1e5cee809974 0e5233026a47fcee",
  "58f9b3ea088de373 7dd3f612b76dec88 07bb723149b3655c fed01cffcba03628 d28c5287ae198db2 5a60b320c654800e",
  "e18119087281de5d 3b25e6437debb040 2654ddf9ce5e5e15 dbb5f871af5eeb86 4a9c7c96b5d11c60 8f7a6ab01851524a",
  "964387a611f460df 2c1a0d1820fc7c7b 2eb33d578e1b0df3 9b6e16b66e104775 1a332fa1de70b6d5 e1397fedf457fe9f",
  "7ad73c82bad9f911 5302eddaea69b273 1b9b809e7885c936 132c04ba47bb9777 2d3630e80f101492 515573fd5a11cfae",
  "84ae2c06c06dee90 e3c7efb0a3f2d884 77875c58f9e7e4cd 48b64de5fa70d77c 0f4cc76722e3bd48 105994444e671443",
  "a2f5d321b016e4db 2003649b25f72c72 4bea5fd48d346cd0 9969c3d4eb590d0a d0f525cc5b9a9016 684b9997e9cd87ea",
  "8d7b258dea416025 385a177744a97709 20a1d3032f99d352 5ec4838d96822240 b76df382a9da7f0d b7acd21d0bcc73d4",
  "bfdac9b8e4b66301 5eac6c0c583e20fe 488045062e0472e1 0073961b0ac00990 4f8a63eadeaa948d f473c6fb69189aa7",
  "890b0050138ce869 ecd8ba323569d711 9667723002e5081b 2e6e2ec2125d828d ac76b5b9abcab8f1 ec1c1d52c38a7a8e",
  "52e585276c2d19df 2a4a1e533dbba2c6 5004083f7247d219 aeb057c1268a82b1 c93dc5025c88e603 83cdb6e74ea944d6",
  "53e574984e56b1f1 98023cf7bd3d5da7 04e13b60168164bc 2e2cc46496b32385 d88be2836b4f4c56 18d5d3ffa08280e3",
  "0c1ddd8481295265 3f0200e94e731d1a f856dd0a8b59463d e9d09e864000b9a1 97d1781144bfc39d 23ec5926ff4cf85c",
  "d51a3898af85a722 25ad44f037004d1a c89ef022ebe65dd6 e92b9605e6d5f01d 92826c2c283b8320 961ce2cdb7b16a6a",
  "e2f0f6e626d4735e a56062f7da69b9f3 ff8db6f95df3640c 547707ea28d63226 e2f48a4080ea5353 761c21ed0a4f2678",
  "ff1f6968c195a082 6aff2d1bfef0774b 6ad1a94db99237ee 2ba56b50f8e53879 545da00078649002 9686d5913abebd03",
  "5b92128c37b4974b 7bccc593e3d6b9f7 0a9126a20f090c86 f0e58a141923e6df 2d35f0f2861e7678 0fc0b55801532784",
  "bcb6eaf425e59d58 e3450354a70b95f1 8e919ff2b372c824 ba56ca0c719ce828 1b5c84aec0f7dab8 d6c52cd58dde1948",
  "fd02fba3ff5dacbe 12acfd9c9c16f56f e03b7d69e537d3c2 fb8764101a6739c8 9fd1dedd665de52b c20e3cc9f37b5fe7",
  "0159d5bed2ddf655 ad4cde27d3515475 40a2831e0c445bc9 03c797228d2627e6 20065fa1d3ee012e f1e04fd6f4c51fca",
  "44081087c4bea47c 53bae0b5d4561107 e5e732b3ac609c81 65f74f12d8e0037f 3fbd3ddcbe22232e 512dd5e027453811",
  "07887126640db1c5 29c2ccab4d41d7b6 5475e23691ab60a1 f94580de00f1f2bd 8dae3793db2fd867 290f2ebe4f6c748c",
  "fe34380d74499c9c 391e17fad0287b1b 90d5b487e34c6beb 17b90a0134da8012 92d48ae5c0c88949 a179e10a2909d2a9",
  "35eb7bb39257f25c 174e36fc5346c7f1 42546d070215df78 88f8f1ea0544c51c 8380fb664ce51817 4c2dad172ab65cd0",
  "1d8cfb6ef3dc3750 901cd2303f449d41 a278b8470e9e4ec6 dd55ca6bfb0d6d9b 8f56874bd00618e5 deaa155333fccf6a",
  "2cecdcd82fb86a3c e8ff613ee78210f1 dce1a6a7713ea8f1 ffd97f210107460e eb21324ba9525dc4 9ad7511ca3a90243",
  "eeb5bd284da4986e 70be5eefc71fa7bd ed1d5d5d00867814 fd1b840302609451 5dc51331e6aaccbe 0dc028516bdb7d35",
  "bfdf3e5b2fd0dbe8 4cdf4f76790af585 f3954175f81cbd93 a0f90b8fa5c1307c 1eb2461889b31756 c3522f24d7e5b16f",
  "96220c5de8b65169 74c78117e21dc518 35bc05478361a5ce ef60f3cbad9b54ea aaf0ee93bdb032cf 6019ec25b9cf95ce",
  "94a0b716f7d235db e9950808651d21fb 273a1f36f4d9fe17 74a35a622a5e6d0d 707b0e814b2140bd 36785c00ca3c1360",
  "f662609b08499420 bbb8a956370d9638 332541bdde357466 7bd12a8c4ef730b7 ab05d87323b3537d 2fd365caacba8138",
  "6952c8980e6967c4 ec2921ca056c931f 20a4b19f5d27ab10 60f9479eca74c72c 19e01957bcba6785 35fc18253f9da0a9",
  "8d275dc081eacea1 7f76a4949c29a7fb e088f724290493cc 3d9cdee462e9ae5e a56ef6c66083185a 902cbf8a88f8a08c",
  "636370346bb504b6 79f868ef0ca19367 e90c4f9fc1c24aad 950e0789c9f9af4e bc4c56f94e4913a7 cd5d5fb3b4cb2c21",
  "5e36435c194b678d 52dc0053c90ad933 b66395d992d6983d afff584d074599f5 e93cdeb4dd6fb220 c69a41bcdb23be7c",
  "eb29b521a62cc347 d226536105ce78ad bf6100e11620e93d aee3db29919a334a fa4f032e543546a1 561410882bd51580",
  "3eb9ebe91cebd1a0 6c1009bd2ae1c8db 7438c670e1ee60c4 8c557664feb7c54c cf5a57a6915cc520 0af75861cc94213c",
  "5497f99de3803ac8 19995aa56cae84f8 b63054dd61d9decc 81c40c3158428d21 474b9b1b01cbbbb3 6f4e914add1be071",
  "401d966130457629",
].join(" ").split(" ");

const SEED0_LONG: [number, bigint][] = [
  [1000, 0xc2e3c075a4c2a7b1n],
  [1024, 0x593b79c5f7e7abcbn],
  [1025, 0x1b40bb3e101aead4n],
  [2048, 0x0026be205b8aa8ban],
  [4096, 0x739356a86d963bb4n],
  [100000, 0xd4258b078917470en],
];

const SEEDED: [bigint, [number, bigint][]][] = [
  [0x1n, [
    [0, 0x4dc5b0cc826f6703n], [1, 0x0a187bf012eca100n], [2, 0xdcda77790bd3ad3bn], [3, 0x09b2077206b1496dn],
    [4, 0x16d938bf1343226dn], [5, 0x41173453c513edcfn], [8, 0xd1129f0bf6e39a1dn], [9, 0xb3ffd24ef281e2efn],
    [15, 0xc3bb2df241e8a0f1n], [16, 0xcd934af50e0c9e81n], [17, 0x081d1ed73b4604den], [32, 0xde298939e6b7ac67n],
    [33, 0xe44736a0baf8455en], [64, 0x56470554c190cb64n], [65, 0x1d8b03df62ddeb30n], [96, 0x09ef2b83885f363fn],
    [97, 0xdd20f75a6865bb8fn], [128, 0xb684bbf2629923bcn], [129, 0x888a3818e448ac4en], [160, 0x0982376428225409n],
    [239, 0xd9a76af2aac72327n], [240, 0xdbd0e539c8b24875n], [241, 0x3aa03f2390e982d8n], [255, 0x21282f2857b288d3n],
    [256, 0x3fa8208773eec529n], [257, 0x0a24eb8cd6680f6an], [1024, 0x19c926921a4449b9n], [1025, 0x9f997b93b2fb3decn],
    [4096, 0x630237c0b6ce6468n], [100000, 0xf35ded01e8afa774n],
  ]],
  [0x9e3779b97f4a7c15n, [
    [0, 0x602b0e2cd6662c8bn], [1, 0x2f3acd3805f81de3n], [2, 0x28a7b77c08c091ebn], [3, 0xbc74611d87f659e0n],
    [4, 0x6c3753177c607de4n], [5, 0xc527066b4c496b85n], [8, 0xbc72d0531396303fn], [9, 0x5bb3e59d3ee38884n],
    [15, 0x6acf5863af705e42n], [16, 0xff9757ff433e5b96n], [17, 0x9001a7ebd35307b2n], [32, 0x5011128e2a91cfe0n],
    [33, 0x77513a38471f20e4n], [64, 0x658cfe58b7a7e916n], [65, 0x774a8287590b7990n], [96, 0xb526e49e77f58d64n],
    [97, 0x7155864790121dd3n], [128, 0x04050c2e9e1d93b8n], [129, 0x95b79b9044eae7abn], [160, 0xa4a9560d85425d56n],
    [239, 0xd484ab6d28309f77n], [240, 0x8dc2a0979d22a336n], [241, 0x2630845ad615ee35n], [255, 0x3d5ec6cae5065b1cn],
    [256, 0xaf12c9b9a4819c1an], [257, 0x9a3b36ff03c6e7acn], [1024, 0x0df19cf9a070e794n], [1025, 0x203588f48a3d217fn],
    [4096, 0x621f72cb58498673n], [100000, 0x10af69df8da8f731n],
  ]],
  [0xffffffffffffffffn, [
    [0, 0x4c093276ae47a555n], [1, 0x36ce6de3f8ce2550n], [2, 0x3c22fbf2e52c4222n], [3, 0x4e704406273a2f10n],
    [4, 0x7d3c976072267e11n], [5, 0xf9ce6a22e619e421n], [8, 0xcdb415eadb92d8c2n], [9, 0xe465c2f89d729be7n],
    [15, 0x789501a9011a304en], [16, 0xb50c11ee19216f63n], [17, 0x064fcb0da446298an], [32, 0xe661a6684da4f21bn],
    [33, 0xd4052a8ec7e96937n], [64, 0xaa5b1e2402f76e81n], [65, 0x3f9bce78a2e7c812n], [96, 0xadbc57276d2ce206n],
    [97, 0x4e8692229ee64df0n], [128, 0x9f8ba3676fa2be5bn], [129, 0xde36a24baef7501an], [160, 0x782bb5acd8cc0af7n],
    [239, 0x16c4155b8d31ab0fn], [240, 0x9f2c182f7e9f5368n], [241, 0x8e5a440b1c15c63bn], [255, 0xa6efe6aa041d5b5dn],
    [256, 0x093578cdc35f422cn], [257, 0x181a9313be3b53bbn], [1024, 0xe7333a4370d3b343n], [1025, 0x040cfb81879badf1n],
    [4096, 0xdd16d36969498746n], [100000, 0x1d79ba1c324e7d98n],
  ]],
];

test("xxh3_64 matches python xxhash for every length 0..300 (seed 0)", () => {
  assert.equal(SEED0_BY_LENGTH.length, 301);
  const data = pattern(300);
  for (let length = 0; length <= 300; length++) {
    assert.equal(hex(xxh3_64(data.subarray(0, length))), SEED0_BY_LENGTH[length], `length ${length}`);
  }
});

test("xxh3_64 matches python xxhash for long inputs (blocks, scrambles, last stripe)", () => {
  for (const [length, expected] of SEED0_LONG) {
    assert.equal(xxh3_64(pattern(length)), expected, `length ${length}`);
  }
});

test("xxh3_64 matches python xxhash with seeds on every size class", () => {
  for (const [seed, rows] of SEEDED) {
    for (const [length, expected] of rows) {
      assert.equal(xxh3_64(pattern(length), seed), expected, `seed ${seed}, length ${length}`);
    }
  }
});

test("xxh3_64 of well-known strings", () => {
  const text = new TextEncoder();
  assert.equal(xxh3_64(new Uint8Array(0)), 0x2d06800538d394c2n);
  assert.equal(xxh3_64(text.encode("a")), 0xe6c632b61e964e1fn);
  assert.equal(xxh3_64(text.encode("abc")), 0x78af5f94892f3950n);
  assert.equal(xxh3_64(text.encode("hello")), 0x9555e8555c62dcfdn);
  assert.equal(xxh3_64(text.encode("hello world")), 0xd447b1ea40e6988bn);
  assert.equal(xxh3_64(text.encode("The quick brown fox jumps over the lazy dog")), 0xce7d19a5418fb365n);
});

test("xxh3_64 reads only the view it is given (subarray with an offset)", () => {
  const data = pattern(5000);
  for (const [offset, length] of [[1, 0], [3, 7], [5, 33], [7, 200], [9, 2000], [4, 1500], [8, 3000], [2, 4097]]) {
    const view = data.subarray(offset, offset + length);
    assert.equal(xxh3_64(view), xxh3_64(view.slice()), `offset ${offset}, length ${length}`);
  }
});

test("xxh3_64_into gives the same hash as words, for whole arrays and ranges", () => {
  const out = new Uint32Array(2);
  const data = pattern(2000);
  for (const length of [0, 5, 16, 100, 240, 241, 1500]) {
    xxh3_64_into(data.subarray(0, length), out);
    assert.equal((BigInt(out[1]) << 32n) | BigInt(out[0]), xxh3_64(data.subarray(0, length)));
    xxh3_64_into(data, out, { offset: 11, length });
    assert.equal((BigInt(out[1]) << 32n) | BigInt(out[0]), xxh3_64(data.subarray(11, 11 + length)));
  }
});

test("Xxh3Hasher equals the one-shot hash for every chunking, every size class and seed", () => {
  const lengths = [0, 1, 3, 4, 8, 9, 16, 17, 64, 128, 129, 200, 240, 241, 255, 256, 257, 511, 512, 513,
    1023, 1024, 1025, 2047, 4096, 4097, 10_000];
  const chunkSizes = [1, 7, 63, 64, 65, 255, 256, 257, 1000, 100_000];
  for (const seed of [0n, 1n, 0xffffffffffffffffn]) {
    for (const length of lengths) {
      const data = pattern(length);
      const expected = xxh3_64(data, seed);
      for (const chunk of chunkSizes) {
        const hasher = new Xxh3Hasher(seed);
        for (let p = 0; p < length; p += chunk) hasher.update(data.subarray(p, Math.min(length, p + chunk)));
        assert.equal(hasher.digest(), expected, `seed ${seed}, length ${length}, chunk ${chunk}`);
      }
    }
  }
});

test("Xxh3Hasher: irregular chunks, digest mid-stream, reset", () => {
  const data = pattern(100_000);
  const hasher = new Xxh3Hasher();
  let p = 0, step = 1;
  while (p < data.length) {
    const end = Math.min(data.length, p + step);
    hasher.update(data.subarray(p, end));
    assert.equal(hasher.digest(), xxh3_64(data.subarray(0, end)), `prefix ${end}`);
    p = end;
    step = (step * 7 + 3) % 1500;
  }
  assert.equal(hasher.digest(), 0xd4258b078917470en);
  hasher.reset().update(new TextEncoder().encode("hello"));
  assert.equal(hasher.digest(), 0x9555e8555c62dcfdn);
});

test("xxh3 rejects a seed outside u64 and non-byte input with invalid_argument", () => {
  const isInvalid = (err: unknown) => err instanceof MeshOsSdkError && err.kind === "invalid_argument";
  assert.throws(() => xxh3_64(new Uint8Array(1), -1n), isInvalid);
  assert.throws(() => xxh3_64(new Uint8Array(1), 1n << 64n), isInvalid);
  assert.throws(() => new Xxh3Hasher(-5n), isInvalid);
  assert.throws(() => xxh3_64("abc" as unknown as Uint8Array), isInvalid);
  assert.throws(() => xxh3_64_into(new Uint8Array(4), new Uint32Array(2), { offset: 2, length: 3 }), isInvalid);
});

test("xxh3_64's low 28 bits equal net-mesh 0.45.1's RedEX payload checksums (upstream's own xxh3)", () => {
  // From net-mesh 0.45.1 (python): `Redex().open_file(name).append(pattern(n))`, then
  // `read_range(...)[i].checksum`, documented as the low 28 bits of the payload's xxh3.
  const checksums: [number, number][] = [
    [0, 0x8d394c2], [1, 0xf4811f], [3, 0x61106ac], [4, 0x443d03f], [8, 0x4d78f5], [9, 0x7117290],
    [16, 0x7b10ce6], [17, 0x135884f], [100, 0xf101492], [128, 0x2e5081b], [129, 0x25d828d],
    [240, 0x8b65169], [241, 0x21dc518], [1024, 0x7e7abcb], [1025, 0x1aead4], [5000, 0x5a23491],
  ];
  for (const [length, checksum] of checksums) {
    assert.equal(Number(xxh3_64(pattern(length)) & 0xfffffffn), checksum, `length ${length}`);
  }
});
