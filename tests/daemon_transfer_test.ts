// What moves with a daemon (src/bus/daemon_transfer.ts), and the byte-text helpers it is written
// with (src/contract/byte_text.ts): a state of any size survives the wire form.
import assert from "node:assert/strict";
import { decodeDaemonTransfer, encodeDaemonTransfer } from "../src/bus/daemon_transfer.ts";
import { base64ToBytes, bytesToBase64, bytesToHex, hexToBytes } from "../src/contract/byte_text.ts";
import { test } from "./_harness.ts";

test("a daemon transfer survives its wire form, a 1 MiB state included", () => {
  const state = new Uint8Array(1 << 20);
  for (let i = 0; i < state.length; i += 4093) state[i] = i & 0xff;
  const transfer = {
    daemonId: 0xffff_ffff_ffff_ffffn,
    hostNode: 0xffff_ffff_ffff_fffen,
    factory: "counter",
    state,
    ingressHead: { originHash: 7n, sequence: 50n, parentHash: 9n, horizonEncoded: 3n, payload: new Uint8Array([1, 2]) },
    outputHead: { originHash: 0xffff_ffff_ffff_ffffn, sequence: 50n, parentHash: 4n, horizonEncoded: 3n, payload: new Uint8Array([5]) },
    busPosition: 1234n,
    skipNext: 17,
  };
  assert.deepEqual(decodeDaemonTransfer(encodeDaemonTransfer(transfer)), { transfer });
  const without = { ...transfer, state: null, outputHead: null };
  assert.deepEqual(decodeDaemonTransfer(encodeDaemonTransfer(without)), { transfer: without });
  const wire = (fields: object) => decodeDaemonTransfer(new TextEncoder().encode(JSON.stringify(fields)));
  const bad = wire({ daemonId: "-1", hostNode: "1", busPosition: "0", factory: "x" });
  assert.deepEqual(bad, { problem: "expected daemonId, hostNode and busPosition as u64 decimal strings, and a factory name" });
  assert.deepEqual(wire({ daemonId: "1", busPosition: "0", factory: "x" }), bad); // no hostNode
  const good = JSON.parse(new TextDecoder().decode(encodeDaemonTransfer(transfer)));
  for (const skipNext of [-1, 1.5, "3", undefined]) {
    assert.deepEqual(wire({ ...good, skipNext }), { problem: "skipNext: expected a count of events (an integer ≥ 0)" });
  }
});

test("bytes as hex and base64 round-trip, at any size", () => {
  const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff);
  assert.deepEqual(base64ToBytes(bytesToBase64(bytes)), bytes);
  assert.equal(bytesToHex(new Uint8Array([0, 1, 0xab, 0xff])), "0001abff");
  assert.deepEqual(hexToBytes("0001abff"), new Uint8Array([0, 1, 0xab, 0xff]));
});
