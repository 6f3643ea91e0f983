// Run in its own process by tests/bad_input_suite_test.ts: wrong values at every ring backend's
// entry points (native through FFI, wasm, js). Prints "case <label>" before each case (so a crash
// names it) and, last, a JSON summary {cases, problems}.
import { MeshOsSdkError } from "../../mod.ts";
import { loadEveryBackend } from "../../src/ffi/load.ts";
import type { RecordRing, RingBackend } from "../../src/ffi/ring_backend.ts";
import { describeValue } from "../../src/errors/meshos_sdk_error.ts";

const { loaded } = await loadEveryBackend();
const problems: string[] = [];
let cases = 0;

function refuse(label: string, run: () => unknown, kind = "invalid_argument"): void {
  cases++;
  console.log(`case ${label}`);
  try {
    run();
    problems.push(`${label}: accepted`);
  } catch (err) {
    if (!(err instanceof MeshOsSdkError)) problems.push(`${label}: raw ${String(err)}`);
    else if (err.kind !== kind) problems.push(`${label}: kind ${err.kind} (${err.detail})`);
  }
}

const detached = () => {
  const view = new Uint8Array(4);
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view;
};

for (const backend of loaded as RingBackend[]) {
  const name = backend.name;
  for (const capacityBytes of [0, 100, 1.5, -4096, 2 ** 31, "4096", null]) {
    refuse(`${name} createRing capacityBytes ${describeValue(capacityBytes)}`, () => backend.createRing({ capacityBytes: capacityBytes as never, producers: "single" }));
  }
  for (const producers of ["many", 1, null]) {
    refuse(`${name} createRing producers ${describeValue(producers)}`, () => backend.createRing({ capacityBytes: 4096, producers: producers as never }));
  }
  refuse(`${name} createRing options null`, () => backend.createRing(null as never));
  const ring: RecordRing = backend.createRing({ capacityBytes: 4096, producers: "single" });
  for (const payload of [null, 1, "x", [1], new Uint16Array(2), new ArrayBuffer(2), detached(), new Uint8Array(ring.maxPayloadBytes + 1)]) {
    refuse(`${name} tryPush ${describeValue(payload)}`, () => ring.tryPush(payload as never));
    refuse(`${name} pushBatch [${describeValue(payload)}]`, () => ring.pushBatch([new Uint8Array(1), payload as never]));
  }
  for (const type of [-1, 1.5, 2 ** 31, "1", null]) refuse(`${name} tryPush type ${describeValue(type)}`, () => ring.tryPush(new Uint8Array(1), type as never));
  refuse(`${name} pushBatch not an array`, () => ring.pushBatch("ab" as never));
  for (const max of [-1, 1.5, "2", null]) refuse(`${name} popBatch max ${describeValue(max)}`, () => ring.popBatch(max as never, () => {}));
  refuse(`${name} popBatch visitor 1`, () => ring.popBatch(1, 1 as never));
  refuse(`${name} pushFrames garbage`, () => ring.pushFrames(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])));
  ring.tryPush(new Uint8Array([1]));
  refuse(`${name} popBatch re-entered`, () => ring.popBatch(1, () => ring.popBatch(1, () => {})));
  ring.close();
  refuse(`${name} tryPush after close`, () => ring.tryPush(new Uint8Array(1)), "loop_closed");
  refuse(`${name} popBatch after close`, () => ring.popBatch(1, () => {}), "loop_closed");
  refuse(`${name} depth after close`, () => ring.depth(), "loop_closed");
  const attach = (backend as { attachRing?: (handle: number) => RecordRing }).attachRing;
  if (attach) {
    for (const handle of [0, -1, 1.5, 2 ** 32, 0xffff_ffff, "1", null]) {
      refuse(`${name} attachRing ${describeValue(handle)}`, () => attach.call(backend, handle as never));
    }
  }
  for (const capacityRecords of [0, -1, 1.5, null]) {
    refuse(`${name} createLogRing capacityRecords ${describeValue(capacityRecords)}`, () => backend.createLogRing({ capacityRecords: capacityRecords as never, maxMessageBytes: 64 }));
  }
}
console.log(JSON.stringify({ cases, problems }));
