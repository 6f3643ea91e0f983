// Bad input: every rejection is a MeshOsSdkError of the right kind whose message names the field,
// the value received and what was expected (product decision 6, spec §5).
import assert from "node:assert/strict";
import { Identity, MeshOsDaemonSdk, MeshOsSdkError } from "../mod.ts";
import type { MeshOsConfig, MeshOsDaemon } from "../mod.ts";
import { test } from "./_harness.ts";
import { echoDaemon, rejectsWithKind, startManual } from "./_sdk_fixtures.ts";

const badConfigs: [MeshOsConfig, RegExp][] = [
  [{ thisNode: -1n }, /^thisNode: expected a bigint in 0\.\.2\^64-1; got -1n$/],
  [{ thisNode: 1n << 64n }, /^thisNode: expected a bigint in 0\.\.2\^64-1; got 18446744073709551616n$/],
  [{ thisNode: 5 as unknown as bigint }, /^thisNode: .*got 5$/],
  [{ tickIntervalMs: 0n }, /^tickIntervalMs: expected an integer number or bigint of ms in 1\.\.2\^64-1; got 0n$/],
  [{ tickIntervalMs: -5n }, /^tickIntervalMs: .*got -5n$/],
  [{ tickIntervalMs: 0 }, /^tickIntervalMs: .*got 0$/],
  [{ tickIntervalMs: 2.5 }, /^tickIntervalMs: .*got 2\.5$/],
  [{ tickIntervalMs: 2 ** 31 }, /^tickIntervalMs: expected at most 2147483647 \(timer range\); got 2147483648$/],
  [{ defaultDrainDeadlineMs: 1n << 64n }, /^defaultDrainDeadlineMs: .*got 18446744073709551616n$/],
  [{ recoveryRampWindowMs: "5000" as unknown as number }, /^recoveryRampWindowMs: .*got "5000"$/],
  [{ eventQueueCapacity: 0 }, /^eventQueueCapacity: expected an integer in 1\.\.\d+; got 0$/],
  [{ actionQueueCapacity: -1 }, /^actionQueueCapacity: .*got -1$/],
  [{ eventQueueCapacity: 1.5 }, /^eventQueueCapacity: .*got 1\.5$/],
  [{ backpressureThreshold: 100, backpressureRelease: 100 }, /^backpressureRelease: expected less than backpressureThreshold \(100\); got 100$/],
  [{ logRingCapacity: 0 }, /^logRingCapacity: .*got 0$/],
];

for (const [config, message] of badConfigs) {
  test(`invalid_config: ${message.source.split(":")[0].replace("^", "")} = ${JSON.stringify(config, (_k, v) => typeof v === "bigint" ? `${v}n` : v)}`, async () => {
    await rejectsWithKind(MeshOsDaemonSdk.start(config), "invalid_config", message);
  });
}

test("an unknown config key is invalid_config naming it and the nearest known key", async () => {
  await rejectsWithKind(
    MeshOsDaemonSdk.start({ thisNod: 7n } as unknown as MeshOsConfig),
    "invalid_config",
    /^config: unknown key "thisNod"; expected one of thisNode, .*\(did you mean "thisNode"\?\)$/,
  );
});

test("an unknown start option is invalid_config naming it and the nearest known key", async () => {
  await rejectsWithKind(
    MeshOsDaemonSdk.start({}, { outputCapacty: 4 } as unknown as Record<string, never>),
    "invalid_config",
    /^options: unknown key "outputCapacty"; expected one of .*\(did you mean "outputCapacity"\?\)$/,
  );
});

test("PY-4 a non-object config is invalid_config", async () => {
  await rejectsWithKind(MeshOsDaemonSdk.start("fast" as unknown as MeshOsConfig), "invalid_config", /^config: expected an object; got "fast"$/);
});

test("controlCapacity 0 is invalid_config", async () => {
  await rejectsWithKind(MeshOsDaemonSdk.start({}, { controlCapacity: 0 }), "invalid_config", /^controlCapacity: .*got 0$/);
});

test("timeoutMs and graceMs: negative, fractional or above 2^64-1 are invalid_argument", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  await rejectsWithKind(handle.nextControl(-1n), "invalid_argument", /^timeoutMs: expected an integer number or bigint of ms in 0\.\.2\^64-1; got -1n$/);
  await rejectsWithKind(handle.nextControl(1.5), "invalid_argument", /^timeoutMs: .*got 1\.5$/);
  await rejectsWithKind(handle.nextControl("100" as unknown as bigint), "invalid_argument", /^timeoutMs: .*got "100"$/);
  await rejectsWithKind(handle.gracefulShutdown(-1), "invalid_argument", /^graceMs: expected an integer number or bigint of ms in 0\.\.2\^64-1; got -1$/);
  await rejectsWithKind(handle.gracefulShutdown(1n << 64n), "invalid_argument", /^graceMs: .*got 18446744073709551616n$/);
  await rejectsWithKind(handle.gracefulShutdown(2 ** 64), "invalid_argument", /^graceMs: .*got 18446744073709552000$/);
  await rejectsWithKind(sdk.admin.stopDaemon(handle.daemonId, { graceMs: -3n }), "invalid_argument", /^graceMs: .*got -3n$/);
  await rejectsWithKind(sdk.admin.stopDaemon(handle.daemonId, { graceMs: Number.NaN }), "invalid_argument", /^graceMs: .*got NaN$/);
  assert.equal(sdk.snapshot().daemons.length, 1, "a rejected call changes nothing");
  await sdk.shutdown();
});

test("milliseconds are accepted as number or bigint alike", async () => {
  const { sdk, clock } = await startManual({ tickIntervalMs: 100, defaultDrainDeadlineMs: 2000n, recoveryRampWindowMs: 50 });
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const numberWait = handle.nextControl(30);
  const bigintWait = handle.nextControl(30n);
  await clock.advance(30);
  assert.equal(await numberWait, null);
  assert.equal(await bigintWait, null);
  sdk.admin.enterMaintenance({}); // the drain deadline comes from defaultDrainDeadlineMs: 2000n
  assert.deepEqual(await handle.nextControl(0), { kind: "DrainStart", gracePeriodMs: 2000n });
  await handle.exit();
  await clock.advance(100);
  assert.equal(sdk.snapshot().maintenance.state, "Maintenance");
  sdk.admin.exitMaintenance();
  const stop = handle.gracefulShutdown(1000);
  assert.deepEqual(await handle.nextControl(0n), { kind: "DrainFinish" });
  assert.deepEqual(await handle.nextControl(0n), { kind: "Shutdown", gracePeriodMs: 1000n });
  await clock.advance(999);
  assert.equal(sdk.snapshot().daemons[0].lifecycle, "stopping", "a number grace of 1000 ms is not over at 999 ms");
  await clock.advance(1);
  await stop;
  assert.equal(sdk.snapshot().daemons[0].lifecycle, "stopped");
  await sdk.shutdown();
});

test("grace 0 delivers Shutdown{0n} and completes at once", async () => {
  const { sdk } = await startManual();
  const seen: unknown[] = [];
  const first = await sdk.registerDaemon({ ...echoDaemon(), onControl: (e) => seen.push(e) }, Identity.generate());
  const waiting = first.nextControl();
  await first.gracefulShutdown(0n); // no clock advance: completes without any timer
  assert.deepEqual(await waiting, { kind: "Shutdown", gracePeriodMs: 0n });
  assert.deepEqual(seen, [{ kind: "Shutdown", gracePeriodMs: 0n }]);
  const second = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const secondWaiting = second.nextControl();
  await sdk.admin.stopDaemon(second.daemonId, { graceMs: 0 });
  assert.deepEqual(await secondWaiting, { kind: "Shutdown", gracePeriodMs: 0n });
  assert.deepEqual(sdk.snapshot().daemons.map((d) => d.lifecycle), ["stopped", "stopped"]);
  await rejectsWithKind(first.exit(), "already_shutdown");
  await sdk.shutdown();
});

test("unknown option keys of admin and registerDaemon calls are rejected naming the nearest key", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  await rejectsWithKind(
    sdk.admin.stopDaemon(handle.daemonId, { grace: 0 } as never),
    "invalid_argument",
    /^options: unknown key "grace"; expected one of graceMs \(did you mean "graceMs"\?\)$/,
  );
  await rejectsWithKind(() => sdk.admin.enterMaintenance({ drainFor: 5 } as never), "invalid_argument", /^options: unknown key "drainFor".*"drainForMs"/);
  await rejectsWithKind(
    sdk.registerDaemon(echoDaemon(), Identity.generate(), { wroker: {} } as never),
    "invalid_argument",
    /^options: unknown key "wroker"; expected one of worker \(did you mean "worker"\?\)$/,
  );
  await rejectsWithKind(
    sdk.registerDaemon({ name: "w" }, Identity.generate(), { worker: { module: "file:///x.ts", export: "x" } } as never),
    "invalid_argument",
    /^options\.worker: unknown key "export"; .*\(did you mean "exportName"\?\)$/,
  );
  assert.equal(sdk.snapshot().maintenance.state, "Active");
  assert.equal(sdk.snapshot().daemons.length, 1);
  await sdk.shutdown();
});

test("the backend option's error names backend", async () => {
  await rejectsWithKind(
    MeshOsDaemonSdk.start({}, { backend: "zig" as never }),
    "invalid_config",
    /^backend: expected "native", "wasm" or "js"; got "zig"$/,
  );
});

test("PY-14 / PY-25 unknown log levels and non-string messages are rejected", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  const err = await rejectsWithKind(handle.publishLog("verbose" as never, "x"), "invalid_log_level");
  assert.ok(String(err).includes("<<meshos-sdk-kind:invalid_log_level>>"));
  await rejectsWithKind(handle.publishLog("info", 42 as unknown as string), "invalid_argument", /^message: expected a string; got 42$/);
  await handle.publishLog("WARNING" as never, "upstream spelling still accepted");
  await sdk.shutdown();
});

const badDaemons: [string, unknown, RegExp][] = [
  ["not an object", 42, /^daemon: expected an object; got 42$/],
  ["name is a function", { name: () => "x", process: () => [] }, /^daemon `name` must be a string property; got a function$/],
  ["empty name", { name: "", process: () => [] }, /^daemon `name` must not be empty/],
  ["process not a function", { name: "x", process: "yes" }, /^daemon has no `process` method: expected a function; got "yes"$/],
  ["health not a function", { name: "x", process: () => [], health: "ok" }, /^daemon `health` must be a function when present; got "ok"$/],
  ["PY-27 advert returns 42", { name: "x", process: () => [], requiredCapabilities: () => 42 }, /^`requiredCapabilities\(\)` returned 42; expected an array of tag strings$/],
  ["advert with a number", { name: "x", process: () => [], optionalCapabilities: ["a", 1] }, /^`optionalCapabilities` is \["a",1\]; expected an array of tag strings$/],
  ["advert that throws", { name: "x", process: () => [], requiredCapabilities: () => { throw new Error("no gpu"); } }, /^`requiredCapabilities\(\)` threw: no gpu$/],
];

for (const [label, daemon, message] of badDaemons) {
  test(`invalid_daemon: ${label}`, async () => {
    const { sdk } = await startManual();
    await rejectsWithKind(sdk.registerDaemon(daemon as MeshOsDaemon, Identity.generate()), "invalid_daemon", message);
    await sdk.shutdown();
  });
}

test("registerDaemon with something that is not an Identity is invalid_argument", async () => {
  const { sdk } = await startManual();
  await rejectsWithKind(sdk.registerDaemon(echoDaemon(), { originHash: 1n } as unknown as Identity), "invalid_argument", /^identity: expected an Identity; got \{"originHash":"1n"\}$/);
  await sdk.shutdown();
});

test("Identity.fromSeed rejects a seed that is not 32 bytes", () => {
  assert.throws(() => Identity.fromSeed(new Uint8Array(31)), (err: unknown) =>
    err instanceof MeshOsSdkError && err.kind === "invalid_argument" &&
    err.detail === "seed: expected a Uint8Array of 32 bytes; got a Uint8Array of 31 bytes");
});

test("PY-18 bad capability sets are invalid_capabilities naming the field", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  await rejectsWithKind(handle.publishCapabilities({ models: "not a list" as unknown as unknown[] }), "invalid_capabilities", /^caps\.models: expected an array; got "not a list"$/);
  await rejectsWithKind(handle.publishCapabilities({ tags: ["ok", 3] as unknown as string[] }), "invalid_capabilities", /^caps\.tags: expected an array of strings; got \["ok",3\]$/);
  await rejectsWithKind(handle.publishCapabilities({ gpus: 2 } as never), "invalid_capabilities", /^caps\.gpus: unknown field/);
  await rejectsWithKind(handle.publishCapabilities("gpu" as never), "invalid_capabilities", /^caps: expected an object or null; got "gpu"$/);
  await sdk.shutdown();
});

test("ingest rejects unknown daemons and non-bytes payloads", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  await rejectsWithKind(() => sdk.ingest(123n, new Uint8Array(1)), "unknown_daemon", /^daemonId: no registered daemon has id 0x000000000000007b/);
  await rejectsWithKind(() => sdk.ingest(handle.daemonId, "text" as unknown as Uint8Array), "invalid_argument", /^payload: expected a Uint8Array; got "text"$/);
  await rejectsWithKind(() => sdk.ingestBatch(handle.daemonId, [new Uint8Array(1), 7 as unknown as Uint8Array]), "invalid_argument", /^payloads\[1\]: expected a Uint8Array; got 7$/);
  await sdk.shutdown();
});

test("admin commands outside their states are invalid_transition", async () => {
  const { sdk, clock } = await startManual();
  await rejectsWithKind(() => sdk.admin.exitMaintenance(), "invalid_transition", /^exitMaintenance: expected the node in Maintenance or DrainFailed; got Active$/);
  sdk.admin.enterMaintenance({});
  await clock.advance(100);
  await rejectsWithKind(() => sdk.admin.enterMaintenance({}), "invalid_transition", /^enterMaintenance: expected the node in Active or EnteringMaintenance; got Maintenance$/);
  await rejectsWithKind(() => sdk.admin.enterMaintenance({ drainForMs: 0 }), "invalid_argument", /^drainForMs: expected an integer number or bigint of ms in 1\.\.2\^64-1; got 0$/);
  await sdk.shutdown();
});

test("shutdown_failed when the dispatcher has not finished 2 s after shutdown; the node is shut down anyway", async () => {
  let release!: () => void;
  const stuck = new Promise<void>((resolve) => (release = resolve));
  const { sdk, clock } = await startManual({}, { dispatcher: { dispatch: () => stuck } });
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  sdk.admin.restartDaemon(handle.daemonId); // one action, held by the dispatcher
  sdk.admin.restartDaemon(handle.daemonId); // one more, queued behind it
  const shutdown = sdk.shutdown();
  await clock.advance(1999);
  let settled = false;
  void shutdown.then(() => (settled = true), () => (settled = true));
  await Promise.resolve();
  assert.equal(settled, false, "shutdown waits for the dispatcher up to 2 s");
  await clock.advance(1);
  await rejectsWithKind(
    shutdown,
    "shutdown_failed",
    /^runtime shutdown failed: ExecutorTimeout \(the action dispatcher did not finish within 2000 ms; 2 action\(s\) abandoned\)$/,
  );
  await rejectsWithKind(() => sdk.snapshot(), "already_shutdown");
  release();
});

test("shutdown waits for a slow dispatcher that finishes in time", async () => {
  let release!: () => void;
  const slow = new Promise<void>((resolve) => (release = resolve));
  const dispatched: string[] = [];
  const dispatcher = { dispatch: async (a: { kind: string }) => { await slow; dispatched.push(a.kind); } };
  const { sdk, clock } = await startManual({}, { dispatcher });
  const handle = await sdk.registerDaemon(echoDaemon(), Identity.generate());
  sdk.admin.restartDaemon(handle.daemonId);
  const shutdown = sdk.shutdown();
  await clock.advance(1500);
  release();
  await shutdown;
  assert.deepEqual(dispatched, ["start_daemon"]);
});
