// Wrong-kind and accepted-by-mistake inputs found by issue 14 (item 8): each is now a
// MeshOsSdkError of the right kind naming the field, the value and what was expected.
import assert from "node:assert/strict";
import { Identity, ManualClock, MeshOsDaemonSdk } from "../mod.ts";
import { test } from "./_harness.ts";
import { bytes, rejectsWithKind, startManual } from "./_sdk_fixtures.ts";

test("null and non-object options are invalid_argument naming options", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon({ name: "x", process: () => [] }, Identity.generate());
  const detail = /^options: expected an object; got null$/;
  await rejectsWithKind(() => sdk.admin.enterMaintenance(null as never), "invalid_argument", detail);
  await rejectsWithKind(sdk.admin.stopDaemon(handle.daemonId, null as never), "invalid_argument", detail);
  await rejectsWithKind(sdk.inspect(null as never), "invalid_argument", detail);
  await rejectsWithKind(sdk.inspect({ hostname: "127.0.0.1", prot: 1 } as never), "invalid_argument", /^options: unknown key "prot".*did you mean "port"/);
  await sdk.shutdown();
});

test("a clock, dispatcher or backoff of the wrong shape is invalid_config at start, naming it", async () => {
  await rejectsWithKind(
    MeshOsDaemonSdk.start({}, { clock: { now: () => 0 } as never }),
    "invalid_config",
    /^clock: expected a Clock \(now, wallMs, setTimer, defer and clearTimer functions\); got \{\}$/,
  );
  await rejectsWithKind(
    MeshOsDaemonSdk.start({}, { dispatcher: 5 as never }),
    "invalid_config",
    /^dispatcher: expected an ActionDispatcher \(an object with a dispatch\(action\) function\); got 5$/,
  );
  await rejectsWithKind(MeshOsDaemonSdk.start({}, { dispatcher: {} as never }), "invalid_config", /^dispatcher: expected an ActionDispatcher/);
  await rejectsWithKind(MeshOsDaemonSdk.start({}, { backoff: "fast" as never }), "invalid_config", /^backoff: expected an object; got "fast"$/);
  const sdk = await MeshOsDaemonSdk.start({}, { clock: new ManualClock() }); // a real Clock passes
  await sdk.shutdown();
});

test("daemon ids that are not u64 bigints are invalid_argument, not unknown_daemon", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon({ name: "x", process: () => [] }, Identity.generate());
  const hex = "0x" + handle.daemonId.toString(16);
  const expected = (got: string) => new RegExp(`^daemonId: expected a bigint in 0\\.\\.2\\^64-1 \\(a handle's daemonId\\); got ${got}$`);
  await rejectsWithKind(() => sdk.ingest(5 as never, bytes("a")), "invalid_argument", expected("5"));
  await rejectsWithKind(() => sdk.ingest(hex as never, bytes("a")), "invalid_argument", expected(`"${hex}"`));
  await rejectsWithKind(() => sdk.ingest(-1n, bytes("a")), "invalid_argument", expected("-1n"));
  await rejectsWithKind(() => sdk.ingestBatch(1n << 64n, []), "invalid_argument", expected("18446744073709551616n"));
  await rejectsWithKind(sdk.admin.stopDaemon(Number(handle.daemonId) as never), "invalid_argument", /^daemonId: expected a bigint/);
  await rejectsWithKind(() => sdk.admin.restartDaemon(null as never), "invalid_argument", expected("null"));
  await rejectsWithKind(() => sdk.outputs("x" as never), "invalid_argument", expected('"x"'));
  await sdk.shutdown();
});

test("capability values that are not plain data are invalid_capabilities naming the path", async () => {
  const { sdk } = await startManual();
  const handle = await sdk.registerDaemon({ name: "x", process: () => [] }, Identity.generate());
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const bad = (caps: unknown, field: string) =>
    rejectsWithKind(handle.publishCapabilities(caps as never), "invalid_capabilities", new RegExp(`^${field}: expected a string, finite number, boolean, bigint or plain JSON; got `));
  await bad({ models: [null] }, "caps\\.models\\[0\\]");
  await bad({ tools: ["ok", { id: NaN }] }, "caps\\.tools\\[1\\]");
  await bad({ hardware: { gpu: circular } }, "caps\\.hardware\\.gpu");
  await bad({ software: { run: () => 1 } }, "caps\\.software\\.run");
  assert.deepEqual(sdk.snapshot().daemons[0].capabilities.published, []); // nothing half-published
  await handle.publishCapabilities({ hardware: { cores: 8, gpu: { vram: 16 } }, models: [{ id: "m" }], tags: ["t"] });
  assert.deepEqual(sdk.snapshot().daemons[0].capabilities.published, ['hardware.cores=8', 'hardware.gpu={"vram":16}', "model.m", "t"]);
  await sdk.shutdown();
  await rejectsWithKind(handle.publishCapabilities({ tags: ["late"] }), "already_shutdown", /^MeshOsDaemonSdk was already consumed by shutdown$/);
});

test("inspect() on a host it cannot listen on is invalid_argument with the cause", async () => {
  const { sdk } = await startManual();
  await rejectsWithKind(sdk.inspect({ hostname: "no-such-host.invalid" }), "invalid_argument", /^startInspector: could not listen on no-such-host\.invalid:0: /);
  const first = await sdk.inspect({ port: 0 });
  const port = Number(new URL(first.url).port);
  await rejectsWithKind(sdk.inspect({ port }), "invalid_argument", new RegExp(`^startInspector: could not listen on 127\\.0\\.0\\.1:${port}: `));
  await sdk.shutdown();
});
