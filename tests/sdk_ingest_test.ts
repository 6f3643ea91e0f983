// Events reach daemons (product decision 12): ingest → process() with a causal chain → outputs.
import assert from "node:assert/strict";
import { Identity } from "../mod.ts";
import type { CausalEvent } from "../mod.ts";
import { xxh3_64 } from "../src/identity/xxh3.ts";
import { encodeCausalLink, genesisLink } from "./_causal_links.ts";
import { test } from "./_harness.ts";
import { bytes, startManual } from "./_sdk_fixtures.ts";

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Checks upstream §3.14: sequence +1 and parent = xxh3(prev link bytes ‖ prev payload). */
function assertChain(events: CausalEvent[], origin: bigint): void {
  let prevBytes = encodeCausalLink(genesisLink(origin));
  let prevPayload: Uint8Array = new Uint8Array(0);
  events.forEach((event, i) => {
    assert.equal(event.originHash, origin);
    assert.equal(event.sequence, BigInt(i + 1));
    assert.equal(event.parentHash, xxh3_64(concat(prevBytes, prevPayload)), `parent hash of #${i + 1}`);
    prevBytes = encodeCausalLink(event);
    prevPayload = event.payload;
  });
}

test("ingested events reach process() with a correct causal chain from the ingress origin", async () => {
  const ingress = Identity.fromSeed(new Uint8Array(32).fill(0x0b));
  const { sdk } = await startManual({}, { ingressIdentity: ingress });
  const seen: CausalEvent[] = [];
  const handle = await sdk.registerDaemon({ name: "rec", process: (e) => void seen.push(e) }, Identity.generate());
  assert.equal(await sdk.ingest(handle.daemonId, bytes("a")), true);
  assert.equal(await sdk.ingestBatch(handle.daemonId, [bytes("b"), bytes("cc"), new Uint8Array(0)]), 3);
  await Promise.resolve();
  assert.deepEqual(seen.map((e) => new TextDecoder().decode(e.payload)), ["a", "b", "cc", ""]);
  assertChain(seen, ingress.originHash);
  const row = sdk.snapshot().daemons[0];
  assert.equal(row.counters.ingested, 4);
  assert.equal(row.counters.processed, 4);
  await sdk.shutdown();
});

test("outputs form the daemon's own chain, readable as an async iterable", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(
    { name: "twice", process: (e) => [e.payload, concat(e.payload, e.payload)] },
    Identity.generate(),
  );
  sdk.ingestBatch(handle.daemonId, [bytes("x"), bytes("yz")]);
  const outs: CausalEvent[] = [];
  for await (const out of sdk.outputs(handle.daemonId)) {
    outs.push(out);
    if (outs.length === 4) break;
  }
  assert.deepEqual(outs.map((o) => new TextDecoder().decode(o.payload)), ["x", "xx", "yz", "yzyz"]);
  assertChain(outs, handle.daemonId);
  assert.notEqual(outs[0].horizonEncoded, 0n); // the ingress origin is in the horizon
  assert.equal(sdk.snapshot().daemons[0].counters.outputs, 4);
  await sdk.shutdown();
});

test("a full inbox is reported and counted, never silently dropped", async () => {
  const { sdk } = await startManual({ inboxCapacity: 4 });
  const handle = await sdk.registerDaemon({ name: "sink", process: () => [] }, Identity.generate());
  // Both answers are settled before the calls return, so the daemon has not run in between.
  const accepted = sdk.ingestBatch(handle.daemonId, Array.from({ length: 6 }, (_, i) => bytes(`m${i}`)));
  const oneMore = sdk.ingest(handle.daemonId, bytes("one more"));
  assert.equal(await accepted, 4);
  assert.equal(await oneMore, false);
  const row = sdk.snapshot().daemons[0];
  assert.equal(row.counters.inboxRejected, 3);
  await Promise.resolve();
  assert.equal(sdk.snapshot().daemons[0].counters.processed, 4);
  await sdk.shutdown();
});

test("process() returning something that is not bytes counts as a failure", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon({ name: "bad", process: () => ["text" as unknown as Uint8Array] }, Identity.generate());
  sdk.ingest(handle.daemonId, bytes("x"));
  await Promise.resolve();
  const row = sdk.snapshot().daemons[0];
  assert.equal(row.counters.processErrors, 1);
  assert.ok(sdk.snapshot().log.records.some((r) => /process output element 0 is not a Uint8Array: "text"/.test(r.message)));
  await sdk.shutdown();
});
