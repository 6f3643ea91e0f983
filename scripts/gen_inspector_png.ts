/**
 * Regenerates `docs/inspector.png`, the README's picture of the live inspector during a drain:
 * a real `MeshOsDaemonSdk` with two daemons and its real `sdk.inspect()` page, screenshotted in
 * headless Chromium. The SDK runs on a `ManualClock`, so every run shows the same moment: 1.2 s
 * into a 30 s drain, `ingest` drained, `enricher` still draining.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`). Run from the project root:
 * `npm run inspector-png` (or `bun scripts/gen_inspector_png.ts`, or
 * `deno run --allow-all scripts/gen_inspector_png.ts`).
 *
 * @module
 */

import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Identity, ManualClock, MeshOsDaemonSdk } from "../mod.ts";
import type { MeshOsDaemonHandle } from "../mod.ts";
import { openBrowser, waitForActive, waitForText } from "../tests/_chromium.ts";

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const output = join(projectRoot, "docs", "inspector.png");
const encoder = new TextEncoder();

const clock = new ManualClock();
const sdk = await MeshOsDaemonSdk.start({ thisNode: 0xa1n, tickIntervalMs: 100n }, { clock });
const daemon = (name: string, seed: number, process: (payload: Uint8Array) => Uint8Array[]) =>
  sdk.registerDaemon({ name, process: (event) => process(event.payload) }, Identity.fromSeed(new Uint8Array(32).fill(seed)));
const ingest = await daemon("ingest", 1, (payload) => [payload]);
const enricher = await daemon("enricher", 2, (payload) => [payload, payload]);

for (const [handle, count] of [[ingest, 900], [enricher, 600]] as const) {
  sdk.ingestBatch(handle.daemonId, Array.from({ length: count }, (_, i) => encoder.encode(`event ${i}`)));
}
await clock.advance(500);
sdk.admin.enterMaintenance({ drainForMs: 30_000 });
await clock.advance(1_200);
await ingest.exit(); // ingest acknowledges the drain; enricher is still draining

const inspector = await sdk.inspect({ port: 0 });
const browser = await openBrowser(new URL(inspector.url).origin);
try {
  const { page, problems } = browser;
  const card = (handle: MeshOsDaemonHandle) => `[data-daemon-id="0x${handle.daemonId.toString(16).padStart(16, "0")}"]`;
  await page.goto(inspector.url);
  await page.waitForSelector("#status[data-state=live]", { timeout: 30_000 });
  await waitForActive(page, "#maintenance-chart", "state:EnteringMaintenance");
  await waitForActive(page, `${card(ingest)} .chart`, "state:drained");
  await waitForActive(page, `${card(enricher)} .chart`, "state:draining");
  await waitForText(page, "#maintenance-facts", /deadline in 28\.8 s/);
  if (problems.length > 0) throw new Error(`the inspector page reported problems:\n${problems.join("\n")}`);
  await page.screenshot({ path: output, fullPage: true });
  process.stdout.write(`wrote ${output.slice(projectRoot.length + 1)}\n`);
} finally {
  await browser.close();
  await sdk.shutdown(); // also closes the inspector
}
