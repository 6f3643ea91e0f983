/**
 * The inspector in a real browser: headless Debian Chromium driven by playwright-core, against an
 * inspector fed by a fake runtime that the test moves through a maintenance drain. The page must
 * load with no external request and no script error, show both daemons, and move the highlighted
 * state in the charts as the snapshot changes. Screenshots go to .tmp/inspector-browser/; the
 * draining one is copied to docs/inspector.png for the README.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`): without it every test here fails with
 * that message; none skips.
 *
 * Chromium, the inspector and the chart cache are started at module load, outside any test:
 * `bun test` gives each test 5 s (bunfig's `timeout` is not applied), and a cold Chromium launch
 * plus the first Graphviz render take about half of that on a small VM. Each step below is its
 * own test and stays well inside the limit; the last one closes everything.
 */

import assert from "node:assert/strict";
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { activeStateIn, type BrowserSession, openBrowser, waitForActive, workDir } from "./_chromium.ts";
import type { AnyStateMachine } from "xstate";
import { test } from "./_harness.ts";
import { daemonMachine } from "../src/actors/daemon_machine.ts";
import { maintenanceMachine } from "../src/actors/maintenance_machine.ts";
import { fakeRuntime } from "./_viz_fixtures/fake_runtime.ts";
import { BUILTIN_CHART_OPTIONS } from "../src/viz/builtin_chart_options.ts";
import { cachedSvg } from "../src/viz/chart_cache.ts";
import { type Inspector, startInspector } from "../src/viz/inspector_server.ts";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const screenshotDir = join(workDir, "inspector-browser");

interface Session extends BrowserSession {
  inspector: Inspector;
}

const runtime = fakeRuntime();
const machines = {
  daemon: daemonMachine as unknown as AnyStateMachine,
  maintenance: maintenanceMachine as unknown as AnyStateMachine,
};
const ingest = `[data-daemon-id="${runtime.daemon("ingest").daemonId}"]`;
const enricher = `[data-daemon-id="${runtime.daemon("enricher").daemonId}"]`;

async function openSession(): Promise<Session> {
  await mkdir(screenshotDir, { recursive: true });
  // Warm the chart cache (the first Graphviz render compiles its wasm) for every state the test visits.
  for (const state of ["running.normal", "running.backpressured", "draining", "drained"]) {
    await cachedSvg(machines.daemon, { ...BUILTIN_CHART_OPTIONS.daemon, highlight: [state] });
  }
  for (const state of ["Active", "EnteringMaintenance", "Maintenance"]) {
    await cachedSvg(machines.maintenance, { ...BUILTIN_CHART_OPTIONS.maintenance, highlight: [state] });
  }
  const inspector = await startInspector({ port: 0, getSnapshot: runtime.getSnapshot, machines });
  const browser = await openBrowser(new URL(inspector.url).origin).catch(async (error) => {
    await inspector.close();
    throw error;
  });
  return { ...browser, inspector };
}

// Opened while the module loads, before any test's clock starts; a failure (no Chromium, say)
// is rethrown by every test below.
const opened = await openSession().then((ready) => ({ ready, error: null }), (error: unknown) => ({ ready: null, error }));
function session(): Promise<Session> {
  return opened.ready ? Promise.resolve(opened.ready) : Promise.reject(opened.error);
}

test("inspector in Chromium: the page loads and shows each daemon with its current state", async () => {
  const { page, inspector } = await session();
  await page.goto(inspector.url);
  await page.waitForSelector("#status[data-state=live]", { timeout: 10_000 });
  assert.deepEqual(await page.locator("#daemons .daemon .name").allTextContents(), ["ingest", "enricher"]);
  assert.equal(await activeStateIn(page, `${ingest} .chart`), "state:running.normal");
  assert.equal(await activeStateIn(page, `${enricher} .chart`), "state:running.backpressured");
  assert.equal(await activeStateIn(page, "#maintenance-chart"), "state:Active");
  assert.equal(await page.locator("#maintenance-state").textContent(), "Active");
  await page.screenshot({ path: join(screenshotDir, "1-running.png"), fullPage: true });
});

test("inspector in Chromium: entering maintenance moves the highlighted states live", async () => {
  const { page } = await session();
  // The operator enters maintenance: the node drains, ingest drains, enricher keeps running.
  runtime.state.maintenance = { state: "EnteringMaintenance", sinceMs: 1_200, deadlineRemainingMs: 28_800, reason: null };
  runtime.daemon("ingest").lifecycle = "draining";
  runtime.daemon("ingest").counters.processed += 42;
  runtime.daemon("ingest").counters.inboxDepth = 0;
  runtime.log("maintenance: entering, drain deadline 30 s", { level: "warn" });
  runtime.log("daemon ingest draining", { daemonId: runtime.daemon("ingest").daemonId });
  await waitForActive(page, "#maintenance-chart", "state:EnteringMaintenance");
  await waitForActive(page, `${ingest} .chart`, "state:draining");
  assert.equal(await page.locator(ingest).getAttribute("data-lifecycle"), "draining");
  assert.equal(await page.locator(`${ingest} .lifecycle`).textContent(), "draining");
  assert.match(await page.locator(`${ingest} .stats`).innerText(), /processed\s+1232/);
  assert.equal(await activeStateIn(page, `${enricher} .chart`), "state:running.backpressured");
  assert.match(await page.locator("#log ol").innerText(), /maintenance: entering, drain deadline 30 s/);
  assert.match(await page.locator("#maintenance-facts").innerText(), /deadline in 28\.8 s/);
  await page.screenshot({ path: join(screenshotDir, "2-draining.png"), fullPage: true });
  await copyFile(join(screenshotDir, "2-draining.png"), join(projectRoot, "docs", "inspector.png"));
});

test("inspector in Chromium: a finished drain shows drained and Maintenance", async () => {
  const { page } = await session();
  runtime.state.maintenance = { state: "Maintenance", sinceMs: 0, deadlineRemainingMs: null, reason: null };
  runtime.daemon("ingest").lifecycle = "drained";
  runtime.log("maintenance: all daemons drained");
  await waitForActive(page, "#maintenance-chart", "state:Maintenance");
  await waitForActive(page, `${ingest} .chart`, "state:drained");
  assert.equal(await page.locator("#maintenance-state").textContent(), "Maintenance");
  await page.screenshot({ path: join(screenshotDir, "3-drained.png"), fullPage: true });
});

test("inspector in Chromium: no script errors, no external requests; everything closes", async () => {
  const { close, inspector, problems } = await session();
  try {
    assert.deepEqual(problems, []);
  } finally {
    await close();
    await inspector.close();
  }
});
