// Operators driving the mesh (issue 12, operator part): signed commands to a node by id, commit
// records, refusals (forged, unknown key, replayed, stale, wrong node, bad transition) that change
// nothing, and the mesh's audit trail of all of them — `sdk.admin` included as operator "local".
// On the in-process mesh, then on a real nats-server (the trail in JetStream), the target a node
// process of its own.
import assert from "node:assert/strict";
import { Identity, MeshOsDaemonSdk, MeshOsOperator, OperatorIdentity } from "../mod.ts";
import type { MeshOsBusOption } from "../mod.ts";
import { MemoryBus } from "../src/bus/memory_bus.ts";
import { NatsBus } from "../src/bus/nats_bus.ts";
import { killNodes, spawnNode } from "./_movable_nodes.ts";
import { commandSigningBytes, decodeCommandReply, encodeSignedCommand, type OperatorCommand } from "../src/bus/operator_command.ts";
import { test } from "./_harness.ts";
import { startNatsServer } from "./_nats_server.ts";
import { rejectsWithKind } from "./_sdk_fixtures.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const freshMesh = () => `ops-${crypto.randomUUID().slice(0, 8)}`;

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (const giveUp = Date.now() + 20_000; Date.now() < giveUp;) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`still waiting for ${what}`);
}

function node(thisNode: bigint, bus: MeshOsBusOption, trusted: string[]) {
  return MeshOsDaemonSdk.start({ thisNode, tickIntervalMs: 10n }, { bus, operators: { trusted } });
}

/** A command as an operator would sign it, with fields to override. */
function command(operator: OperatorIdentity, fields: Partial<OperatorCommand>): OperatorCommand {
  return {
    id: crypto.randomUUID().replaceAll("-", ""),
    operatorId: operator.publicKeyHex,
    kind: "enterMaintenance",
    targetNode: 2n,
    issuedAtMs: Date.now(),
    drainForMs: null,
    daemonId: null,
    graceMs: null,
    operatorKey: null,
    ...fields,
  };
}

test("operator: a trusted operator's signed commands are applied on the node they name, each answered with its commit and audited", async () => {
  const mesh = freshMesh();
  const alice = OperatorIdentity.generate();
  const target = await node(2n, { memory: { mesh } }, [alice.publicKeyHex]);
  const operator = await MeshOsOperator.connect(alice, { bus: { memory: { mesh } } });
  try {
    const a = await target.registerDaemon({ name: "a", process: () => [] }, Identity.generate());
    const b = await target.registerDaemon({ name: "b", process: () => [] }, Identity.generate());
    const restart = await operator.restartDaemon(2n, a.daemonId);
    assert.equal(restart.kind, "restartDaemon");
    assert.equal(restart.operatorId, alice.publicKeyHex);
    assert.equal(restart.targetNode, 2n);
    assert.match(restart.commitId, /^[0-9a-f]{32}$/);
    assert.ok(Math.abs(restart.committedAtMs - Date.now()) < 5_000);
    const stopped = await operator.stopDaemon(2n, b.daemonId, { graceMs: 0 });
    assert.equal(stopped.kind, "stopDaemon");
    assert.deepEqual(target.snapshot().daemons.filter((d) => d.lifecycle !== "stopped").map((d) => d.name), ["a"]);
    await operator.enterMaintenance(2n, { drainForMs: 60_000 });
    assert.equal(target.snapshot().maintenance.state, "EnteringMaintenance");
    await a.exit(); // the last daemon acknowledges the drain
    await until("Maintenance", () => target.snapshot().maintenance.state === "Maintenance");
    await operator.exitMaintenance(2n);
    assert.notEqual(target.snapshot().maintenance.state, "Maintenance");
    const trail = await operator.audit({ node: 2n });
    assert.deepEqual(trail.map((r) => [r.kind, r.result, r.operatorId === alice.publicKeyHex]), [
      ["restartDaemon", "committed", true],
      ["stopDaemon", "committed", true],
      ["enterMaintenance", "committed", true],
      ["exitMaintenance", "committed", true],
    ]);
    assert.equal(trail[0].detail, restart.commitId);
  } finally {
    await operator.close();
    await target.shutdown();
  }
});

test("operator: forged, unknown-key, replayed, stale and misaddressed commands are refused as unauthorized (or invalid), change nothing, and are audited", async () => {
  const mesh = freshMesh();
  const alice = OperatorIdentity.generate();
  const mallory = OperatorIdentity.generate();
  const target = await node(2n, { memory: { mesh } }, [alice.publicKeyHex]);
  const raw = MemoryBus.join({ mesh, nodeId: 77n, now: Date.now });
  const send = async (signed: { command: OperatorCommand; signature: string }) => {
    const decoded = decodeCommandReply(await raw.request("command", 2n, encodeSignedCommand(signed), 1_000));
    assert.ok("reply" in decoded);
    return decoded.reply;
  };
  const refusedWith = async (signed: { command: OperatorCommand; signature: string }, kind: string, detail: RegExp) => {
    const reply = await send(signed);
    assert.ok(!reply.ok, `expected a refusal; got ${JSON.stringify(reply)}`);
    assert.equal(reply.kind, kind);
    assert.match(reply.message, detail);
  };
  try {
    // Mallory signs a command claiming to be Alice: the signature does not verify.
    const forged = command(alice, {});
    await refusedWith({ command: forged, signature: mallory.sign(commandSigningBytes(forged)) }, "unauthorized", /^signature: does not verify for operator /);
    // Mallory as herself: not a trusted key.
    const unknown = command(mallory, {});
    await refusedWith({ command: unknown, signature: mallory.sign(commandSigningBytes(unknown)) }, "unauthorized", /is not a trusted operator of node 0x0000000000000002/);
    // Alice's command issued two minutes ago: stale.
    const stale = command(alice, { issuedAtMs: Date.now() - 120_000 });
    await refusedWith({ command: stale, signature: alice.sign(commandSigningBytes(stale)) }, "unauthorized", /^issuedAtMs: the command was issued \d+ ms from node 0x0000000000000002's clock; expected within 30000 ms/);
    // A command for another node, delivered here.
    const elsewhere = command(alice, { targetNode: 3n });
    await refusedWith({ command: elsewhere, signature: alice.sign(commandSigningBytes(elsewhere)) }, "invalid_argument", /^targetNode: the command names node 0x0000000000000003/);
    // A signature over other fields (the drain window changed after signing).
    const tampered = command(alice, { drainForMs: 1_000 });
    const signature = alice.sign(commandSigningBytes(tampered));
    await refusedWith({ command: { ...tampered, drainForMs: 5 }, signature }, "unauthorized", /^signature: does not verify/);
    assert.equal(target.snapshot().maintenance.state, "Active", "nothing refused changed the node");
    // The genuine one works once; the same bytes again are a replay.
    const genuine = { command: tampered, signature };
    assert.equal((await send(genuine)).ok, true);
    await refusedWith(genuine, "unauthorized", /was already received by node 0x0000000000000002; expected a new command \(a replay\)/);
    // Garbage is refused too.
    const garbage = decodeCommandReply(await raw.request("command", 2n, new TextEncoder().encode("{}"), 1_000));
    assert.ok("reply" in garbage && !garbage.reply.ok && garbage.reply.kind === "invalid_argument");
    const trail = (await raw.readAudit()).map((bytes) => JSON.parse(new TextDecoder().decode(bytes)));
    assert.deepEqual(trail.map((r) => r.result), ["refused", "refused", "refused", "refused", "refused", "committed", "refused", "refused"]);
    assert.match(trail[0].detail, /^unauthorized: signature: does not verify/);
    assert.equal(trail[1].operatorId, mallory.publicKeyHex);
  } finally {
    await raw.close();
    await target.shutdown();
  }
});

test("operator: an unknown node, a bad transition and an unknown daemon come back as their errors, and sdk.admin is audited as operator \"local\"", async () => {
  const mesh = freshMesh();
  const alice = OperatorIdentity.generate();
  const target = await node(2n, { memory: { mesh } }, [alice.publicKeyHex]);
  const operator = await MeshOsOperator.connect(alice, { bus: { memory: { mesh } } });
  try {
    await rejectsWithKind(operator.enterMaintenance(9n), "unknown_node", /^targetNode: no node 0x0000000000000009 answers on mesh/);
    await rejectsWithKind(operator.exitMaintenance(2n), "invalid_transition");
    await rejectsWithKind(operator.stopDaemon(2n, 123n), "unknown_daemon", /no registered daemon has id 0x000000000000007b/);
    await rejectsWithKind(operator.stopDaemon(2n, -1n), "invalid_argument", /^daemonId: expected a bigint/);
    target.admin.enterMaintenance({ drainForMs: 60_000 }); // no daemons: the node reaches Maintenance at once
    await until("Maintenance", () => target.snapshot().maintenance.state === "Maintenance");
    target.admin.exitMaintenance();
    assert.throws(() => target.admin.exitMaintenance(), /invalid_transition/); // already on its way out
    const local = await operator.audit({ operatorId: "local" });
    assert.deepEqual(local.map((r) => [r.kind, r.result]), [["enterMaintenance", "committed"], ["exitMaintenance", "committed"], ["exitMaintenance", "refused"]]);
    assert.match(local[2].detail, /^invalid_transition: /);
    assert.deepEqual((await operator.audit({ operatorId: alice.publicKeyHex })).map((r) => r.result), ["refused", "refused"]);
  } finally {
    await operator.close();
    await target.shutdown();
  }
});

test("operator: on NATS, commands cross processes' connections and the audit trail is durable in JetStream", async () => {
  const server = await startNatsServer();
  const bus = { nats: { servers: server.url, mesh: "ops" } };
  const alice = OperatorIdentity.generate();
  const target = await node(2n, bus, [alice.publicKeyHex]);
  let operator = await MeshOsOperator.connect(alice, { bus, timeoutMs: 5_000 });
  try {
    const daemon = await target.registerDaemon({ name: "d", process: () => [] }, Identity.generate());
    const commit = await operator.restartDaemon(2n, daemon.daemonId);
    assert.equal(commit.targetNode, 2n);
    await rejectsWithKind(operator.enterMaintenance(5n), "unknown_node");
    const intruder = await MeshOsOperator.connect(OperatorIdentity.generate(), { bus });
    await rejectsWithKind(intruder.enterMaintenance(2n), "unauthorized", /is not a trusted operator/);
    await intruder.close();
    await operator.close();
    operator = await MeshOsOperator.connect(alice, { bus }); // a later session reads what the first left
    const trail = await operator.audit({ node: 2n });
    assert.deepEqual(trail.map((r) => [r.kind, r.result]), [["restartDaemon", "committed"], ["enterMaintenance", "refused"]]);
    assert.equal(trail[0].detail, commit.commitId);
  } finally {
    await operator.close();
    await target.shutdown();
    await server.stop();
  }
});

test("operator: restart every daemon, cordon and uncordon, and hand trust to another operator (never the last key away)", async () => {
  const mesh = freshMesh();
  const alice = OperatorIdentity.generate();
  const bob = OperatorIdentity.generate();
  const target = await node(2n, { memory: { mesh } }, [alice.publicKeyHex]);
  const asAlice = await MeshOsOperator.connect(alice, { bus: { memory: { mesh } } });
  const asBob = await MeshOsOperator.connect(bob, { bus: { memory: { mesh } } });
  try {
    for (const name of ["a", "b"]) await target.registerDaemon({ name, process: () => [] }, Identity.generate());
    await asAlice.restartAllDaemons(2n);
    const restarts = target.snapshot().recentActions.filter((a) => a.kind === "start_daemon" && a.detail === "forced restart");
    assert.equal(restarts.length, 2, "one forced restart per daemon");
    await asAlice.cordon(2n);
    assert.equal(target.snapshot().cordoned, true);
    await asAlice.uncordon(2n);
    assert.equal(target.snapshot().cordoned, false);
    await rejectsWithKind(asBob.cordon(2n), "unauthorized");
    await asAlice.trustOperator(2n, bob.publicKeyHex);
    await asBob.cordon(2n); // trusted now
    assert.equal(target.snapshot().cordoned, true);
    await asBob.distrustOperator(2n, alice.publicKeyHex);
    await rejectsWithKind(asAlice.uncordon(2n), "unauthorized");
    await rejectsWithKind(asBob.distrustOperator(2n, bob.publicKeyHex), "invalid_argument", /last trusted operator/);
    await rejectsWithKind(asBob.trustOperator(2n, "not-a-key"), "invalid_argument", /^operatorKey: expected an operator public key/);
    const kinds = (await asBob.audit({ node: 2n })).map((r) => `${r.kind}:${r.result}`);
    assert.deepEqual(kinds, [
      "restartAllDaemons:committed", "cordon:committed", "uncordon:committed", "cordon:refused", "trustOperator:committed",
      "cordon:committed", "distrustOperator:committed", "uncordon:refused", "distrustOperator:refused", "trustOperator:refused",
    ]);
  } finally {
    await asAlice.close();
    await asBob.close();
    await target.shutdown();
  }
});

test("operator: log lines and failures (crash, dead letter, failed drain) of the mesh's nodes arrive as live feeds, on both buses", async () => {
  const server = await startNatsServer();
  try {
    for (const bus of [{ memory: { mesh: freshMesh() } }, { nats: { servers: server.url, mesh: "feeds" } }] satisfies MeshOsBusOption[]) {
      const target = await MeshOsDaemonSdk.start(
        { thisNode: 2n, tickIntervalMs: 10n },
        { bus, backoff: { initialMs: 1, maxMs: 1, crashLoopThreshold: 100 } },
      );
      const operator = await MeshOsOperator.connect(OperatorIdentity.generate(), { bus });
      const logs = operator.logs({ node: 2n });
      const failures = operator.failures();
      const seenLogs: string[] = [];
      const seenFailures: string[] = [];
      const reading = (async () => {
        for await (const line of logs) seenLogs.push(`${line.level} ${line.message}`);
      })();
      const readingFailures = (async () => {
        for await (const failure of failures) seenFailures.push(`${failure.kind} ${failure.nodeId}`);
      })();
      try {
        if ("nats" in bus) await sleep(300); // the subscriptions reach the server
        const poison = await target.registerDaemon({ name: "poison", process: () => { throw new Error("always"); } }, Identity.generate());
        await poison.publishLog("warn", "about to fail");
        await target.ingest(poison.daemonId, new Uint8Array([1]));
        await until("three crashes and the dead letter", () => seenFailures.filter((f) => f.startsWith("deadLetter")).length === 1);
        await target.registerDaemon({ name: "stubborn", process: () => [] }, Identity.generate());
        target.admin.enterMaintenance({ drainForMs: 1 }); // "stubborn" never acknowledges: DrainFailed
        await until("the failed drain", () => seenFailures.some((f) => f.startsWith("drainFailed")));
        await until("the daemon's log line", () => seenLogs.includes("warn about to fail"));
        assert.ok(seenLogs.some((line) => line.startsWith("info daemon \"poison\" registered")), seenLogs.join("\n"));
        assert.deepEqual(seenFailures.filter((f) => f.startsWith("crash")).length >= 3, true, seenFailures.join("\n"));
        assert.ok(seenFailures.every((f) => f.endsWith(" 2")));
        assert.equal(logs.dropped, 0);
      } finally {
        await operator.close(); // ends both feeds
        await reading;
        await readingFailures;
        await target.shutdown();
      }
    }
  } finally {
    await server.stop();
  }
});

test("operator: a node process on NATS refuses forged, unknown-key and replayed commands, changes nothing, and audits each", async () => {
  const server = await startNatsServer();
  const mesh = `opsproc${Date.now() % 100_000}`;
  const alice = OperatorIdentity.generate();
  const mallory = OperatorIdentity.generate();
  const target = await spawnNode(server.url, mesh, 2n, 0, `trust:${alice.publicKeyHex}`);
  const raw = await NatsBus.open({ servers: [server.url], mesh, nodeId: 77n, now: Date.now, connectTimeoutMs: 2_000, replicas: 1 });
  const operator = await MeshOsOperator.connect(alice, { bus: { nats: { servers: server.url, mesh } } });
  const send = async (signed: { command: OperatorCommand; signature: string }) => {
    const decoded = decodeCommandReply(await raw.request("command", 2n, encodeSignedCommand(signed), 5_000));
    assert.ok("reply" in decoded);
    return decoded.reply;
  };
  try {
    await until("node 2 seen", () => operator.nodes().get(2n)?.health === "Healthy");
    const forged = command(alice, {});
    const unknown = command(mallory, {});
    const replies = [
      await send({ command: forged, signature: mallory.sign(commandSigningBytes(forged)) }),
      await send({ command: unknown, signature: mallory.sign(commandSigningBytes(unknown)) }),
    ];
    const genuine = command(alice, { kind: "cordon" });
    const signed = { command: genuine, signature: alice.sign(commandSigningBytes(genuine)) };
    replies.push(await send(signed), await send(signed));
    assert.deepEqual(replies.map((r) => (r.ok ? "ok" : r.kind)), ["unauthorized", "unauthorized", "ok", "unauthorized"]);
    assert.match(replies[3].ok ? "" : replies[3].message, /a replay/);
    await sleep(700); // a heartbeat after the commands
    assert.equal(operator.nodes().get(2n)?.maintenance, "Active", "no refused command changed the node");
    const trail = await operator.audit({ node: 2n });
    assert.deepEqual(trail.map((r) => [r.kind, r.result, r.operatorId === mallory.publicKeyHex]), [
      ["enterMaintenance", "refused", false],
      ["enterMaintenance", "refused", true],
      ["cordon", "committed", false],
      ["cordon", "refused", false],
    ]);
  } finally {
    await operator.close();
    await raw.close();
    await killNodes([target.child]);
    await server.stop();
  }
});
