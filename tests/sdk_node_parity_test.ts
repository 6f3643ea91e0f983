// Upstream's Node binding tests (spec §9.8, ND-1 … ND-20), ported to this SDK.
import assert from "node:assert/strict";
import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import type { MeshOsDaemon } from "../mod.ts";
import { test } from "./_harness.ts";
import { echoDaemon, rejectsWithKind, startManual } from "./_sdk_fixtures.ts";

test("ND-1 start then shutdown: a running node with no daemons, then a node that refuses work", async () => {
  const sdk = await MeshOsDaemonSdk.start();
  const snap = sdk.snapshot();
  assert.equal(snap.nodeId, "0x0000000000000000");
  assert.deepEqual(snap.daemons, []);
  assert.equal(snap.maintenance.state, "Active");
  await sdk.shutdown();
  await rejectsWithKind(() => sdk.snapshot(), "already_shutdown");
  await rejectsWithKind(() => sdk.admin.enterMaintenance(), "already_shutdown");
});

test("ND-2 start({thisNode: -1n}) rejects with invalid_config naming the field and value", async () => {
  await rejectsWithKind(MeshOsDaemonSdk.start({ thisNode: -1n }), "invalid_config", /^thisNode: .*got -1n$/);
});

test("ND-3 a second shutdown rejects with already_shutdown", async () => {
  const sdk = await MeshOsDaemonSdk.start();
  await sdk.shutdown();
  await rejectsWithKind(sdk.shutdown(), "already_shutdown", /^MeshOsDaemonSdk was already consumed by shutdown$/);
});

test("ND-4 registered daemon's id is the identity's origin hash; gracefulShutdown(10n)", async () => {
  const { sdk, clock } = await startManual();
  const identity = Identity.generate();
  const handle = await sdk.registerDaemon(echoDaemon(), identity);
  assert.equal(handle.daemonId, identity.originHash);
  assert.equal(handle.daemonName, "echo");
  const done = handle.gracefulShutdown(10n);
  await clock.advance(10);
  await done;
  await sdk.shutdown();
});

test("ND-5 metadata: name, Active, node 0 by default", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const meta = await handle.metadata();
  assert.equal(meta.daemonName, "echo");
  assert.deepEqual(meta.maintenanceState, { kind: "Active" });
  assert.equal(meta.nodeId, 0n);
  assert.ok(meta.peers instanceof Map);
  await sdk.shutdown();
});

test("ND-6 tryNextControl on a fresh handle is null", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  assert.equal(await handle.tryNextControl(), null);
  await sdk.shutdown();
});

test("ND-7 nextControl(100n) on a quiet channel resolves null after 100 ms", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  let result: unknown = "pending";
  const waiting = handle.nextControl(100n).then((event) => (result = event));
  await clock.advance(99);
  assert.equal(result, "pending");
  await clock.advance(1);
  await waiting;
  assert.equal(result, null);
  await sdk.shutdown();
});

test("ND-8 publishLog accepts the five lowercase levels, each recorded with its level", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const levels = ["trace", "debug", "info", "warn", "error"] as const;
  for (const level of levels) await handle.publishLog(level, `at ${level}`);
  const records = sdk.snapshot().log.records.filter((r) => r.message.startsWith("at "));
  assert.deepEqual(records.map((r) => [r.level, r.message]), levels.map((l) => [l, `at ${l}`]));
  await sdk.shutdown();
});

test("ND-9 publishLog('verbose') rejects with upstream's exact invalid_log_level message", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  await rejectsWithKind(
    handle.publishLog("verbose" as never, "nope"),
    "invalid_log_level",
    /^log level must be one of trace\|debug\|info\|warn\|error; got "verbose"$/,
  );
  await sdk.shutdown();
});

test("ND-10 after gracefulShutdown(10n), publishLog rejects with already_shutdown", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const done = handle.gracefulShutdown(10n);
  await clock.advance(10);
  await done;
  await rejectsWithKind(
    handle.publishLog("info", "late"),
    "already_shutdown",
    /^daemon handle was already consumed by gracefulShutdown$/,
  );
  await sdk.shutdown();
});

test("ND-11 publishCapabilities() and publishCapabilities(null) succeed and clear what was published", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const published = () => sdk.snapshot().daemons[0].capabilities.published;
  await handle.publishCapabilities({ tags: ["a"] });
  assert.deepEqual(published(), ["a"]);
  await handle.publishCapabilities();
  assert.deepEqual(published(), []);
  await handle.publishCapabilities({ tags: ["b"] });
  await handle.publishCapabilities(null);
  assert.deepEqual(published(), []);
  await sdk.shutdown();
});

test("ND-12 publishCapabilities with hardware, software and tags succeeds and is visible", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  await handle.publishCapabilities({
    hardware: { cpuCores: 8 },
    software: { runtime: "rust-1.78" },
    tags: ["software.telemetry"],
  });
  const row = sdk.snapshot().daemons[0];
  assert.deepEqual(row.capabilities.published, ["hardware.cpuCores=8", "software.runtime=rust-1.78", "software.telemetry"]);
  await sdk.shutdown();
});

test("ND-13 a daemon without name is invalid_daemon", async () => {
  const { sdk } = await startManual();
  await rejectsWithKind(
    sdk.registerDaemon({ process: () => [] } as unknown as MeshOsDaemon, Identity.generate()),
    "invalid_daemon",
    /^daemon `name` must be a string property; got undefined$/,
  );
  await sdk.shutdown();
});

test("ND-14 a daemon without process is invalid_daemon", async () => {
  const { sdk } = await startManual();
  await rejectsWithKind(
    sdk.registerDaemon({ name: "no-process" } as unknown as MeshOsDaemon, Identity.generate()),
    "invalid_daemon",
    /^daemon has no `process` method: expected a function; got undefined$/,
  );
  await sdk.shutdown();
});

test("ND-15 after gracefulShutdown the same identity registers again", async () => {
  const { sdk, clock } = await startManual();
  const identity = Identity.generate();
  const first = await sdk.registerDaemon(echoDaemon(), identity);
  const done = first.gracefulShutdown(10n);
  await clock.advance(10);
  await done;
  const second = await sdk.registerDaemon(echoDaemon(), identity);
  assert.equal(second.daemonId, identity.originHash);
  await sdk.shutdown();
});

test("ND-16 array capability adverts register and show in the snapshot", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon({
    ...echoDaemon(),
    requiredCapabilities: ["hardware.gpu", "software.model.foo=llama-3.1-70b"],
    optionalCapabilities: ["heat:cold"],
  }, Identity.generate());
  assert.notEqual(handle.daemonId, 0n);
  const caps = sdk.snapshot().daemons[0].capabilities;
  assert.deepEqual(caps.required, ["hardware.gpu", "software.model.foo=llama-3.1-70b"]);
  assert.deepEqual(caps.optional, ["heat:cold"]);
  await sdk.shutdown();
});

test("ND-17 a function capability advert is called once at registration", async () => {
  const { sdk } = await startManual();
  let calls = 0;
  await sdk.registerDaemon({
    ...echoDaemon(),
    requiredCapabilities: () => {
      calls++;
      return ["hardware.gpu"];
    },
  }, Identity.generate());
  assert.equal(calls, 1);
  assert.deepEqual(sdk.snapshot().daemons[0].capabilities.required, ["hardware.gpu"]);
  await sdk.shutdown();
});

test("ND-18 a daemon without capability members registers", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  assert.notEqual(handle.daemonId, 0n);
  assert.equal(sdk.snapshot().daemons[0].runsIn, "thread");
  await sdk.shutdown();
});

test("ND-19 health 'degraded' and saturation 0.75 register and are polled on the tick", async () => {
  const { sdk, clock } = await startManual();
  await sdk.registerDaemon({ ...echoDaemon(), health: () => "degraded", saturation: () => 0.75 }, Identity.generate());
  await clock.advance(100);
  const row = sdk.snapshot().daemons[0];
  assert.deepEqual(row.health, { kind: "degraded", reason: "(unspecified)" });
  assert.equal(row.saturation, 0.75);
  await sdk.shutdown();
});

test("ND-20 health {kind:'degraded', reason} registers and keeps its reason", async () => {
  const { sdk, clock } = await startManual();
  await sdk.registerDaemon(
    { ...echoDaemon(), health: () => ({ kind: "degraded", reason: "queue depth high" }) },
    Identity.generate(),
  );
  await clock.advance(100);
  assert.deepEqual(sdk.snapshot().daemons[0].health, { kind: "degraded", reason: "queue depth high" });
  await sdk.shutdown();
});
