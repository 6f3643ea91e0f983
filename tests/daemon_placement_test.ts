// Where a movable daemon goes (src/runtime/daemon_placement.ts): required capabilities are hard,
// optional ones soft, cordoned / non-Active / factory-less nodes never chosen, load spread by
// daemon count with the lowest id breaking ties — and a dead node's daemons spread over the
// candidates, the same answer on every node that sees the same adverts.
import assert from "node:assert/strict";
import { checkDaemon } from "../src/contract/daemon_spec.ts";
import type { NodeAdvert } from "../src/bus/node_advert.ts";
import { placeDaemon, placeOrphan, unfitReason } from "../src/runtime/daemon_placement.ts";
import { test } from "./_harness.ts";

function advert(nodeId: bigint, fields: Partial<NodeAdvert> = {}): NodeAdvert {
  return {
    nodeId,
    epochId: 1n,
    maintenance: "Active",
    cpuLoad1m: null,
    memUsedBytes: null,
    memTotalBytes: null,
    diskUsedBytes: null,
    diskTotalBytes: null,
    saturationTrend: 0,
    capabilitySet: [],
    softwareVersion: "test",
    daemons: [],
    factories: ["f"],
    cordoned: false,
    ...fields,
  };
}

const spec = (required: string[] = [], optional: string[] = []) =>
  checkDaemon({ name: "d", process: () => [], requiredCapabilities: required, optionalCapabilities: optional });

test("placement: only fit nodes; then most optional capabilities, fewest daemons, lowest id", () => {
  const unfit = [
    advert(1n, { maintenance: "EnteringMaintenance" }),
    advert(2n, { cordoned: true }),
    advert(3n, { factories: ["other"] }),
    advert(4n, { capabilitySet: ["cpu"] }),
  ];
  assert.deepEqual(unfit.map((a) => unfitReason(a, spec(["gpu"]), "f")), [
    "it is EnteringMaintenance",
    "it is cordoned",
    'it has no factory "f"',
    "it lacks capabilities gpu",
  ]);
  assert.equal(placeDaemon(spec(["gpu"]), "f", unfit), null);
  const fit = [advert(9n, { daemons: [1n] }), advert(8n, { daemons: [1n, 2n] }), advert(7n, { daemons: [1n] })];
  assert.equal(placeDaemon(spec(), "f", fit), 7n, "fewest daemons, then the lowest id");
  assert.equal(placeDaemon(spec(), "f", fit, (n) => (n === 7n ? 5 : 0)), 9n, "moves under way count as load");
  assert.equal(placeDaemon(spec([], ["ssd"]), "f", [...fit, advert(10n, { capabilitySet: ["ssd"], daemons: [1n, 2n, 3n] })]), 10n, "optional first");
  assert.equal(placeDaemon(spec(["gpu"]), "f", [...fit, advert(11n, { capabilitySet: ["gpu"], daemons: [1n, 2n, 3n] })]), 11n, "required is hard");
});

test("placement: a dead node's daemons spread over the candidates, the same on every node", () => {
  const candidates = [advert(2n), advert(3n, { daemons: [50n] }), advert(4n)];
  const orphans = [40n, 10n, 30n, 20n, 60n];
  const placed = orphans.map((id) => placeOrphan(spec(), "f", candidates, orphans, id));
  // In id order: 10 → 2, 20 → 4, 30 → 2 (2 and 3 tie at one; 2 is lower), 40 → 3, 60 → 4.
  assert.deepEqual(placed, [3n, 2n, 2n, 4n, 4n]);
  const reversed = [...candidates].reverse();
  assert.deepEqual(orphans.map((id) => placeOrphan(spec(), "f", reversed, [...orphans].reverse(), id)), placed);
});
