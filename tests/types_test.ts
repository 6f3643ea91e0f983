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

test("TS-1 … TS-5 daemons that type-check also register, and the SDK reads what their types promise", async () => {
  const { sdk, clock } = await startManual();
  const handles = [];
  for (const daemon of [ts1, ts2, ts3]) handles.push(await sdk.registerDaemon(daemon, Identity.generate()));
  sdk.ingest(handles[0].daemonId, new Uint8Array([7, 8]));
  const first = await sdk.outputs(handles[0].daemonId)[Symbol.asyncIterator]().next();
  assert.deepEqual([...(first.value as CausalEvent).payload], [7, 8]); // TS-1: a Buffer is a Uint8Array output
  await clock.advance(100);
  const rows = new Map(sdk.snapshot().daemons.map((d) => [d.name, d]));
  assert.deepEqual(rows.get("ts2")!.health, { kind: "degraded", reason: "(unspecified)" });
  assert.equal(rows.get("ts2")!.saturation, 0.75);
  assert.deepEqual(rows.get("ts2")!.capabilities.required, ["hardware.gpu"]);
  assert.deepEqual(rows.get("ts2")!.capabilities.optional, ["heat:cold"]);
  assert.deepEqual(ts3Health?.(), { kind: "degraded", reason: "queue depth" });
  assert.deepEqual(rows.get("ts3")!.health, { kind: "degraded", reason: "queue depth" });
  // TS-4 is the @ts-expect-error above; at run time its value is an unknown health, read as healthy.
  const ts4Handle = await sdk.registerDaemon(ts4, Identity.generate());
  await clock.advance(100);
  assert.deepEqual(sdk.snapshot().daemons.find((d) => d.name === "ts4")!.health, { kind: "healthy", reason: null });
  // TS-5: both forms of a capability advert are accepted by registerDaemon.
  await sdk.registerDaemon({ name: "ts5", process: () => [], requiredCapabilities: ts5[0], optionalCapabilities: ts5[1] }, Identity.generate());
  const ts5Row = sdk.snapshot().daemons.find((d) => d.name === "ts5")!;
  assert.deepEqual([ts5Row.capabilities.required, ts5Row.capabilities.optional], [["a"], ["b"]]);
  await ts4Handle.exit();
  await sdk.shutdown();
});
