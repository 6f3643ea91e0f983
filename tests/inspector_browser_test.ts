/**
 * The inspector in a real browser: headless Debian Chromium driven by playwright-core, against an
 * inspector fed by a fake runtime that the test moves through a maintenance drain. The page must
 * load with no external request and no script error, show both daemons, and move the highlighted
 * state in the charts as the snapshot changes. Screenshots go to .tmp/inspector-browser/; the
 * draining one is copied to docs/inspector.png for the README.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`): without it the test fails, it never
 * skips.
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import type { AnyStateMachine } from "xstate";
import { test } from "./_harness.ts";
import { daemonMachine } from "../src/actors/daemon_machine.ts";
import { maintenanceMachine } from "../src/actors/maintenance_machine.ts";
import { fakeRuntime } from "../src/viz/_fixtures/fake_runtime.ts";
import { startInspector } from "../src/viz/inspector_server.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];
const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const workDir = join(projectRoot, ".tmp");
const screenshotDir = join(workDir, "inspector-browser");
const WAIT_MS = 10_000;

/** The id of the highlighted state in a chart (`state:<path>`), or null. */
function activeStateIn(page: Page, chartSelector: string): Promise<string | null> {
  return page.locator(`${chartSelector} g.active`).first().getAttribute("id", { timeout: WAIT_MS });
}

function waitForActive(page: Page, chartSelector: string, stateId: string): Promise<unknown> {
  return page.waitForFunction(
    ([selector, id]) => document.querySelector(`${selector} g.active`)?.id === id,
    [chartSelector, stateId] as const,
    { timeout: WAIT_MS },
  );
}

test("inspector in Chromium: shows the daemons and follows their states live", async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium); ` +
      "the inspector browser test cannot run without it",
  );
  await mkdir(screenshotDir, { recursive: true });
  const profileDir = await mkdtemp(join(workDir, "chromium-profile-"));
  const runtime = fakeRuntime();
  const inspector = await startInspector({
    port: 0,
    getSnapshot: runtime.getSnapshot,
    machines: {
      daemon: daemonMachine as unknown as AnyStateMachine,
      maintenance: maintenanceMachine as unknown as AnyStateMachine,
    },
  });
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    // Chromium leaves scratch folders in TMPDIR: keep them in the work folder.
    env: { ...process.env, TMPDIR: workDir },
    viewport: { width: 1440, height: 900 },
  });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const problems: string[] = [];
    const origin = new URL(inspector.url).origin;
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
    page.on("request", (request) => {
      if (!request.url().startsWith(origin)) problems.push(`external request: ${request.url()}`);
    });

    await page.goto(inspector.url);
    await page.waitForSelector("#status[data-state=live]", { timeout: WAIT_MS });
    const ingest = `[data-daemon-id="${runtime.daemon("ingest").daemonId}"]`;
    const enricher = `[data-daemon-id="${runtime.daemon("enricher").daemonId}"]`;
    assert.deepEqual(await page.locator("#daemons .daemon .name").allTextContents(), ["ingest", "enricher"]);
    assert.equal(await activeStateIn(page, `${ingest} .chart`), "state:running.normal");
    assert.equal(await activeStateIn(page, `${enricher} .chart`), "state:running.backpressured");
    assert.equal(await activeStateIn(page, "#maintenance-chart"), "state:Active");
    assert.equal(await page.locator("#maintenance-state").textContent(), "Active");
    await page.screenshot({ path: join(screenshotDir, "1-running.png"), fullPage: true });

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

    // Drain done: ingest drained, the node is in maintenance.
    runtime.state.maintenance = { state: "Maintenance", sinceMs: 0, deadlineRemainingMs: null, reason: null };
    runtime.daemon("ingest").lifecycle = "drained";
    runtime.log("maintenance: all daemons drained");
    await waitForActive(page, "#maintenance-chart", "state:Maintenance");
    await waitForActive(page, `${ingest} .chart`, "state:drained");
    assert.equal(await page.locator("#maintenance-state").textContent(), "Maintenance");
    await page.screenshot({ path: join(screenshotDir, "3-drained.png"), fullPage: true });

    assert.deepEqual(problems, []);
    await copyFile(join(screenshotDir, "2-draining.png"), join(projectRoot, "docs", "inspector.png"));
  } finally {
    await context.close();
    await inspector.close();
    await rm(profileDir, { recursive: true, force: true });
  }
});
