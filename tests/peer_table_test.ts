// The peer table (src/bus/peer_table.ts) and the heartbeat wire form (src/bus/node_advert.ts).
import assert from "node:assert/strict";
import type { NodeAdvert } from "../src/bus/node_advert.ts";
import { decodeNodeAdvert, encodeNodeAdvert } from "../src/bus/node_advert.ts";
import { PeerTable } from "../src/bus/peer_table.ts";
import { test } from "./_harness.ts";

function advert(nodeId: bigint, changes: Partial<NodeAdvert> = {}): NodeAdvert {
  return {
    nodeId,
    epochId: 7n,
    maintenance: "Active",
    cpuLoad1m: 0.5,
    memUsedBytes: 1n << 30n,
    memTotalBytes: 1n << 34n,
    diskUsedBytes: 5n,
    diskTotalBytes: 9n,
    saturationTrend: 0.25,
    capabilitySet: ["gpu", "zone:a"],
    softwareVersion: "0.1.0",
    daemons: [],
    factories: [],
    cordoned: false,
    ...changes,
  };
}

test("peer health follows heartbeat age: Healthy < 1.5 s ≤ Degraded < 5 s ≤ Unreachable (upstream §3.9)", () => {
  const table = new PeerTable(1n);
  table.heard(advert(2n), 1_000);
  const at = (now: number) => table.view(now).get(2n)?.health;
  assert.equal(at(1_000), "Healthy");
  assert.equal(at(2_499), "Healthy");
  assert.equal(at(2_500), "Degraded");
  assert.equal(at(5_999), "Degraded");
  assert.equal(at(6_000), "Unreachable");
  table.heard(advert(2n), 6_000);
  assert.equal(at(6_000), "Healthy"); // a new heartbeat makes it healthy again
});

test("a peer silent for 60 s is forgotten; one that leaves is dropped at once, but not by a stale epoch", () => {
  const table = new PeerTable(1n);
  table.heard(advert(2n), 0);
  table.heard(advert(3n), 0);
  assert.ok(table.view(59_999).has(2n));
  table.heard(advert(3n), 59_000);
  assert.deepEqual([...table.view(60_000).keys()], [3n]);
  table.left(3n, 6n); // an older run of node 3 saying goodbye
  assert.ok(table.view(60_000).has(3n));
  table.left(3n, 7n);
  assert.equal(table.view(60_000).size, 0);
});

test("the table never holds its own node; peers come sorted by id with every advert field", () => {
  const table = new PeerTable(5n);
  assert.equal(table.heard(advert(5n), 0), false);
  table.heard(advert(9n), 0);
  table.heard(advert(2n, { maintenance: "EnteringMaintenance" }), 0);
  const view = table.view(0);
  assert.deepEqual([...view.keys()], [2n, 9n]);
  assert.deepEqual(view.get(2n), {
    rttMs: null,
    health: "Healthy",
    maintenance: "EnteringMaintenance",
    cpuLoad1m: 0.5,
    memUsedBytes: 1n << 30n,
    memTotalBytes: 1n << 34n,
    diskUsedBytes: 5n,
    diskTotalBytes: 9n,
    saturationTrend: 0.25,
    capabilitySet: ["gpu", "zone:a"],
    softwareVersion: "0.1.0",
    forkedFrom: null,
  });
});

test("rtt is floored to whole ms, kept across heartbeats, and reset when the peer restarts (new epoch)", () => {
  const table = new PeerTable(1n);
  table.measured(2n, 3); // not in the table yet: ignored
  table.heard(advert(2n), 0);
  assert.equal(table.view(0).get(2n)?.rttMs, null);
  table.measured(2n, 3.9);
  table.heard(advert(2n), 100);
  assert.equal(table.view(100).get(2n)?.rttMs, 3n);
  table.heard(advert(2n, { epochId: 8n }), 200);
  assert.equal(table.view(200).get(2n)?.rttMs, null);
});

test("a heartbeat survives its wire form, null host figures included", () => {
  const adverts = [
    advert(0xffff_ffff_ffff_ffffn, { daemons: [5n, 0xffff_ffff_ffff_ffffn] }),
    advert(3n, { cpuLoad1m: null, memUsedBytes: null, diskTotalBytes: null }),
  ];
  for (const original of adverts) {
    const decoded = decodeNodeAdvert(encodeNodeAdvert(original));
    assert.deepEqual(decoded, { advert: original });
  }
});

test("a malformed heartbeat is rejected with the field and the value", () => {
  const wire = (fields: Record<string, unknown>) => {
    const plain = JSON.parse(new TextDecoder().decode(encodeNodeAdvert(advert(2n))));
    return new TextEncoder().encode(JSON.stringify({ ...plain, ...fields }));
  };
  const problem = (bytes: Uint8Array) => {
    const decoded = decodeNodeAdvert(bytes);
    assert.ok("problem" in decoded, "expected a rejection");
    return decoded.problem;
  };
  assert.match(problem(new Uint8Array([0xff])), /^not UTF-8 JSON/);
  assert.equal(problem(new TextEncoder().encode("[1]")), "not a JSON object");
  assert.equal(problem(wire({ nodeId: "-1" })), 'nodeId: expected a u64 as a decimal string; got "-1"');
  assert.equal(problem(wire({ epochId: null })), "epochId: expected a u64 as a decimal string; got null");
  assert.equal(problem(wire({ nodeId: "18446744073709551616" })), 'nodeId: expected a u64 as a decimal string; got "18446744073709551616"');
  assert.equal(problem(wire({ maintenance: "Sleeping" })), 'maintenance: expected a maintenance state name; got "Sleeping"');
  assert.equal(problem(wire({ cpuLoad1m: -1 })), "cpuLoad1m: expected a number ≥ 0 or null; got -1");
  assert.equal(problem(wire({ saturationTrend: 2 })), "saturationTrend: expected a number in 0..1; got 2");
  assert.equal(problem(wire({ capabilitySet: ["a", 1] })), "capabilitySet: expected an array of strings");
  assert.equal(problem(wire({ softwareVersion: 1 })), "softwareVersion: expected a string; got 1");
  for (const daemons of [undefined, ["5", 6], ["-1"], ["18446744073709551616"]]) {
    assert.equal(problem(wire({ daemons })), "daemons: expected an array of u64s as decimal strings");
  }
});

test("hostOf names the peer whose latest heartbeat lists the daemon, and forgets it when the peer leaves", () => {
  const table = new PeerTable(1n);
  table.heard(advert(2n, { daemons: [10n, 11n] }), 0);
  table.heard(advert(3n, { daemons: [12n] }), 0);
  assert.equal(table.hostOf(10n), 2n);
  assert.equal(table.hostOf(12n), 3n);
  assert.equal(table.hostOf(13n), null);
  table.heard(advert(2n, { daemons: [11n] }), 100); // daemon 10 left node 2
  assert.equal(table.hostOf(10n), null);
  assert.equal(table.hostOf(11n), 2n);
  table.heard(advert(3n, { daemons: [11n, 12n] }), 100); // daemon 11 moved to node 3
  table.heard(advert(2n, { daemons: [] }), 200);
  assert.equal(table.hostOf(11n), 3n, "node 2's newer heartbeat must not take daemon 11 from node 3");
  table.left(3n, 7n);
  assert.equal(table.hostOf(12n), null);
  assert.equal(table.hostOf(11n), null);
  table.heard(advert(4n, { daemons: [20n] }), 0);
  table.view(60_000); // silent for a minute: forgotten
  assert.equal(table.hostOf(20n), null);
});
