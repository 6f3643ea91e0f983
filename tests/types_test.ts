// Upstream's TypeScript type tests (spec §9.9, TS-1 … TS-5). They are checked by `deno check` and
// `tsc` (both part of the test command); each also registers the daemon for real.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Identity } from "../mod.ts";
import type { CapabilityAdvert, CausalEvent, DaemonHealth, MeshOsDaemon } from "../mod.ts";
import { test } from "./_harness.ts";
import { startManual } from "./_sdk_fixtures.ts";

const ts1: MeshOsDaemon = { name: "ts1", process: (e: CausalEvent) => [Buffer.from(e.payload)] };

const ts2: MeshOsDaemon = {
  name: "ts2",
  process: () => [],
  snapshot: () => Buffer.from("state"),
  restore: (_state: Uint8Array) => {},
  onControl: (_event) => {},
  health: () => "degraded",
  saturation: () => 0.75,
  requiredCapabilities: ["hardware.gpu"],
  optionalCapabilities: () => ["heat:cold"],
};

const ts3: MeshOsDaemon = { name: "ts3", process: () => [], health: () => ({ kind: "degraded", reason: "queue depth" }) };
const ts3Health: (() => DaemonHealth) | undefined = ts3.health;

const ts4: MeshOsDaemon = {
  name: "ts4",
  process: () => [],
  // @ts-expect-error TS-4: 'on-fire' is not a DaemonHealth kind
  health: () => ({ kind: "on-fire" }),
};

const ts5: CapabilityAdvert[] = [["a"], () => ["b"]];

test("TS-1 … TS-5 daemons that type-check also register", async () => {
  const { sdk } = await startManual();
  for (const daemon of [ts1, ts2, ts3]) await sdk.registerDaemon(daemon, Identity.generate());
  assert.equal(typeof ts3Health, "function");
  assert.equal(ts4.name, "ts4");
  assert.equal(ts5.length, 2);
  assert.equal(sdk.snapshot().daemons.length, 3);
  await sdk.shutdown();
});
