// The bad-input suite (issue 14, "done when"): hundreds of wrong values on every public entry
// point — config, start options, backoff, bus, registration, ingestion, admin, handle, inspector,
// identity — each must end in a MeshOsSdkError of the right kind whose detail names the field, the
// value received (as describeValue shows it) and what was expected. Nothing accepted silently,
// nothing raw. The ring-level cases, where a crash would take the runner down, run in a child
// process (tests/_fixtures/ring_bad_inputs.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Identity, ManualClock, MeshOsDaemonSdk, MeshOsSdkError } from "../mod.ts";
import type { MeshOsDaemonHandle } from "../mod.ts";
import { describeValue } from "../src/errors/meshos_sdk_error.ts";
import { runtimeName, test } from "./_harness.ts";

/** One wrong input: where it goes, the field its error must name, the value, the kind expected. */
interface Case {
  entry: string;
  field: string;
  value: unknown;
  kind: string;
  run: (ctx: Context) => unknown;
  /** When the message shows the value another way than describeValue (a quoted level name). */
  shown?: string;
}

interface Context {
  sdk: MeshOsDaemonSdk;
  handle: MeshOsDaemonHandle;
}

/** Values no numeric field takes. */
const NOT_A_COUNT: unknown[] = [-1, 1.5, NaN, Infinity, -Infinity, "10", null, {}, [], true, -1n, 1n << 64n, () => 1];
const NOT_MS: unknown[] = [-1, 1.5, NaN, Infinity, "10", {}, [], true, -1n, 1n << 64n];
const start = (config: unknown, options: Record<string, unknown> = {}) => async () =>
  await (await MeshOsDaemonSdk.start(config as never, { clock: new ManualClock(), ...options })).shutdown();

const cases: Case[] = [];
const add = (entry: string, field: string, kind: string, values: unknown[], run: (value: unknown) => (ctx: Context) => unknown) => {
  for (const value of values) cases.push({ entry, field, value, kind, run: run(value) });
};

for (const field of ["thisNode", "tickIntervalMs", "eventQueueCapacity", "actionQueueCapacity", "backpressureThreshold", "backpressureRelease", "logRingCapacity", "inboxCapacity", "defaultDrainDeadlineMs", "recoveryRampWindowMs"]) {
  add("start(config)", field, "invalid_config", NOT_A_COUNT, (value) => start({ [field]: value }));
}
for (const field of ["controlCapacity", "outputCapacity"]) {
  add("start(options)", field, "invalid_config", NOT_A_COUNT, (value) => start({}, { [field]: value }));
}
add("start(options)", "backend", "invalid_config", ["gpu", 1, null, {}], (value) => start({}, { backend: value }));
add("start(options)", "ingressIdentity", "invalid_config", [1, {}, "x", null], (value) => start({}, { ingressIdentity: value }));
add("start(options)", "clock", "invalid_config", [1, {}, { now: () => 0 }, "x"], (value) => start({}, { clock: value }));
add("start(options)", "dispatcher", "invalid_config", [1, {}, { dispatch: 1 }, "x"], (value) => start({}, { dispatcher: value }));
add("start(options)", "backoff", "invalid_config", ["fast", 1, null, []], (value) => start({}, { backoff: value }));
for (const field of ["initialMs", "maxMs", "crashLoopThreshold", "crashLoopWindowMs", "crashLoopCooldownMs", "stableRunThresholdMs"]) {
  add("start(options.backoff)", `backoff.${field}`, "invalid_config", NOT_A_COUNT, (value) => start({}, { backoff: { [field]: value } }));
}
add("start(options.backoff)", "backoff.factor", "invalid_config", [0.5, NaN, Infinity, "2", null, {}, true], (value) => start({}, { backoff: { factor: value } }));
/** An unknown key: the message names it (and the nearest known one). */
const unknownKey = (entry: string, field: string, kind: string, keys: string[], run: (key: string) => (ctx: Context) => unknown) => {
  for (const key of keys) cases.push({ entry, field, value: key, kind, shown: `unknown key ${JSON.stringify(key)}`, run: run(key) });
};
unknownKey("start(options.backoff)", "backoff", "invalid_config", ["initialMS", "retries"], (key) => start({}, { backoff: { [key]: 1 } }));
add("start(options.bus)", "bus", "invalid_config", [null, 1, "x", { memory: {}, nats: { servers: "x" } }], (value) => start({}, { bus: value }));
unknownKey("start(options.bus)", "bus", "invalid_config", ["redis"], (key) => start({}, { bus: { [key]: {} } }));
add("start(options.bus)", "bus.memory", "invalid_config", [1, "x", null], (value) => start({}, { bus: { memory: value } }));
unknownKey("start(options.bus)", "bus.memory", "invalid_config", ["extra"], (key) => start({}, { bus: { memory: { mesh: "x", [key]: 1 } } }));
add("start(options.bus)", "bus.memory.mesh", "invalid_config", [1, "", "a.b", "x".repeat(65), null], (value) => start({}, { bus: { memory: { mesh: value } } }));
add("start(options.bus)", "bus.nats.servers", "invalid_config", [1, [], null, {}], (value) => start({}, { bus: { nats: { servers: value } } }));
add("start(options.bus)", "bus.nats.servers[0]", "invalid_config", ["", "a b", 1, null], (value) => start({}, { bus: { nats: { servers: [value] } } }));
add("start(options.bus)", "bus.nats.mesh", "invalid_config", [1, "", "a.b", "a*"], (value) => start({}, { bus: { nats: { servers: "nats://x", mesh: value } } }));
add("start(options.bus)", "bus.nats.replicas", "invalid_config", [0, 6, 1.5, "3", null], (value) => start({}, { bus: { nats: { servers: "nats://x", replicas: value } } }));
add("start(options.bus)", "bus.nats.connectTimeoutMs", "invalid_config", [0, -1, 1.5, "5"], (value) => start({}, { bus: { nats: { servers: "nats://x", connectTimeoutMs: value } } }));

add("registerDaemon(daemon)", "daemon", "invalid_daemon", [null, 1, "x", true], (value) => ({ sdk }) => sdk.registerDaemon(value as never, Identity.generate()));
add("registerDaemon(daemon)", "`process`", "invalid_daemon", [undefined, 1, "f", {}], (value) => ({ sdk }) => sdk.registerDaemon({ name: "x", process: value } as never, Identity.generate()));
add("registerDaemon(daemon)", "`name`", "invalid_daemon", [undefined, 1, "", null], (value) => ({ sdk }) => sdk.registerDaemon({ name: value, process: () => [] } as never, Identity.generate()));
add("registerDaemon(daemon)", "`health`", "invalid_daemon", [1, "x", {}], (value) => ({ sdk }) => sdk.registerDaemon({ name: "x", process: () => [], health: value } as never, Identity.generate()));
add("registerDaemon(identity)", "identity", "invalid_argument", [null, 1, {}, "x", new Uint8Array(32)], (value) => ({ sdk }) => sdk.registerDaemon({ name: "y", process: () => [] }, value as never));
add("registerDaemon(options)", "options", "invalid_argument", [null, 1, "x"], (value) => ({ sdk }) => sdk.registerDaemon({ name: "z", process: () => [] }, Identity.generate(), value as never));
unknownKey("registerDaemon(options)", "options", "invalid_argument", ["nope", "workers"], (key) => ({ sdk }) => sdk.registerDaemon({ name: "z", process: () => [] }, Identity.generate(), { [key]: 1 } as never));
add("registerDaemon(options)", "options.worker", "invalid_argument", [1, "x", null], (value) => ({ sdk }) => sdk.registerDaemon({ name: "z" }, Identity.generate(), { worker: value } as never));
add("registerDaemon(options)", "options.worker.module", "invalid_argument", [1, null, "relative.ts", {}], (value) => ({ sdk }) => sdk.registerDaemon({ name: "z" }, Identity.generate(), { worker: { module: value } } as never));

const notAnId: unknown[] = [5, "0x1", -1n, 1n << 64n, null, {}, 1.5];
add("ingest(daemonId)", "daemonId", "invalid_argument", notAnId, (value) => ({ sdk }) => sdk.ingest(value as never, new Uint8Array(1)));
add("ingestBatch(daemonId)", "daemonId", "invalid_argument", notAnId, (value) => ({ sdk }) => sdk.ingestBatch(value as never, []));
add("outputs(daemonId)", "daemonId", "invalid_argument", notAnId, (value) => ({ sdk }) => sdk.outputs(value as never));
add("admin.restartDaemon(daemonId)", "daemonId", "invalid_argument", notAnId, (value) => ({ sdk }) => sdk.admin.restartDaemon(value as never));
add("admin.stopDaemon(daemonId)", "daemonId", "invalid_argument", notAnId, (value) => ({ sdk }) => sdk.admin.stopDaemon(value as never));
const notBytes: unknown[] = [1, "x", null, [1], new Uint16Array(2), new ArrayBuffer(2), new DataView(new ArrayBuffer(2)), {}, Promise.resolve(1)];
add("ingest(payload)", "payload", "invalid_argument", notBytes, (value) => ({ sdk, handle }) => sdk.ingest(handle.daemonId, value as never));
add("ingestBatch(payloads)", "payloads", "invalid_argument", [1, "x", null, {}, new Uint8Array(2)], (value) => ({ sdk, handle }) => sdk.ingestBatch(handle.daemonId, value as never));
add("ingestBatch(payloads)", "payloads[1]", "invalid_argument", notBytes, (value) => ({ sdk, handle }) => sdk.ingestBatch(handle.daemonId, [new Uint8Array(1), value as never]));

add("admin.enterMaintenance(options)", "options", "invalid_argument", [1, "x", []], (value) => ({ sdk }) => sdk.admin.enterMaintenance(value as never));
unknownKey("admin.enterMaintenance(options)", "options", "invalid_argument", ["drainFor", "deadline"], (key) => ({ sdk }) => sdk.admin.enterMaintenance({ [key]: 1 } as never));
add("admin.enterMaintenance(options)", "drainForMs", "invalid_argument", [...NOT_MS, 0], (value) => ({ sdk }) => sdk.admin.enterMaintenance({ drainForMs: value as never }));
add("admin.stopDaemon(options)", "graceMs", "invalid_argument", NOT_MS, (value) => ({ sdk, handle }) => sdk.admin.stopDaemon(handle.daemonId, { graceMs: value as never }));
add("admin.stopDaemon(options)", "options", "invalid_argument", [1, "x"], (value) => ({ sdk, handle }) => sdk.admin.stopDaemon(handle.daemonId, value as never));
unknownKey("admin.stopDaemon(options)", "options", "invalid_argument", ["grace"], (key) => ({ sdk, handle }) => sdk.admin.stopDaemon(handle.daemonId, { [key]: 1 } as never));
add("handle.nextControl(timeoutMs)", "timeoutMs", "invalid_argument", NOT_MS, (value) => ({ handle }) => handle.nextControl(value as never));
add("handle.publishLog(message)", "message", "invalid_argument", [1, null, {}, Symbol("s"), new Uint8Array(1)], (value) => ({ handle }) => handle.publishLog("info", value as never));
for (const value of [1, null, {}, "loud", "", true]) {
  cases.push({
    entry: "handle.publishLog(level)",
    field: "log level",
    value,
    kind: "invalid_log_level",
    shown: typeof value === "string" ? JSON.stringify(value) : describeValue(value),
    run: ({ handle }) => handle.publishLog(value as never, "m"),
  });
}
add("handle.publishCapabilities(caps)", "caps", "invalid_capabilities", [1, "x", true, []], (value) => ({ handle }) => handle.publishCapabilities(value as never));
add("handle.publishCapabilities(caps)", "caps.tags", "invalid_capabilities", [1, "x", [1], [null], {}], (value) => ({ handle }) => handle.publishCapabilities({ tags: value } as never));
add("handle.publishCapabilities(caps)", "caps.models[0]", "invalid_capabilities", [null, () => 1, Symbol("s"), NaN], (value) => ({ handle }) => handle.publishCapabilities({ models: [value] } as never));
add("inspect(options)", "options", "invalid_argument", [1, "x"], (value) => ({ sdk }) => sdk.inspect(value as never));
unknownKey("inspect(options)", "options", "invalid_argument", ["prot", "host"], (key) => ({ sdk }) => sdk.inspect({ [key]: 1 } as never));
add("inspect(options)", "port", "invalid_argument", [-1, 70_000, 1.5, "80", {}, true], (value) => ({ sdk }) => sdk.inspect({ port: value as never }));
add("inspect(options)", "hostname", "invalid_argument", [1, "", {}, true], (value) => ({ sdk }) => sdk.inspect({ hostname: value as never }));
add("Identity.fromSeed(seed)", "seed", "invalid_argument", [null, 1, "x", new Uint8Array(31), new Uint8Array(33), new Uint16Array(16), []], (value) => () => Identity.fromSeed(value as never));

test(`bad input: ${cases.length} wrong values across every public entry point each end in a MeshOsSdkError naming field, value and expectation`, async () => {
  assert.ok(cases.length >= 200, `only ${cases.length} cases`);
  const sdk = await MeshOsDaemonSdk.start({ tickIntervalMs: 100n }, { clock: new ManualClock() });
  const handle = await sdk.registerDaemon({ name: "target", process: () => [] }, Identity.generate());
  const problems: string[] = [];
  for (const c of cases) {
    const label = `${c.entry} with ${c.field} = ${describeValue(c.value)}`;
    let caught: unknown = null;
    try {
      await c.run({ sdk, handle });
    } catch (err) {
      caught = err;
    }
    if (!(caught instanceof MeshOsSdkError)) {
      problems.push(`${label}: ${caught === null ? "accepted" : `raw ${String(caught)}`}`);
      continue;
    }
    const { kind, detail } = caught;
    const shown = c.shown ?? describeValue(c.value);
    if (kind !== c.kind) problems.push(`${label}: kind ${kind}, expected ${c.kind} (${detail})`);
    else if (!detail.includes(c.field)) problems.push(`${label}: the message does not name ${c.field}: ${detail}`);
    else if (!detail.includes(shown)) problems.push(`${label}: the message does not show ${shown}: ${detail}`);
    else if (!/expected|must/.test(detail)) problems.push(`${label}: the message does not say what was expected: ${detail}`);
  }
  assert.equal(sdk.snapshot().daemons.length, 1, "no bad input registered, stopped or changed a daemon");
  assert.equal(sdk.snapshot().maintenance.state, "Active", "no bad input entered maintenance");
  await sdk.shutdown();
  assert.deepEqual(problems, []);
});

test("bad input: ring-level wrong values on every backend, in a child process, are each refused with a MeshOsSdkError", () => {
  const script = fileURLToPath(new URL("./_fixtures/ring_bad_inputs.ts", import.meta.url));
  const args = runtimeName === "bun" ? [script] : ["run", "--allow-all", script];
  const child = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 120_000 });
  const lines = child.stdout.trim().split("\n");
  assert.equal(child.signal, null, `the process died of ${child.signal} after: ${lines.at(-1)}\n${child.stderr}`);
  assert.equal(child.status, 0, child.stderr);
  const summary = JSON.parse(lines.at(-1)!) as { cases: number; problems: string[] };
  assert.deepEqual(summary.problems, []);
  assert.ok(summary.cases >= 60, `${summary.cases} ring cases`);
});
