/**
 * `sdk.inspect()` on a real SDK, in headless Chromium: the page shows the registered daemons, and
 * the highlighted states follow a drain driven through `sdk.admin` (on a manual clock, so the
 * drain itself takes no time; the page follows over server-sent events).
 */

import assert from "node:assert/strict";
import { Identity, ManualClock, MeshOsDaemonSdk } from "../mod.ts";
import type { MeshOsDaemonHandle } from "../mod.ts";
import { activeStateIn, openBrowser, waitForActive } from "./_chromium.ts";
import { test } from "./_harness.ts";

const hex = (id: bigint) => `0x${id.toString(16).padStart(16, "0")}`;

test("sdk.inspect: the page follows a real drain driven through sdk.admin", async () => {
  const clock = new ManualClock();
  const sdk = await MeshOsDaemonSdk.start({ tickIntervalMs: 100n }, { clock });
  const ingest = await sdk.registerDaemon({ name: "ingest", process: () => [] }, Identity.generate());
  const enricher = await sdk.registerDaemon({ name: "enricher", process: () => [] }, Identity.generate());
  const inspector = await sdk.inspect({ port: 0 });
  assert.match(inspector.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const browser = await openBrowser(new URL(inspector.url).origin);
  try {
    const { page } = browser;
    const card = (handle: MeshOsDaemonHandle) => `[data-daemon-id="${hex(handle.daemonId)}"] .chart`;
    await page.goto(inspector.url);
    await page.waitForSelector("#status[data-state=live]", { timeout: 30_000 });
    assert.deepEqual(await page.locator("#daemons .daemon .name").allTextContents(), ["ingest", "enricher"]);
    assert.equal(await activeStateIn(page, card(ingest)), "state:running.normal");
    assert.equal(await activeStateIn(page, "#maintenance-chart"), "state:Active");

    sdk.admin.enterMaintenance({ drainForMs: 60_000 });
    await ingest.exit(); // ingest acknowledges the drain; enricher keeps draining
    await waitForActive(page, "#maintenance-chart", "state:EnteringMaintenance");
    await waitForActive(page, card(ingest), "state:drained");
    await waitForActive(page, card(enricher), "state:draining");

    await enricher.exit();
    await clock.advance(100);
    await waitForActive(page, "#maintenance-chart", "state:Maintenance");
    await waitForActive(page, card(enricher), "state:drained");
    assert.deepEqual(browser.problems, []);

    const response = await fetch(inspector.url, { method: "POST" });
    assert.equal(response.status, 405); // read-only
    await response.body?.cancel();
  } finally {
    await browser.close();
    await sdk.shutdown(); // also closes the inspector
  }
  await assert.rejects(fetch(inspector.url), "the inspector should be closed with the SDK");
});

test("sdk.inspect: the Peers panel lists the other nodes of the mesh and follows their maintenance", async () => {
  const clock = new ManualClock();
  const mesh = `inspector-${crypto.randomUUID().slice(0, 8)}`;
  const watched = await MeshOsDaemonSdk.start({ thisNode: 1n, tickIntervalMs: 100n }, { clock, bus: { memory: { mesh } } });
  const peer = await MeshOsDaemonSdk.start({ thisNode: 2n, tickIntervalMs: 100n }, { clock, bus: { memory: { mesh } } });
  const held = await peer.registerDaemon({ name: "holds-the-drain", process: () => [], requiredCapabilities: ["zone:eu"] }, Identity.generate());
  await clock.advance(500);
  assert.equal(await watched.ingestBatch(held.daemonId, [new Uint8Array(1), new Uint8Array(2), new Uint8Array(3)]), 3);
  const inspector = await watched.inspect({ port: 0 });
  const browser = await openBrowser(new URL(inspector.url).origin);
  try {
    const { page } = browser;
    const row = `#peers tbody tr[data-node-id="${hex(2n)}"]`;
    await page.goto(inspector.url);
    await page.waitForSelector("#status[data-state=live]", { timeout: 30_000 });
    await page.waitForSelector(row, { timeout: 30_000 });
    const cells = await page.locator(`${row} td`).allTextContents();
    assert.deepEqual([cells[0], cells[1], cells[2], cells[3], cells[8], cells[9], cells[10]], [hex(2n), "Healthy", "Active", "0 ms", "zone:eu", "0.1.0", "1"]);
    assert.equal(await page.locator(`${row} td:last-child`).getAttribute("title"), hex(held.daemonId)); // where it lives
    // A movable daemon's card says how it moves and where its replica stands.
    watched.registerFactory("counter", () => ({ name: "counter", process: () => [] }));
    const movable = await watched.registerMovable("counter", Identity.generate());
    const facts = `#daemons > .daemon[data-daemon-id="${hex(movable.daemonId)}"] .facts`;
    await page.waitForFunction(
      (selector) => /moves as\s*counter[\s\S]*replica\s*rev \d+ · bus pos 0/.test(document.querySelector(selector)?.textContent ?? ""),
      facts,
      { timeout: 30_000 },
    );
    assert.equal(await page.locator("#no-peers").isHidden(), true);
    assert.equal(await page.locator(`#peers tbody tr[data-node-id="${hex(1n)}"]`).count(), 0); // never itself
    assert.match(await page.locator("#mesh-meta").textContent() ?? "", / · events 3 sent, 0 received, 0 failed$/);
    peer.admin.enterMaintenance({ drainForMs: 60_000 });
    await page.waitForFunction(
      (selector) => document.querySelector(selector)?.children[2]?.textContent === "EnteringMaintenance",
      `${row}`,
      { timeout: 30_000 },
    );
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
    await watched.shutdown();
    await peer.shutdown();
  }
});

test("sdk.inspect at scale: 300 daemons in one sortable, filterable table, one chart for the selected daemon, who blocks a drain, transitions, dead letters, names in the log", async () => {
  const clock = new ManualClock();
  const sdk = await MeshOsDaemonSdk.start({ tickIntervalMs: 100n }, { clock, backoff: { initialMs: 1, maxMs: 1 } });
  const handles: MeshOsDaemonHandle[] = [];
  for (let i = 0; i < 300; i++) {
    handles.push(await sdk.registerDaemon({ name: `worker-${String(i).padStart(3, "0")}`, process: () => [] }, Identity.generate()));
  }
  const poison = await sdk.registerDaemon({ name: "poisoned", process: () => { throw new Error("always fails"); } }, Identity.generate());
  const busy = handles[123];
  await sdk.ingestBatch(busy.daemonId, Array.from({ length: 50 }, () => new Uint8Array(1)));
  const inspector = await sdk.inspect({ port: 0 });
  const browser = await openBrowser(new URL(inspector.url).origin);
  try {
    const { page } = browser;
    const rows = "#daemon-table tbody tr";
    await page.goto(inspector.url);
    await page.waitForSelector("#status[data-state=live]", { timeout: 30_000 });
    assert.equal(await page.locator(rows).count(), 301);
    assert.equal(await page.locator("#daemons .daemon").count(), 1, "one card: the selected daemon's");
    assert.equal(await page.locator("#daemon-count").textContent(), "301 of 301 shown");
    // Sorting by processed, most first: the busy daemon leads.
    await page.locator('#daemon-table th[data-sort="processed"]').click();
    assert.equal(await page.locator(`${rows} >> nth=0`).getAttribute("data-daemon-id"), hex(busy.daemonId));
    // Filtering narrows the table; a click selects a daemon and shows its chart.
    await page.locator("#daemon-filter").fill("worker-12");
    assert.equal(await page.locator(rows).count(), 10); // worker-120 … worker-129
    await page.locator(`${rows}[data-daemon-id="${hex(handles[127].daemonId)}"]`).click();
    await page.waitForSelector(`#daemons .daemon[data-daemon-id="${hex(handles[127].daemonId)}"] .chart svg`, { timeout: 30_000 });
    assert.equal(await page.locator(`${rows}[aria-selected=true]`).getAttribute("data-daemon-id"), hex(handles[127].daemonId));
    // A failing daemon: its event a dead letter, its name in the log.
    await sdk.ingest(poison.daemonId, new Uint8Array([9]));
    for (let i = 0; i < 10; i++) await clock.advance(100);
    await page.waitForSelector("#dead-letters tbody tr", { timeout: 30_000 });
    assert.match(await page.locator("#dead-letters tbody tr >> nth=0").innerText(), /^poisoned\s+1\s+3\s+always fails/);
    assert.ok((await page.locator("#log li").allTextContents()).some((line) => /poisoned.*process\(\) failed/.test(line)));
    // A drain that waits: every daemon but one acknowledges; the node says which one it waits for.
    sdk.admin.enterMaintenance({ drainForMs: 60_000 });
    for (const handle of handles.slice(1)) await handle.exit();
    await poison.exit();
    await clock.advance(100);
    await page.waitForFunction(
      () => /drain waits for worker-000 \(draining\)$/.test(document.querySelector("#maintenance-facts")?.textContent ?? ""),
      undefined,
      { timeout: 30_000 },
    ).catch(async (err) => {
      throw new Error(`${err}; the facts: ${await page.locator("#maintenance-facts").textContent()}`);
    });
    // The transitions the updates carried (a state between two updates is not seen), newest first.
    const transitions = await page.locator("#timeline li").allTextContents();
    assert.ok(transitions.some((t) => /node Active → EnteringMaintenance$/.test(t)), transitions.join(" | "));
    assert.ok(transitions.some((t) => /worker-001 running\.normal → (draining|drained)$|worker-001 draining → drained$/.test(t)), transitions.join(" | "));
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
    await sdk.shutdown();
  }
});
