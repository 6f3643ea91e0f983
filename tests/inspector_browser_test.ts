/**
 * The inspector page in a real browser (headless Debian Chromium driven by playwright-core),
 * served by `startInspector` over a real SDK on a manual clock: counters, the drain deadline and
 * the log tail follow the runtime live, a failing `getSnapshot` shows a problem banner that the
 * next good update clears, and the page makes no external request and raises no script error.
 * `tests/inspector_sdk_browser_test.ts` covers `sdk.inspect()` through a whole drain.
 *
 * Writes nothing outside the system temp dir. `docs/inspector.png` comes from
 * `scripts/gen_inspector_png.ts`, not from here.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`): without it the test fails with that
 * message; it does not skip.
 */

import assert from "node:assert/strict";
import type { AnyStateMachine } from "xstate";
import { Identity } from "../mod.ts";
import { activeStateIn, openBrowser, waitForActive, waitForText } from "./_chromium.ts";
import { test } from "./_harness.ts";
import { bytes, startManual } from "./_sdk_fixtures.ts";
import { daemonMachine } from "../src/actors/daemon_machine.ts";
import { maintenanceMachine } from "../src/actors/maintenance_machine.ts";
import { startInspector } from "../src/viz/inspector_server.ts";

const machines = {
  daemon: daemonMachine as unknown as AnyStateMachine,
  maintenance: maintenanceMachine as unknown as AnyStateMachine,
};
const hex = (id: bigint) => `0x${id.toString(16).padStart(16, "0")}`;

test("inspector in Chromium: counters, the drain deadline, the log and problems follow the runtime live", async () => {
  const { sdk, clock } = await startManual();
  const ingest = await sdk.registerDaemon({ name: "ingest", process: (event) => [event.payload] }, Identity.generate());
  const enricher = await sdk.registerDaemon({ name: "enricher", process: () => [] }, Identity.generate());
  let broken = false;
  const inspector = await startInspector({
    getSnapshot: () => {
      if (broken) throw new Error("runtime is shutting down");
      return sdk.snapshot();
    },
    machines,
    pollIntervalMs: 20,
  });
  const browser = await openBrowser(new URL(inspector.url).origin).catch(async (error: unknown) => {
    await inspector.close();
    await sdk.shutdown();
    throw error;
  });
  const card = `.daemon[data-daemon-id="${hex(ingest.daemonId)}"]`;
  const otherCard = `.daemon[data-daemon-id="${hex(enricher.daemonId)}"]`;
  try {
    const { page } = browser;
    await page.goto(inspector.url);
    await page.waitForSelector("#status[data-state=live]", { timeout: 30_000 });
    assert.deepEqual(await page.locator("#daemons .daemon .name").allTextContents(), ["ingest", "enricher"]);
    assert.equal(await activeStateIn(page, `${card} .chart`), "state:running.normal");
    assert.equal(await activeStateIn(page, "#maintenance-chart"), "state:Active");
    assert.match(await page.locator("#log ol").innerText(), /daemon "enricher" registered/);

    // Events processed on the node show up in the daemon's counters.
    assert.equal(await sdk.ingestBatch(ingest.daemonId, Array.from({ length: 42 }, (_, i) => bytes(`event ${i}`))), 42);
    await clock.advance(0);
    await waitForText(page, `${card} .stats`, /processed\s+42/);
    assert.match(await page.locator(`${card} .facts`).innerText(), /ingested\s+42[\s\S]*outputs\s+42/);

    // The operator enters maintenance; 1.2 s later the page counts down the drain deadline.
    sdk.admin.enterMaintenance({ drainForMs: 30_000 });
    await clock.advance(1_200);
    await waitForActive(page, "#maintenance-chart", "state:EnteringMaintenance");
    await waitForText(page, "#maintenance-facts", /deadline in 28\.8 s/);
    assert.equal(await activeStateIn(page, `${card} .chart`), "state:draining");
    assert.equal(await page.locator(card).getAttribute("data-lifecycle"), "draining");
    assert.equal(await activeStateIn(page, `${otherCard} .chart`), "state:draining");
    assert.match(await page.locator("#log ol").innerText(), /maintenance: Active → EnteringMaintenance/);

    // A snapshot that cannot be read is shown, not swallowed; the next good update clears it.
    broken = true;
    await waitForText(page, "#problem", /getSnapshot\(\) threw: runtime is shutting down/);
    broken = false;
    await ingest.exit();
    await waitForActive(page, `${card} .chart`, "state:drained");
    assert.equal(await page.locator("#problem").isVisible(), false);
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
    await inspector.close();
    await sdk.shutdown();
  }
});
