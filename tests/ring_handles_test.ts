// Handles of the Zig library (zig/src/handles.zig) through the FFI and wasm backends: a handle,
// once its ring is closed, never becomes valid again however often its slot is reused (issue 14
// item 1: it did after 65,535 create/close cycles), and real limits are resource_exhausted
// (item 7).
import assert from "node:assert/strict";
import { MeshOsSdkError } from "../mod.ts";
import { HANDLE_SLOTS, Status, statusError } from "../src/ffi/_abi.ts";
import type { AbiRingBackend } from "../src/ffi/_abi_rings.ts";
import { ringHandle } from "../src/ffi/_abi_rings.ts";
import { assertEveryBackendLoaded, backends } from "./_ring_backends.ts";
import { test } from "./_harness.ts";

const abiBackends = backends.filter((b) => b.name !== "js") as unknown as AbiRingBackend[];

test("handles: a closed ring's handle stays invalid after 70,000 create/close cycles of its slot", () => {
  assertEveryBackendLoaded();
  for (const backend of abiBackends) {
    const first = backend.createRing({ capacityBytes: 4096, producers: "single" });
    const stale = ringHandle(first);
    first.close();
    for (let i = 0; i < 70_000; i++) backend.createRing({ capacityBytes: 4096, producers: "single" }).close();
    let caught: unknown;
    try {
      backend.attachRing(stale).close();
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof MeshOsSdkError, `${backend.name}: a stale handle must be refused`);
    assert.equal(caught.kind, "invalid_argument");
    assert.match(caught.detail, /failed with bad_handle; expected a live ring$/, backend.name);
  }
});

test("handles: far more rings than the old 4,096-slot table can be open at once", () => {
  for (const backend of abiBackends) {
    const rings = Array.from({ length: 5_000 }, () => backend.createRing({ capacityBytes: 4096, producers: "single" }));
    assert.equal(new Set(rings.map(ringHandle)).size, 5_000, backend.name);
    for (const ring of rings) ring.close();
  }
});

test("handles: a full handle table and memory the library cannot get are resource_exhausted, naming the limit", () => {
  const handles = statusError(Status.too_many_handles, "meshos_ring_create(4096 bytes, single)", "ok");
  assert.equal(handles.kind, "resource_exhausted");
  assert.equal(handles.detail, `meshos_ring_create(4096 bytes, single) failed with too_many_handles; expected ok (all ${HANDLE_SLOTS} handles of the library are in use)`);
  const memory = statusError(Status.out_of_memory, "meshos_ring_create(1073741824 bytes, single)", "ok");
  assert.equal(memory.kind, "resource_exhausted");
  assert.match(memory.detail, /failed with out_of_memory; expected ok \(the library could not allocate the memory asked for\)$/);
});

test("handles: wasm memory running out is resource_exhausted, and the backend goes on working", () => {
  const wasm = abiBackends.find((b) => b.name === "wasm")!;
  const held = [];
  let caught: unknown;
  try {
    for (let i = 0; i < 8; i++) held.push(wasm.createRing({ capacityBytes: 1 << 30, producers: "single" }));
  } catch (err) {
    caught = err;
  } finally {
    for (const ring of held) ring.close();
  }
  assert.ok(caught instanceof MeshOsSdkError, "eight 1 GiB rings cannot fit in wasm32's 4 GiB");
  assert.equal(caught.kind, "resource_exhausted");
  const after = wasm.createRing({ capacityBytes: 4096, producers: "single" });
  assert.equal(after.tryPush(new Uint8Array([1])), true);
  after.close();
});
