// Run in its own process by tests/ring_fuzz_test.ts: `ring_fuzz.ts <seed> <steps>`. Random call
// sequences against (1) every ring backend through its TypeScript interface, checked against a
// model FIFO — pushes of every kind of payload (lying lengths, detached buffers, non-bytes, too
// big), batches, pops in both styles, closes, attaches of stale handles — and (2) the C ABI of the
// Zig library called directly with random handles (live, closed, destroyed, of another kind,
// random), record types, counts and offsets, every call answered with a known status. Prints
// progress every 1,000 steps and, last, a JSON summary; a crash ends the process without it.
import process from "node:process";
import { MeshOsSdkError } from "../../mod.ts";
import { ABI_SYMBOLS, Status } from "../../src/ffi/_abi.ts";
import { libraryPath } from "../../src/ffi/_artifacts.ts";
import type { AbiRingBackend } from "../../src/ffi/_abi_rings.ts";
import { ringHandle } from "../../src/ffi/_abi_rings.ts";
import { loadEveryBackend } from "../../src/ffi/load.ts";
import type { RecordRing, RingBackend } from "../../src/ffi/ring_backend.ts";

const seed = Number(process.argv[2] ?? 1);
const steps = Number(process.argv[3] ?? 5_000);
let state = seed | 0 || 1;
/** xorshift32: the same seed gives the same sequence, so a failure can be replayed. */
const random = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
};
const below = (n: number) => Math.floor(random() * n);
const problems: string[] = [];
const expectError = (what: string, err: unknown) => {
  if (!(err instanceof MeshOsSdkError)) problems.push(`${what}: raw ${String(err)}`);
};

function payloadOf(maxPayload: number): { payload: unknown; bytes: number | null } {
  const roll = below(10);
  if (roll === 0) return { payload: below(2) ? "text" : [1, 2], bytes: null };
  if (roll === 1) {
    const view = new Uint8Array(4);
    structuredClone(view.buffer, { transfer: [view.buffer] });
    return { payload: view, bytes: null };
  }
  if (roll === 2) {
    const view = new Uint8Array([below(256)]);
    Object.defineProperty(view, "length", { value: below(5000) });
    Object.defineProperty(view, "byteLength", { value: below(5000) });
    return { payload: view, bytes: 1 };
  }
  if (roll === 3) return { payload: new Uint8Array(maxPayload + 1 + below(100)), bytes: null };
  const length = below(Math.min(maxPayload, 300)) + 1;
  const view = new Uint8Array(length);
  for (let i = 0; i < length; i += 7) view[i] = below(256);
  return { payload: view, bytes: length };
}

function fuzzBackend(backend: RingBackend): void {
  const abi = backend.name === "js" ? null : backend as unknown as AbiRingBackend;
  const stale: number[] = [];
  let ring: RecordRing = backend.createRing({ capacityBytes: 4096 << below(3), producers: below(2) ? "single" : "multi" });
  let model: number[][] = [];
  const check = (got: number[][], what: string) => {
    const want = model.splice(0, got.length);
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${backend.name} ${what}: popped ${JSON.stringify(got).slice(0, 80)}, model ${JSON.stringify(want).slice(0, 80)}`);
  };
  for (let step = 0; step < steps; step++) {
    const op = below(9);
    try {
      if (op <= 2) {
        const { payload, bytes } = payloadOf(ring.maxPayloadBytes);
        let accepted = false;
        try {
          accepted = ring.tryPush(payload as Uint8Array);
        } catch (err) {
          expectError(`${backend.name} tryPush`, err);
          if (bytes !== null) problems.push(`${backend.name} tryPush refused a good payload: ${String(err)}`);
          continue;
        }
        if (bytes === null) problems.push(`${backend.name} tryPush accepted a bad payload`);
        else if (accepted) model.push([...(payload as Uint8Array).subarray(0, bytes)].slice(0, bytes));
      } else if (op === 3) {
        const batch = Array.from({ length: below(20) }, () => payloadOf(ring.maxPayloadBytes));
        try {
          const pushed = ring.pushBatch(batch.map((b) => b.payload as Uint8Array));
          if (batch.some((b) => b.bytes === null)) problems.push(`${backend.name} pushBatch accepted a bad payload`);
          for (const b of batch.slice(0, pushed)) model.push([...(b.payload as Uint8Array)].slice(0, b.bytes!));
        } catch (err) {
          expectError(`${backend.name} pushBatch`, err);
          if (batch.every((b) => b.bytes !== null)) problems.push(`${backend.name} pushBatch refused good payloads: ${String(err)}`);
        }
      } else if (op === 4) {
        const got: number[][] = [];
        ring.popBatch(below(40), (payload) => got.push([...payload]));
        check(got, "popBatch");
      } else if (op === 5) {
        const got: number[][] = [];
        ring.popBatchInPlace(below(40), (bytes, offset, length) => got.push([...bytes.subarray(offset, offset + length)]));
        check(got, "popBatchInPlace");
      } else if (op === 6 && below(4) === 0) {
        if (abi) stale.push(ringHandle(ring));
        ring.close();
        try {
          ring.tryPush(new Uint8Array(1));
          problems.push(`${backend.name} a closed ring took a push`);
        } catch (err) {
          expectError(`${backend.name} push after close`, err);
        }
        ring = backend.createRing({ capacityBytes: 4096 << below(3), producers: below(2) ? "single" : "multi" });
        model = [];
      } else if (op === 7 && abi && stale.length > 0) {
        try {
          abi.attachRing(stale[below(stale.length)]);
          problems.push(`${backend.name} attached a closed ring's handle`);
        } catch (err) {
          expectError(`${backend.name} attach stale`, err);
        }
      } else if (op === 8 && ring.depth() !== model.length) {
        problems.push(`${backend.name} depth ${ring.depth()}, model ${model.length}`);
      }
    } catch (err) {
      expectError(`${backend.name} op ${op}`, err);
      problems.push(`${backend.name} op ${op} threw on valid use: ${String(err)}`);
    }
  }
  ring.close();
}

type Call = (...args: unknown[]) => number;

/** The library opened raw, each export callable with host arguments (TypedArrays for buffers). */
async function openLibrary(): Promise<Record<string, Call>> {
  const path = libraryPath();
  if ("Bun" in globalThis) {
    const { dlopen } = await import("bun:ffi" as string);
    const kind = { u32: "u32", f64: "f64", buffer: "ptr", pointer: "ptr" } as const;
    const symbols = Object.fromEntries(Object.entries(ABI_SYMBOLS).map(([name, s]) => [name, {
      args: s.parameters.map((p) => kind[p]),
      returns: kind[s.result],
    }]));
    return dlopen(path, symbols).symbols;
  }
  const deno = (globalThis as unknown as { Deno: { dlopen(path: string, symbols: object): { symbols: Record<string, Call> } } }).Deno;
  const symbols = Object.fromEntries(Object.entries(ABI_SYMBOLS).map(([name, s]) => [name, {
    parameters: s.parameters,
    result: s.result === "pointer" ? "pointer" : s.result,
  }]));
  return deno.dlopen(path, symbols).symbols;
}

async function fuzzAbi(): Promise<number> {
  const lib = await openLibrary();
  const known = new Set<number>(Object.values(Status));
  const out = new Uint8Array(64);
  const outWord = () => new DataView(out.buffer).getUint32(0, true);
  const big = new Uint8Array(1 << 16);
  const handles: number[] = [0, 0xffff_ffff, 1, 1 << 20];
  const live: number[] = [];
  let calls = 0;
  const call = (name: string, ...args: unknown[]) => {
    calls++;
    const status = lib[name](...args);
    if (!known.has(status)) problems.push(`abi ${name}(${args.filter((a) => typeof a === "number").join(", ")}) returned ${status}`);
    return status;
  };
  for (let step = 0; step < steps; step++) {
    const pick = () => (below(3) === 0 ? below(2 ** 32) : handles[below(handles.length)]);
    const op = below(12);
    const handle = pick();
    if (op === 0) {
      if (call("meshos_ring_create", 64 << below(8), below(3), out) === Status.ok) {
        handles.push(outWord());
        live.push(outWord());
      }
    } else if (op === 1) call(below(2) ? "meshos_ring_close" : "meshos_ring_destroy", handle);
    else if (op === 2) call("meshos_ring_push", handle, big, below(5000), below(2) ? below(100) : below(2 ** 32));
    else if (op === 3) call("meshos_ring_read", handle, below(100), out);
    else if (op === 4) call("meshos_ring_release", handle, below(1 << 16), out);
    else if (op === 5) call("meshos_ring_commit", handle, below(1 << 16), below(100));
    else if (op === 6) call("meshos_ring_depth", handle, out);
    else if (op === 7) call("meshos_ring_pop_frames", handle, big, big.byteLength, below(100), out);
    else if (op === 8) {
      const lengths = new Uint8Array(4 * 16);
      for (let i = 0; i < 16; i++) new DataView(lengths.buffer).setUint32(4 * i, below(3000), true);
      call("meshos_ring_claim", handle, lengths, below(17), below(100), new Uint8Array(4 * 16), out);
    } else if (op === 9) {
      if (call("meshos_log_create", 1 + below(64), 16 + below(256), out) === Status.ok) handles.push(outWord());
    } else if (op === 10) call("meshos_log_append", handle, below(6), below(2), below(2 ** 32), below(2 ** 32), 0, big, below(2000), out);
    else call("meshos_ring_push_frames", handle, big, below(4096), out);
  }
  for (const h of live) lib.meshos_ring_destroy(h);
  return calls;
}

const { loaded } = await loadEveryBackend();
for (const backend of loaded) {
  fuzzBackend(backend);
  console.log(`fuzzed ${backend.name}`);
}
const abiCalls = await fuzzAbi();
console.log(JSON.stringify({ seed, steps, backends: loaded.map((b) => b.name), abiCalls, problems: problems.slice(0, 20) }));
