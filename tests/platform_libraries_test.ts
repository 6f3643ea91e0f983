// The prebuilt native libraries the package ships (zig/build.zig → zig/zig-out/platforms/), checked
// by their headers: each is a shared library of its platform's format (ELF, Mach-O, PE) for its
// architecture, exports the C ABI, and the Linux ones need no libc at all (so one file serves
// glibc and musl). The linux-arm64 build's tests run for real under qemu in scripts/test.sh.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ABI_SYMBOLS } from "../src/ffi/_abi.ts";
import { platformKey } from "../src/ffi/_artifacts.ts";
import { runtimeName, test } from "./_harness.ts";

const root = fileURLToPath(new URL("../zig/zig-out/platforms/", import.meta.url));

interface Expected {
  file: string;
  format: "elf" | "macho" | "pe";
  /** ELF e_machine, Mach-O cputype or PE machine. */
  machine: number;
}

const PLATFORMS: Record<string, Expected> = {
  "linux-x64": { file: "libmeshos.so", format: "elf", machine: 0x3e },
  "linux-arm64": { file: "libmeshos.so", format: "elf", machine: 0xb7 },
  "darwin-x64": { file: "libmeshos.dylib", format: "macho", machine: 0x0100_0007 },
  "darwin-arm64": { file: "libmeshos.dylib", format: "macho", machine: 0x0100_000c },
  "win32-x64": { file: "meshos.dll", format: "pe", machine: 0x8664 },
};

/** The DT_NEEDED entries of a 64-bit little-endian ELF shared library. */
function elfNeeded(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const phoff = Number(view.getBigUint64(0x20, true));
  const phentsize = view.getUint16(0x36, true);
  const phnum = view.getUint16(0x38, true);
  const loads: { vaddr: number; offset: number; size: number }[] = [];
  let dynamic: { offset: number; size: number } | null = null;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const type = view.getUint32(at, true);
    const offset = Number(view.getBigUint64(at + 8, true));
    const vaddr = Number(view.getBigUint64(at + 16, true));
    const size = Number(view.getBigUint64(at + 32, true));
    if (type === 1) loads.push({ vaddr, offset, size });
    if (type === 2) dynamic = { offset, size };
  }
  assert.ok(dynamic, "a shared library has a dynamic section");
  const toOffset = (vaddr: number) => {
    const load = loads.find((l) => vaddr >= l.vaddr && vaddr < l.vaddr + l.size)!;
    return vaddr - load.vaddr + load.offset;
  };
  const needed: number[] = [];
  let strtab = 0;
  for (let at = dynamic.offset; at < dynamic.offset + dynamic.size; at += 16) {
    const tag = Number(view.getBigInt64(at, true));
    const value = Number(view.getBigUint64(at + 8, true));
    if (tag === 0) break;
    if (tag === 1) needed.push(value);
    if (tag === 5) strtab = toOffset(value);
  }
  return needed.map((name) => {
    const start = strtab + name;
    return new TextDecoder().decode(bytes.subarray(start, bytes.indexOf(0, start)));
  });
}

test("platforms: every shipped library has its platform's format and architecture, and exports the C ABI", () => {
  for (const [platform, expected] of Object.entries(PLATFORMS)) {
    const bytes = new Uint8Array(readFileSync(`${root}${platform}/${expected.file}`));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (expected.format === "elf") {
      assert.deepEqual([...bytes.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${platform}: ELF magic`);
      assert.equal(bytes[4], 2, `${platform}: 64-bit`);
      assert.equal(view.getUint16(0x10, true), 3, `${platform}: a shared object (ET_DYN)`);
      assert.equal(view.getUint16(0x12, true), expected.machine, `${platform}: e_machine`);
      assert.deepEqual(elfNeeded(bytes), [], `${platform}: needs no shared library, libc included`);
    } else if (expected.format === "macho") {
      assert.equal(view.getUint32(0, true), 0xfeedfacf, `${platform}: Mach-O 64-bit magic`);
      assert.equal(view.getUint32(4, true), expected.machine, `${platform}: cputype`);
      assert.equal(view.getUint32(12, true), 6, `${platform}: a dylib (MH_DYLIB)`);
    } else {
      assert.equal(String.fromCharCode(bytes[0], bytes[1]), "MZ", `${platform}: DOS header`);
      const pe = view.getUint32(0x3c, true);
      assert.equal(view.getUint32(pe, true), 0x0000_4550, `${platform}: PE signature`);
      assert.equal(view.getUint16(pe + 4, true), expected.machine, `${platform}: machine`);
      assert.ok((view.getUint16(pe + 22, true) & 0x2000) !== 0, `${platform}: IMAGE_FILE_DLL`);
    }
    const text = new TextDecoder("latin1").decode(bytes);
    for (const symbol of Object.keys(ABI_SYMBOLS)) assert.ok(text.includes(symbol), `${platform}: exports ${symbol}`);
  }
});

test("platforms: without a local build, the native backend loads this platform's prebuilt library", () => {
  assert.ok(platformKey() in PLATFORMS, `no prebuilt library for ${platformKey()}`);
  // The package as installed: sources and prebuilt libraries, no zig/zig-out/lib/.
  const dir = mkdtempSync(join(tmpdir(), "meshos-installed-"));
  try {
    cpSync(fileURLToPath(new URL("../src/", import.meta.url)), join(dir, "src"), { recursive: true });
    cpSync(root, join(dir, "zig/zig-out/platforms"), { recursive: true });
    const script = join(dir, "load_native.ts");
    writeFileSync(script, [
      'import { loadBackend } from "./src/ffi/load.ts";',
      'import { libraryPath } from "./src/ffi/_artifacts.ts";',
      'const backend = await loadBackend("native");',
      'console.log(backend.name, libraryPath());',
    ].join("\n"));
    const args = runtimeName === "bun" ? [script] : ["run", "--allow-all", script];
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.MESHOS_LIB;
    const child = spawnSync(process.execPath, args, { encoding: "utf8", cwd: dir, env });
    assert.equal(child.status, 0, child.stderr);
    const expected = `${dir}/zig/zig-out/platforms/${platformKey()}/${PLATFORMS[platformKey()].file}`;
    assert.equal(child.stdout.trim(), `${runtimeName}-ffi ${expected}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
