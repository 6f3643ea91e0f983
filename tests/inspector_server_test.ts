/**
 * The inspector over plain HTTP: one self-contained page, an event stream that pushes a snapshot
 * with the charts it needs whenever the runtime changes, read-only (405 for anything but
 * GET/HEAD), loopback-only by default, and a clean close.
 */

import assert from "node:assert/strict";
import { connect } from "node:net";
import type { AnyStateMachine } from "xstate";
import { test } from "./_harness.ts";
import { daemonMachine } from "../src/actors/daemon_machine.ts";
import { maintenanceMachine } from "../src/actors/maintenance_machine.ts";
import { MeshOsSdkError } from "../src/errors/meshos_sdk_error.ts";
import { fakeRuntime } from "./_viz_fixtures/fake_runtime.ts";
import type { InspectorUpdate } from "../src/viz/inspector_handler.ts";
import { type InspectorOptions, startInspector } from "../src/viz/inspector_server.ts";

const machines = {
  daemon: daemonMachine as unknown as AnyStateMachine,
  maintenance: maintenanceMachine as unknown as AnyStateMachine,
};

/** Reads server-sent events from `url` until closed. */
async function openEvents(url: string) {
  const abort = new AbortController();
  const response = await fetch(new URL("/events", url), { signal: abort.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const queue: Array<{ event: string; data: unknown }> = [];
  return {
    /** The next event of type `event` (others are skipped), or a timeout failure. */
    async next(event: string, timeoutMs = 5_000): Promise<unknown> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const index = queue.findIndex((entry) => entry.event === event);
        if (index >= 0) return queue.splice(0, index + 1).at(-1)!.data;
        const timer = new Promise<null>((resolve) => setTimeout(() => resolve(null), deadline - Date.now()));
        const chunk = await Promise.race([reader.read(), timer]);
        if (chunk === null || chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
        const blocks = buffer.split("\n\n");
        buffer = blocks.pop()!;
        for (const block of blocks) {
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type && data) queue.push({ event: type, data: JSON.parse(data) });
        }
      }
      throw new Error(`no ${event} event within ${timeoutMs} ms`);
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
  const runtime = fakeRuntime();
  const inspector = await startInspector({ port: 0, getSnapshot: runtime.getSnapshot, machines });
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
    assert.deepEqual(snapshot, runtime.getSnapshot());
    const missing = await fetch(new URL("/nope", inspector.url));
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await inspector.close();
  }
});

test("startInspector: read-only, anything but GET/HEAD is 405 and leaves the runtime alone", async () => {
  const runtime = fakeRuntime();
  const before = runtime.getSnapshot();
  const inspector = await startInspector({ getSnapshot: runtime.getSnapshot, machines });
  try {
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
      for (const path of ["/", "/events", "/snapshot.json"]) {
        const response = await fetch(new URL(path, inspector.url), { method, body: method === "POST" ? "{}" : undefined });
        assert.equal(response.status, 405, `${method} ${path}`);
        assert.equal(response.headers.get("allow"), "GET, HEAD");
        await response.body?.cancel();
      }
    }
    assert.deepEqual(runtime.getSnapshot(), before);
  } finally {
    await inspector.close();
  }
});

test("startInspector: the event stream sends the snapshot and charts, then only changes", async () => {
  const runtime = fakeRuntime();
  let polls = 0;
  const inspector = await startInspector({
    getSnapshot: () => (polls++, runtime.getSnapshot()),
    machines,
    pollIntervalMs: 50,
  });
  const events = await openEvents(inspector.url);
  try {
    const first = await events.next("update") as InspectorUpdate;
    assert.deepEqual(Object.keys(first.charts).sort(), [
      "daemon:running.backpressured",
      "daemon:running.normal",
      "maintenance:Active",
    ]);
    assert.match(first.charts["daemon:running.normal"], /^<svg[\s\S]*<g id="state:running\.normal" class="node state active">/);
    assert.deepEqual(first.snapshot.daemons.map((d) => d.lifecycle), ["running.normal", "running.backpressured"]);

    runtime.daemon("ingest").lifecycle = "draining";
    runtime.state.maintenance.state = "EnteringMaintenance";
    runtime.state.maintenance.deadlineRemainingMs = 30_000;
    const second = await events.next("update") as InspectorUpdate;
    assert.deepEqual(second.snapshot.daemons.map((d) => d.lifecycle), ["draining", "running.backpressured"]);
    assert.equal(second.snapshot.maintenance.state, "EnteringMaintenance");
    // Only the charts this connection has not seen yet travel again.
    assert.deepEqual(Object.keys(second.charts).sort(), ["daemon:draining", "maintenance:EnteringMaintenance"]);
    assert.match(second.charts["maintenance:EnteringMaintenance"], /<g id="state:EnteringMaintenance" class="node state active">/);

    runtime.daemon("enricher").counters.processed += 5;
    const third = await events.next("update") as InspectorUpdate;
    assert.equal(third.snapshot.daemons[1].counters.processed, runtime.daemon("enricher").counters.processed);
    assert.deepEqual(third.charts, {});

    // A tick with nothing else changed is not pushed.
    runtime.state.ticks += 1;
    runtime.state.atMs += 200;
    await assert.rejects(() => events.next("update", 400), /no update event/);
    assert.ok(polls >= 5, `polled ${polls} times`);
  } finally {
    events.close();
    await inspector.close();
  }
});

test("startInspector: a throwing getSnapshot is reported on the stream, and recovery resumes updates", async () => {
  const runtime = fakeRuntime();
  let broken = false;
  const inspector = await startInspector({
    getSnapshot: () => {
      if (broken) throw new Error("runtime is shutting down");
      return runtime.getSnapshot();
    },
    machines,
    pollIntervalMs: 50,
  });
  const events = await openEvents(inspector.url);
  try {
    await events.next("update");
    broken = true;
    const problem = await events.next("problem") as { problem: string };
    assert.equal(problem.problem, "getSnapshot() threw: runtime is shutting down");
    runtime.daemon("ingest").lifecycle = "stopping";
    broken = false;
    const update = await events.next("update") as InspectorUpdate;
    assert.equal(update.snapshot.daemons[0].lifecycle, "stopping");
  } finally {
    events.close();
    await inspector.close();
  }
});

test("startInspector: on loopback, a foreign Host header is refused (no DNS rebinding)", async () => {
  const runtime = fakeRuntime();
  const inspector = await startInspector({ getSnapshot: runtime.getSnapshot, machines });
  try {
    const port = Number(new URL(inspector.url).port);
    assert.match(await rawGet(port, `127.0.0.1:${port}`), /^HTTP\/1\.1 200/);
    assert.match(await rawGet(port, `localhost:${port}`), /^HTTP\/1\.1 200/);
    assert.match(await rawGet(port, `attacker.example:${port}`), /^HTTP\/1\.1 421/);
  } finally {
    await inspector.close();
  }
});

test("startInspector: close() ends open streams, stops listening and is idempotent", async () => {
  const runtime = fakeRuntime();
  const inspector = await startInspector({ getSnapshot: runtime.getSnapshot, machines });
  const events = await openEvents(inspector.url);
  await events.next("update");
  await Promise.all([inspector.close(), inspector.close()]);
  await assert.rejects(() => fetch(inspector.url));
  events.close();
});

test("startInspector: bad options are rejected with invalid_argument naming the option", async () => {
  const runtime = fakeRuntime();
  const base: InspectorOptions = { getSnapshot: runtime.getSnapshot, machines };
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
