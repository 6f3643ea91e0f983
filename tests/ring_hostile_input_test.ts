// Hostile payloads at the ring backends (issue 14 items 1, 2 and 10): a Uint8Array whose own
// `length`/`byteLength` lie (or a subclass whose getters do) is read at its true size on every
// backend — never more bytes of process memory, never bytes staged for someone else; a detached
// payload is refused alike everywhere; views kept past `close()` stay safe to read and write
// (in a child process, where a crash could not take the runner down); and a multi-producer ring
// whose oldest record never commits fails as broken on every backend instead of stalling for good.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Identity, MeshOsSdkError } from "../mod.ts";
import type { RingBackend } from "../src/ffi/ring_backend.ts";
import { assertEveryBackendLoaded, backends } from "./_ring_backends.ts";
import { runtimeName, test } from "./_harness.ts";
import { startManual } from "./_sdk_fixtures.ts";

/** A 1-byte payload whose own properties claim `claimed` bytes. */
function liar(byte: number, claimed: number): Uint8Array {
  const view = new Uint8Array([byte]);
  for (const name of ["length", "byteLength"]) Object.defineProperty(view, name, { value: claimed });
  return view;
}

class LyingSubclass extends Uint8Array {
  override get length(): number {
    return 200;
  }
  override get byteLength(): number {
    return 200;
  }
}

function popAll(ring: ReturnType<RingBackend["createRing"]>): number[][] {
  const out: number[][] = [];
  ring.popBatch(64, (payload) => out.push([...payload]));
  return out;
}

test("hostile: lying lengths are read at the true size on every backend, with nothing staged before leaking in", () => {
  assertEveryBackendLoaded();
  for (const backend of backends) {
    const ring = backend.createRing({ capacityBytes: 1 << 16, producers: "single" });
    assert.equal(ring.tryPush(new Uint8Array(300).fill(0xaa)), true); // someone else's bytes, staged first
    assert.equal(ring.tryPush(liar(1, 300)), true);
    assert.equal(ring.pushBatch([liar(2, 300), new LyingSubclass([3])]), 2);
    const popped = popAll(ring);
    assert.equal(popped[0].length, 300, backend.name);
    assert.deepEqual(popped.slice(1), [[1], [2], [3]], `${backend.name}: each liar is its one real byte`);
    ring.close();
  }
});

test("hostile: a payload over a detached buffer is invalid_argument on every backend", () => {
  for (const backend of backends) {
    const ring = backend.createRing({ capacityBytes: 4096, producers: "single" });
    const payload = new Uint8Array(8);
    structuredClone(payload.buffer, { transfer: [payload.buffer] }); // detaches it
    for (const attempt of [() => ring.tryPush(payload), () => ring.pushBatch([new Uint8Array(1), payload])]) {
      let caught: unknown;
      try {
        attempt();
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof MeshOsSdkError && caught.kind === "invalid_argument", `${backend.name}: ${caught}`);
      assert.match(caught.detail, /^payloads?(\[1\])?: expected a Uint8Array over live memory, received one whose ArrayBuffer is detached/);
    }
    assert.equal(ring.depth(), 0, `${backend.name}: nothing pushed`);
    ring.close();
  }
});

test("hostile: a daemon is handed a lying payload's true bytes through the SDK, on every backend", async () => {
  for (const backend of ["native", "wasm", "js"] as const) {
    const { sdk, clock } = await startManual({}, { backend });
    const seen: number[][] = [];
    const handle = await sdk.registerDaemon({ name: "sees", process: (e) => void seen.push([...e.payload]) }, Identity.generate());
    await sdk.ingest(handle.daemonId, new Uint8Array(64).fill(0xbb));
    await sdk.ingest(handle.daemonId, liar(9, 64));
    await sdk.ingestBatch(handle.daemonId, [liar(8, 64), new LyingSubclass([7])]);
    for (let i = 0; i < 5; i++) await clock.runDeferred();
    assert.deepEqual(seen.slice(1), [[9], [8], [7]], backend);
    await sdk.shutdown();
  }
});

test("hostile: views kept past close() are safe to read and write (native backend, own process)", () => {
  const script = fileURLToPath(new URL("./_fixtures/use_after_close.ts", import.meta.url));
  const args = runtimeName === "bun" ? [script] : ["run", "--allow-all", script];
  const child = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 60_000 });
  assert.equal(child.signal, null, `the process died of ${child.signal}: ${child.stderr}`);
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /^survived (bun|deno)-ffi 400 views true$/m);
});

test("hostile: a multi-producer js ring whose head header was overwritten fails as corrupt instead of stalling", async () => {
  const { JsRecordRing } = await import("../src/ffi/js_record_ring.ts");
  const ring = JsRecordRing.create({ capacityBytes: 4096, producers: "multi" });
  assert.equal(ring.pushBatch([new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])]), 3);
  new Int32Array(ring.buffer, 256)[0] = -8; // the first record's length, past 2^31: garbage
  let caught: unknown;
  try {
    ring.popBatch(3, () => {});
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof MeshOsSdkError, `expected a corrupt-ring error; got ${caught}`);
  assert.equal(caught.kind, "backend_unavailable");
  assert.match(caught.detail, /record at offset 0 has length -8; expected a committed record .*the ring memory was overwritten/);
});

test("hostile: a multi-producer ring whose oldest record stays uncommitted fails as broken after the limit, on every backend", async () => {
  const { UNCOMMITTED_LIMIT_MS } = await import("../src/ffi/_ring_format.ts");
  await Promise.all(backends.map(async (backend) => {
    const ring = backend.createRing({ capacityBytes: 4096, producers: "multi" });
    assert.equal(ring.pushBatch([new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])]), 3);
    // The first visitor zeroes the next record's header: as if its producer claimed it and died.
    assert.equal(ring.popBatchInPlace(1, (bytes, offset) => {
      new DataView(bytes.buffer, bytes.byteOffset).setUint32(offset - 8 + 16, 0, true);
    }), 1, backend.name);
    const started = Date.now();
    let caught: unknown = null;
    while (caught === null && Date.now() - started < UNCOMMITTED_LIMIT_MS * 2) {
      try {
        assert.equal(ring.popBatch(8, () => {}), 0, `${backend.name}: nothing committed to pop`);
      } catch (err) {
        caught = err;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(caught instanceof MeshOsSdkError, `${backend.name}: expected the ring to fail as broken; got ${caught}`);
    assert.equal(caught.kind, "backend_unavailable");
    assert.match(caught.detail, /ring's (record at offset \d+|oldest record) was claimed but not committed for \d+ ms; expected a commit within 5000 ms/);
    assert.ok(Date.now() - started >= UNCOMMITTED_LIMIT_MS - 200, `${backend.name}: not before the limit`);
    ring.close();
  }));
});
