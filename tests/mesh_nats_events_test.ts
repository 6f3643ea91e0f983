// Events across nodes on a real NATS JetStream (src/bus/nats_event_stream.ts): each test starts its
// own `nats-server`s (tests/_nats_server.ts). Events are ingested on node 1 and processed by a
// daemon on node 2; the faults are real — a server SIGKILLed mid-stream and started again on its
// store, and one server of a three-server cluster killed mid-stream.
import assert from "node:assert/strict";
import { Identity, MeshOsDaemonSdk, MeshOsSdkError } from "../mod.ts";
import type { CausalEvent, MeshOsDaemonHandle } from "../mod.ts";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { encodePayloadFrame } from "../src/bus/event_frame.ts";
import { NatsBus } from "../src/bus/nats_bus.ts";
import { test } from "./_harness.ts";
import { freePort, type NatsServer, startNatsServer } from "./_nats_server.ts";
import { rejectsWithKind } from "./_sdk_fixtures.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (payload: Uint8Array) => new TextDecoder().decode(payload);
const indexed = (i: number) => new TextEncoder().encode(String(i));

async function until<T>(what: string, check: () => T | undefined | false, limitMs = 40_000): Promise<T> {
  const giveUp = Date.now() + limitMs;
  while (Date.now() < giveUp) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    await sleep(10);
  }
  throw new Error(`still waiting for ${what} after ${limitMs} ms`);
}

function natsNode(thisNode: bigint, servers: string | string[], mesh: string, replicas = 1) {
  return MeshOsDaemonSdk.start({ thisNode, tickIntervalMs: 100n }, { bus: { nats: { servers, mesh, replicas } } });
}

/** A daemon on `sdk` that records the index each event carries, and echoes it. */
async function recorder(sdk: MeshOsDaemonSdk, movable = false) {
  const seen: number[] = [];
  const daemon = {
    name: "recorder",
    process: (event: CausalEvent) => {
      seen.push(Number(text(event.payload)));
      return [event.payload];
    },
  };
  if (!movable) return { seen, handle: await sdk.registerDaemon(daemon, Identity.generate()) };
  // Movable: replicated, so its frames are held on the bus until a replica covers them.
  sdk.registerFactory("recorder", () => daemon);
  return { seen, handle: await sdk.registerMovable("recorder", Identity.generate()) };
}

/** Waits until node `on` knows where `handle`'s daemon is (the host's heartbeat arrived). */
async function knows(on: MeshOsDaemonSdk, handle: MeshOsDaemonHandle): Promise<void> {
  await until("the daemon's host in the peer table", () => on.snapshot().mesh.peers.length > 0);
  await until("the daemon known on the sending node", () => {
    try {
      void on.ingestBatch(handle.daemonId, []); // throws unknown_daemon until the host is known
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Sends `total` indexed events from `from` to `daemonId` in batches of `batch`, up to `inFlight`
 * batches unacknowledged; `midway` runs once half are resolved. Returns which indices resolved and
 * which were rejected (each rejection must be `bus_unavailable`).
 */
async function stream(
  from: MeshOsDaemonSdk,
  daemonId: bigint,
  options: { total: number; batch: number; inFlight: number; midway: () => Promise<void> },
): Promise<{ resolved: Set<number>; rejected: number }> {
  const resolved = new Set<number>();
  let rejected = 0;
  let midwayDone: Promise<void> | null = null;
  const pending = new Set<Promise<void>>();
  for (let start = 0; start < options.total; start += options.batch) {
    const indices = Array.from({ length: Math.min(options.batch, options.total - start) }, (_, i) => start + i);
    const sent = from.ingestBatch(daemonId, indices.map(indexed)).then(
      (taken) => {
        assert.equal(taken, indices.length);
        for (const i of indices) resolved.add(i);
      },
      (err) => {
        assert.ok(err instanceof MeshOsSdkError && err.kind === "bus_unavailable", `a failed send is bus_unavailable; got ${err}`);
        rejected += indices.length;
      },
    );
    const tracked = sent.finally(() => pending.delete(tracked));
    pending.add(tracked);
    if (midwayDone === null && resolved.size >= options.total / 2) midwayDone = options.midway();
    while (pending.size >= options.inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
  await (midwayDone ?? options.midway());
  return { resolved, rejected };
}

/** Waits (up to a minute) until every resolved index was processed; what never comes, the asserts report. */
async function allProcessed(seen: readonly number[], resolved: Set<number>): Promise<void> {
  const done = () => {
    const processed = new Set(seen);
    return [...resolved].every((i) => processed.has(i));
  };
  await until("every acknowledged event processed", done, 60_000).catch(() => {});
}

/** Every resolved index processed exactly once, nothing processed twice, all in ascending order. */
function assertOnceInOrder(seen: readonly number[], resolved: Set<number>): void {
  for (let i = 1; i < seen.length; i++) {
    if (seen[i] <= seen[i - 1]) assert.fail(`order broken or an event processed twice at #${i}: ${seen[i - 1]} then ${seen[i]}`);
  }
  const processed = new Set(seen);
  const missing = [...resolved].filter((i) => !processed.has(i));
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged events never processed`);
}

test("nats: events ingested on one node are processed once, in order, on the node that hosts the daemon; its outputs read from the first", async () => {
  const server = await startNatsServer();
  const a = await natsNode(1n, server.url, "events");
  const b = await natsNode(2n, server.url, "events");
  try {
    const { seen, handle } = await recorder(b);
    await knows(a, handle);
    const outputs = a.outputs(handle.daemonId)[Symbol.asyncIterator]();
    assert.equal(await a.ingest(handle.daemonId, indexed(0)), true); // durable in the stream
    assert.equal(await a.ingestBatch(handle.daemonId, Array.from({ length: 2_999 }, (_, i) => indexed(i + 1))), 2_999);
    await until("3,000 events processed on node 2", () => seen.length >= 3_000);
    assert.deepEqual(seen, Array.from({ length: 3_000 }, (_, i) => i));
    for (let i = 0; i < 3_000; i++) {
      const next = await outputs.next();
      assert.equal(text(next.value!.payload), String(i));
      assert.equal(next.value!.sequence, BigInt(i + 1));
    }
    const sent = a.snapshot().mesh;
    assert.equal(sent.eventsSent, 3_000);
    assert.ok(sent.framesSent <= 3, `3,000 events in ${sent.framesSent} frames`);
    const row = b.snapshot().daemons[0].counters;
    assert.equal(row.fromBus, 3_000);
    assert.equal(row.redeliveriesSkipped, 0);
    assert.equal(b.snapshot().mesh.eventsReceived, 3_000);
    await b.shutdown();
    assert.equal((await outputs.next()).done, true, "the remote reader ends when the daemon leaves its node");
  } finally {
    await a.shutdown();
    await b.shutdown().catch(() => {});
    await server.stop();
  }
});

test("nats: a frame a host took but never acknowledged goes to the next host at the same position", async () => {
  const server = await startNatsServer();
  const open = (nodeId: bigint) =>
    NatsBus.open({ servers: [server.url], mesh: "moves", nodeId, now: () => Date.now(), connectTimeoutMs: 2_000, replicas: 1 });
  const first = await open(1n);
  const second = await open(2n);
  try {
    const positions: bigint[] = [];
    first.host(9n, (position) => {
      positions.push(position);
      return Promise.reject(new Error("this host stopped")); // as a daemon that left mid-frame
    });
    await second.send(9n, [indexed(1), indexed(2)]);
    await until("the first host's delivery", () => positions.length === 1);
    first.unhost(9n);
    const again: { position: bigint; payloads: string[] }[] = [];
    second.host(9n, (position, payloads) => {
      again.push({ position, payloads: payloads.map(text) });
      return Promise.resolve();
    });
    await until("the frame at the second host (after the acknowledgement wait)", () => again.length === 1);
    assert.deepEqual(again, [{ position: positions[0], payloads: ["1", "2"] }]);
  } finally {
    await first.close();
    await second.close();
    await server.stop();
  }
});

async function serverKillScenario(movable: boolean): Promise<void> {
  const server = await startNatsServer();
  const mesh = movable ? "killheld" : "kill";
  const a = await natsNode(1n, server.url, mesh);
  const b = await natsNode(2n, server.url, mesh);
  try {
    const { seen, handle } = await recorder(b, movable);
    await knows(a, handle);
    const { resolved, rejected } = await stream(a, handle.daemonId, {
      total: 100_000,
      batch: 250,
      inFlight: 16,
      midway: async () => {
        await server.kill();
        await sleep(500);
        await server.restart();
      },
    });
    assert.equal(resolved.size + rejected, 100_000);
    await until("both nodes connected again", () => a.snapshot().mesh.connected && b.snapshot().mesh.connected);
    await allProcessed(seen, resolved);
    assertOnceInOrder(seen, resolved);
    assert.ok(a.snapshot().mesh.reconnects >= 1 && b.snapshot().mesh.reconnects >= 1);
    assert.equal(a.snapshot().mesh.eventsFailed, rejected);
    console.log(`server kill${movable ? " (movable daemon, frames held)" : ""}: ${resolved.size} acknowledged, ${rejected} reported failed, ${seen.length} processed, ` +
      `${b.snapshot().daemons[0].counters.redeliveriesSkipped} redeliveries skipped`);
  } finally {
    await a.shutdown();
    await b.shutdown();
    await server.stop();
  }
}

test("nats: a server SIGKILLed in the middle of 100,000 events and started again on its store: every acknowledged event is processed once, in order; the rest are reported", async () => {
  await serverKillScenario(false);
});

test("nats: the same with a movable daemon, whose frames are held until its replica covers them: once, in order, after the reconnect too", async () => {
  await serverKillScenario(true);
});

test("nats: with NATS unreachable, sending to a remote daemon is reported as bus_unavailable, never lost silently", async () => {
  const server = await startNatsServer();
  const a = await natsNode(1n, server.url, "away");
  const b = await natsNode(2n, server.url, "away");
  try {
    const { handle } = await recorder(b);
    await knows(a, handle);
    await server.kill();
    await until("node 1 sees the disconnect", () => !a.snapshot().mesh.connected);
    const err = await rejectsWithKind(a.ingest(handle.daemonId, indexed(1)), "bus_unavailable");
    assert.match(err.detail, /^send: the stream did not take 1 event\(s\) for daemon 0x[0-9a-f]{16}: /);
    assert.equal(a.snapshot().mesh.eventsFailed, 1);
  } finally {
    await a.shutdown();
    await b.shutdown();
    await server.stop();
  }
});

test("nats: servers without JetStream make start() reject with bus_unavailable saying so", async () => {
  const server = await startNatsServer({ jetstream: false });
  try {
    await rejectsWithKind(natsNode(1n, server.url, "nojs"), "bus_unavailable", /^bus\.nats: the servers have no JetStream \(start nats-server with -js\); /);
  } finally {
    await server.stop();
  }
});

test("nats: a malformed frame on a daemon's subject is taken off the bus and counted; the frames after it still arrive", async () => {
  const server = await startNatsServer();
  const b = await natsNode(2n, server.url, "garbage");
  const raw = await connect({ servers: server.url });
  try {
    const { seen, handle } = await recorder(b);
    const js = jetstream(raw);
    await js.publish(`meshos.garbage.events.${handle.daemonId}`, new Uint8Array([1, 2, 3]));
    await js.publish(`meshos.garbage.events.${handle.daemonId}`, encodePayloadFrame([indexed(1), indexed(2)]));
    await until("the good frame's events", () => seen.length === 2);
    assert.deepEqual(seen, [1, 2]);
    assert.equal(b.snapshot().mesh.framesRejected, 1);
    assert.equal(b.snapshot().mesh.framesReceived, 1);
  } finally {
    await raw.close();
    await b.shutdown();
    await server.stop();
  }
});

test("nats: a three-server cluster (JetStream replicas 3) loses nothing acknowledged when one server is killed mid-stream", async () => {
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const servers: NatsServer[] = await Promise.all(ports.map((port, i) =>
    startNatsServer({
      cluster: { name: "meshos", serverName: `s${i}`, port, routes: ports.filter((p) => p !== port) },
    })
  ));
  const urls = servers.map((s) => s.url);
  let a: MeshOsDaemonSdk | null = null;
  let b: MeshOsDaemonSdk | null = null;
  let watch: NatsConnection | null = null;
  try {
    // The cluster elects its JetStream leader after the routes connect; until then the stream cannot be made.
    const join = async (nodeId: bigint, order: string[]) => {
      for (let attempt = 0;; attempt++) {
        try {
          return await natsNode(nodeId, order, "cluster", 3);
        } catch (err) {
          if (attempt >= 100 || !(err instanceof MeshOsSdkError && err.kind === "bus_unavailable")) throw err;
          await sleep(200);
        }
      }
    };
    a = await join(1n, urls);
    b = await join(2n, [...urls].reverse());
    const { seen, handle } = await recorder(b);
    await knows(a, handle);
    // The cluster's own view, to kill the server that leads the stream and time the election after.
    watch = await connect({ servers: urls, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const jsm = await jetstreamManager(watch);
    const leader = async () => (await jsm.streams.info("MESHOS_cluster").catch(() => null))?.cluster?.leader ?? null;
    let killed = await leader();
    while (killed === null) killed = await sleep(50).then(leader);
    let electionMs = -1;
    const arrivals: number[] = [];
    const tracked = setInterval(() => arrivals.push(seen.length), 50);
    const { resolved, rejected } = await stream(a, handle.daemonId, {
      total: 30_000,
      batch: 100,
      inFlight: 8,
      midway: async () => {
        const at = Date.now();
        await servers[Number(killed.slice(1))].kill();
        for (let next = await leader(); next === null || next === killed; next = await leader()) await sleep(50);
        electionMs = Date.now() - at;
      },
    });
    await allProcessed(seen, resolved);
    clearInterval(tracked);
    assertOnceInOrder(seen, resolved);
    let longestPause = 0;
    for (let i = 1, still = 0; i < arrivals.length; i++) {
      still = arrivals[i] === arrivals[i - 1] && arrivals[i] < 30_000 ? still + 50 : 0;
      longestPause = Math.max(longestPause, still);
    }
    console.log(`cluster: ${resolved.size} acknowledged, ${rejected} reported failed; stream leader ${killed} killed, ` +
      `a new leader after ${electionMs} ms; longest pause in processing ~${longestPause} ms`);
  } finally {
    await watch?.close();
    await a?.shutdown();
    await b?.shutdown();
    await Promise.all(servers.map((s) => s.stop()));
  }
});
