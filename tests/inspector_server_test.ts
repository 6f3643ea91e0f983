/**
 * The inspector over plain HTTP, fed by a real SDK on a manual clock: one self-contained page, an
 * event stream that pushes a snapshot with the charts it needs whenever the runtime changes,
 * read-only (405 for anything but GET/HEAD), loopback-only by default, and a clean close.
 *
 * No assertion here depends on how long anything takes. "Nothing is sent when nothing changed" is
 * shown by order: wait until the inspector has polled an unchanged runtime, then change one thing;
 * the stream delivers in order, so the next update must be exactly that change. Every wait is
 * bounded and fails naming what it waited for.
 */

import assert from "node:assert/strict";
import { connect } from "node:net";
import type { AnyStateMachine } from "xstate";
import { Identity, type MeshOsDaemonHandle, type MeshOsDaemonSdk } from "../mod.ts";
import { test } from "./_harness.ts";
import { bytes, startManual } from "./_sdk_fixtures.ts";
import { daemonMachine } from "../src/actors/daemon_machine.ts";
import { maintenanceMachine } from "../src/actors/maintenance_machine.ts";
import { MeshOsSdkError } from "../src/errors/meshos_sdk_error.ts";
import type { RuntimeSnapshot } from "../src/runtime/runtime_snapshot.ts";
import type { InspectorUpdate } from "../src/viz/inspector_handler.ts";
import { type InspectorOptions, startInspector } from "../src/viz/inspector_server.ts";
import { inspectorPage } from "../src/viz/inspector_page.ts";

const machines = {
  daemon: daemonMachine as unknown as AnyStateMachine,
  maintenance: maintenanceMachine as unknown as AnyStateMachine,
};

/** The longest any single wait below may take before the test fails (a bound, not a measurement). */
const WAIT_MS = 20_000;

/** Settles with `promise`, or rejects saying `what` did not happen within `WAIT_MS`. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${WAIT_MS} ms`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** A real SDK on a manual clock with two in-thread daemons, `ingest` and `enricher`. */
async function startNode(): Promise<{ sdk: MeshOsDaemonSdk; ingest: MeshOsDaemonHandle; enricher: MeshOsDaemonHandle }> {
  const { sdk } = await startManual();
  const ingest = await sdk.registerDaemon({ name: "ingest", process: () => [] }, Identity.generate());
  const enricher = await sdk.registerDaemon({ name: "enricher", process: () => [] }, Identity.generate());
  return { sdk, ingest, enricher };
}

/** Wraps a snapshot source so a test can wait for the inspector's next read of it. */
function watchedSource(read: () => RuntimeSnapshot) {
  let waiting: Array<() => void> = [];
  return {
    getSnapshot(): RuntimeSnapshot {
      try {
        return read();
      } finally {
        const wake = waiting;
        waiting = [];
        for (const resolve of wake) resolve();
      }
    },
    /** Resolves after the next call of `getSnapshot` has returned (or thrown). */
    nextRead(): Promise<void> {
      return within(new Promise<void>((resolve) => waiting.push(resolve)), "the inspector's next getSnapshot()");
    },
  };
}

/** Reads the server-sent events of `url` in order. */
async function openEvents(url: string) {
  const abort = new AbortController();
  const response = await fetch(new URL("/events", url), { signal: abort.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const queue: Array<{ event: string; data: unknown }> = [];
  const receive = async (): Promise<{ event: string; data: unknown }> => {
    while (queue.length === 0) {
      // Bun reports a closed stream as a connection reset, Deno as the end of the body.
      const chunk = await reader.read().catch((caught) => ({ done: true as const, value: undefined, caught }));
      if (chunk.done) throw new Error(`the event stream ended${"caught" in chunk ? ` (${String(chunk.caught)})` : ""}`);
      buffer += decoder.decode(chunk.value, { stream: true });
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop()!;
      for (const block of blocks) {
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type && data) queue.push({ event: type, data: JSON.parse(data) });
      }
    }
    return queue.shift()!;
  };
  return {
    /** The next event, which must be of type `event`. */
    async next(event: "update" | "problem"): Promise<unknown> {
      const received = await within(receive(), `the next ${event} event`);
      assert.equal(received.event, event, `expected a ${event} event, got ${received.event}: ${JSON.stringify(received.data)}`);
      return received.data;
    },
    /** Updates up to and including the first that satisfies `done`. */
    async updatesUntil(what: string, done: (update: InspectorUpdate) => boolean): Promise<InspectorUpdate[]> {
      const updates: InspectorUpdate[] = [];
      while (updates.length === 0 || !done(updates.at(-1)!)) {
        const received = await within(receive(), `an update with ${what}`);
        assert.equal(received.event, "update", `expected updates until ${what}, got ${received.event}`);
        updates.push(received.data as InspectorUpdate);
      }
      return updates;
    },
    close() {
      abort.abort();
      reader.cancel().catch(() => {});
    },
  };
}

/** A raw HTTP/1.1 GET with a chosen Host header (fetch does not let a caller set it). */
function rawGet(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => (text += chunk));
    socket.on("end", () => resolve(text.split("\r\n")[0]));
    socket.on("error", reject);
  });
}

test("startInspector: serves one self-contained page on a free loopback port", async () => {
  const { sdk } = await startNode();
  const inspector = await startInspector({ port: 0, getSnapshot: () => sdk.snapshot(), machines });
  try {
    assert.match(inspector.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const response = await fetch(inspector.url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    const html = await response.text();
    const external = /<link\b|<script[^>]+src=|<img[^>]+src=|url\(|https?:\/\/(?!www\.w3\.org)/.exec(html);
    assert.equal(external, null, `external asset reference: ${external?.[0]}`);
    // The first update is embedded for the script to render before the stream connects.
    const embedded = /<script type="application\/json" id="initial">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
    const initial = JSON.parse(embedded) as InspectorUpdate;
    assert.deepEqual(initial.snapshot.daemons.map((daemon) => daemon.name), ["ingest", "enricher"]);
    assert.ok(initial.charts["daemon:running.normal"].includes('<g id="state:running.normal" class="node state active">'));

    const head = await fetch(inspector.url, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    const snapshot = await fetch(new URL("/snapshot.json", inspector.url)).then((r) => r.json());
    assert.deepEqual(snapshot, sdk.snapshot());
    const missing = await fetch(new URL("/nope", inspector.url));
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await inspector.close();
    await sdk.shutdown();
  }
});

test("startInspector: /metrics is the snapshot in Prometheus text format and /healthz says the node is up", async () => {
  const { sdk } = await startNode();
  const inspector = await startInspector({ port: 0, getSnapshot: () => sdk.snapshot(), machines });
  try {
    const metrics = await fetch(new URL("/metrics", inspector.url));
    assert.equal(metrics.status, 200);
    assert.equal(metrics.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const body = await metrics.text();
    const snapshot = sdk.snapshot();
    const node = snapshot.nodeId;
    assert.match(body, new RegExp(`^# TYPE meshos_daemons gauge\nmeshos_daemons\{node="${node}"\} 2$`, "m"));
    assert.match(body, new RegExp(`^meshos_maintenance_state\{node="${node}",state="Active"\} 1$`, "m"));
    for (const daemon of snapshot.daemons) {
      const labels = `node="${node}",daemon="${daemon.daemonId}",name="${daemon.name}"`;
      assert.ok(body.includes(`meshos_daemon_processed_total{${labels}} ${daemon.counters.processed}\n`), `processed of ${daemon.name}`);
      assert.ok(body.includes(`meshos_daemon_ingested_total{${labels}} ${daemon.counters.ingested}\n`), `ingested of ${daemon.name}`);
    }
    // Every sample line is `name{labels} number`, every family has HELP and TYPE first.
    for (const line of body.trimEnd().split("\n")) {
      assert.match(line, /^(# (HELP|TYPE) meshos_[a-z_]+ .+|meshos_[a-z_]+\{[^}]*\} -?[0-9.e+-]+)$/, line);
    }
    const health = await fetch(new URL("/healthz", inspector.url));
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok", maintenance: "Active", daemons: 2 });
  } finally {
    await inspector.close();
    await sdk.shutdown();
  }
});

test("startInspector: read-only, anything but GET/HEAD is 405 and leaves the runtime alone", async () => {
  const { sdk } = await startNode();
  const before = sdk.snapshot();
  const inspector = await startInspector({ getSnapshot: () => sdk.snapshot(), machines });
  try {
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
      for (const path of ["/", "/events", "/snapshot.json"]) {
        const response = await fetch(new URL(path, inspector.url), { method, body: method === "POST" ? "{}" : undefined });
        assert.equal(response.status, 405, `${method} ${path}`);
        assert.equal(response.headers.get("allow"), "GET, HEAD");
        await response.body?.cancel();
      }
    }
    assert.deepEqual(sdk.snapshot(), before);
  } finally {
    await inspector.close();
    await sdk.shutdown();
  }
});

test("startInspector: the event stream sends the snapshot and charts, then each change once", async () => {
  const { sdk, ingest, enricher } = await startNode();
  const source = watchedSource(() => sdk.snapshot());
  const inspector = await startInspector({ getSnapshot: source.getSnapshot, machines, pollIntervalMs: 20 });
  const events = await openEvents(inspector.url);
  try {
    const first = await events.next("update") as InspectorUpdate;
    assert.deepEqual(Object.keys(first.charts).sort(), ["daemon:running.normal", "maintenance:Active"]);
    assert.match(first.charts["daemon:running.normal"], /^<svg[\s\S]*<g id="state:running\.normal" class="node state active">/);
    assert.deepEqual(first.snapshot.daemons.map((d) => d.lifecycle), ["running.normal", "running.normal"]);

    // The operator enters maintenance: both daemons drain.
    await source.nextRead();
    sdk.admin.enterMaintenance({ drainForMs: 30_000 });
    const second = await events.next("update") as InspectorUpdate;
    assert.deepEqual(second.snapshot.daemons.map((d) => d.lifecycle), ["draining", "draining"]);
    assert.equal(second.snapshot.maintenance.state, "EnteringMaintenance");
    assert.equal(second.snapshot.maintenance.deadlineRemainingMs, 30_000);
    // Only the charts this connection has not seen yet travel again.
    assert.deepEqual(Object.keys(second.charts).sort(), ["daemon:draining", "maintenance:EnteringMaintenance"]);
    assert.match(second.charts["maintenance:EnteringMaintenance"], /<g id="state:EnteringMaintenance" class="node state active">/);

    // A draining daemon still processes: counters move, no chart is new. The stream may show the
    // event ingested before it shows it processed; it shows nothing else.
    sdk.ingest(enricher.daemonId, bytes("x"));
    const counted = await events.updatesUntil("enricher's event processed", (u) => u.snapshot.daemons[1].counters.processed === 1);
    for (const update of counted) {
      assert.deepEqual(update.charts, {});
      assert.equal(update.snapshot.daemons[1].counters.ingested, 1);
      assert.equal(update.snapshot.maintenance.state, "EnteringMaintenance");
    }

    // Nothing moves now (the clock is manual). Wait for a poll of that unchanged runtime, then
    // ingest once more: the very next update must be that ingest, so the poll sent nothing.
    await source.nextRead();
    await source.nextRead();
    sdk.ingest(ingest.daemonId, bytes("y"));
    const next = await events.next("update") as InspectorUpdate;
    assert.equal(next.snapshot.daemons[0].counters.ingested, 1);
    assert.deepEqual(next.charts, {});
  } finally {
    events.close();
    await inspector.close();
    await sdk.shutdown();
  }
});

test("startInspector: a new tick counter or timestamp alone is not a change", async () => {
  // The real runtime cannot produce this state: each tick also moves maintenance.sinceMs. So
  // the SDK's snapshot is read as is, with only `ticks` and `atMs` overridden while `bumped`.
  const { sdk, ingest } = await startNode();
  let bumped = 0;
  const source = watchedSource(() => {
    const snapshot = sdk.snapshot();
    return { ...snapshot, ticks: snapshot.ticks + bumped, atMs: snapshot.atMs + 100 * bumped };
  });
  const inspector = await startInspector({ getSnapshot: source.getSnapshot, machines, pollIntervalMs: 20 });
  const events = await openEvents(inspector.url);
  try {
    const first = await events.next("update") as InspectorUpdate;
    assert.equal(first.snapshot.ticks, 0);
    bumped = 1;
    await source.nextRead(); // a poll sees only ticks and atMs moved: nothing is sent
    await source.nextRead();
    sdk.ingest(ingest.daemonId, bytes("x"));
    const next = await events.next("update") as InspectorUpdate;
    assert.equal(next.snapshot.daemons[0].counters.ingested, 1);
    assert.equal(next.snapshot.ticks, 1); // the update carries the current counter all the same
  } finally {
    events.close();
    await inspector.close();
    await sdk.shutdown();
  }
});

test("startInspector: a throwing getSnapshot is reported on the stream, and recovery resumes updates", async () => {
  const { sdk } = await startNode();
  let broken = false;
  const source = watchedSource(() => {
    if (broken) throw new Error("runtime is shutting down");
    return sdk.snapshot();
  });
  const inspector = await startInspector({ getSnapshot: source.getSnapshot, machines, pollIntervalMs: 20 });
  const events = await openEvents(inspector.url);
  try {
    await events.next("update");
    broken = true;
    const problem = await events.next("problem") as { problem: string };
    assert.equal(problem.problem, "getSnapshot() threw: runtime is shutting down");
    // The same problem is reported once: after more failing polls, the next event is the update.
    await source.nextRead();
    await source.nextRead();
    sdk.admin.enterMaintenance({ drainForMs: 10_000 });
    broken = false;
    const update = await events.next("update") as InspectorUpdate;
    assert.equal(update.snapshot.maintenance.state, "EnteringMaintenance");
    assert.deepEqual(update.snapshot.daemons.map((d) => d.lifecycle), ["draining", "draining"]);
  } finally {
    events.close();
    await inspector.close();
    await sdk.shutdown();
  }
});

test("startInspector: on loopback, a foreign Host header is refused (no DNS rebinding)", async () => {
  const { sdk } = await startNode();
  const inspector = await startInspector({ getSnapshot: () => sdk.snapshot(), machines });
  try {
    const port = Number(new URL(inspector.url).port);
    assert.match(await rawGet(port, `127.0.0.1:${port}`), /^HTTP\/1\.1 200/);
    assert.match(await rawGet(port, `localhost:${port}`), /^HTTP\/1\.1 200/);
    assert.match(await rawGet(port, `attacker.example:${port}`), /^HTTP\/1\.1 421/);
  } finally {
    await inspector.close();
    await sdk.shutdown();
  }
});

test("startInspector: close() ends open streams, stops listening and is idempotent", async () => {
  const { sdk } = await startNode();
  const inspector = await startInspector({ getSnapshot: () => sdk.snapshot(), machines });
  const events = await openEvents(inspector.url);
  try {
    await events.next("update");
    await Promise.all([inspector.close(), inspector.close()]);
    await assert.rejects(() => events.next("update"), /the event stream ended/);
    await assert.rejects(() => fetch(inspector.url));
  } finally {
    events.close();
    await sdk.shutdown();
  }
});

test("startInspector: bad options are rejected with invalid_argument naming the option", async () => {
  const base: InspectorOptions = { getSnapshot: () => ({}) as RuntimeSnapshot, machines };
  const cases: Array<[Partial<InspectorOptions> & Record<string, unknown>, RegExp]> = [
    [{ port: -1 }, /port: received -1, expected an integer from 0 to 65535/],
    [{ port: 8.5 }, /port: received 8\.5/],
    [{ hostname: "" }, /hostname: received "", expected a non-empty host name or address/],
    [{ getSnapshot: undefined }, /getSnapshot: received undefined, expected a function/],
    [{ machines: { daemon: machines.daemon } as never }, /machines\.maintenance: received undefined, expected an XState machine/],
    [{ pollIntervalMs: 0 }, /pollIntervalMs: received 0, expected a number of milliseconds, at least 10/],
  ];
  for (const [override, message] of cases) {
    await assert.rejects(
      () => startInspector({ ...base, ...override } as InspectorOptions),
      (error: unknown) => error instanceof MeshOsSdkError && error.kind === "invalid_argument" && message.test(error.detail),
    );
  }
});

test("inspector page: its script parses (a syntax error there leaves the page blank in every browser)", () => {
  const html = inspectorPage(null, null);
  const start = html.indexOf("<script>") + "<script>".length;
  const script = html.slice(start, html.indexOf("</script>", start));
  assert.ok(script.length > 1_000);
  new Function(script); // throws SyntaxError on a bad script, runs nothing
});
