/**
 * Headless Debian Chromium for the browser tests and `scripts/gen_inspector_png.ts`, driven by
 * playwright-core (toolchain.md: the flags, `launchPersistentContext` with a fresh profile, a
 * TMPDIR removed on close). Records page errors, console errors and any request leaving the
 * page's origin. Its folders live under the system temp dir (`.tmp/` under `scripts/test.sh`,
 * which sets TMPDIR), never in the project.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type BrowserContext, chromium, type Page } from "playwright-core";

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

/** A browser page plus what it did wrong. */
export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Page errors, console errors and requests that left `origin`. */
  problems: string[];
  /** Closes the browser and removes its folders. */
  close(): Promise<void>;
}

/** Launches Chromium (or fails saying how to install it) with one page watching `origin`. */
export async function openBrowser(origin: string): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium); ` +
        "the browser tests cannot run without it",
    );
  }
  const profileDir = await mkdtemp(join(tmpdir(), "chromium-profile-"));
  const scratchDir = await mkdtemp(join(tmpdir(), "chromium-tmp-"));
  const removeFolders = async () => {
    await rm(profileDir, { recursive: true, force: true });
    await rm(scratchDir, { recursive: true, force: true });
  };
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    env: { ...process.env, TMPDIR: scratchDir },
    viewport: { width: 1440, height: 900 },
  }).catch(async (error: unknown) => {
    await removeFolders();
    throw error;
  });
  const page = context.pages()[0] ?? await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("request", (request) => {
    if (!request.url().startsWith(origin)) problems.push(`external request: ${request.url()}`);
  });
  return {
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      await removeFolders();
    },
  };
}

/** The longest a page may take to show what a test waits for (a bound on a loaded machine). */
const WAIT_MS = 30_000;

/** The id (`state:<path>`) of the highlighted state in an inspector chart, or null. */
export function activeStateIn(page: Page, chartSelector: string): Promise<string | null> {
  return page.locator(`${chartSelector} g.active`).first().getAttribute("id", { timeout: WAIT_MS });
}

/** Waits until the inspector chart under `chartSelector` highlights `stateId`. */
export function waitForActive(page: Page, chartSelector: string, stateId: string): Promise<unknown> {
  return page.waitForFunction(
    ([selector, id]) => document.querySelector(`${selector} g.active`)?.id === id,
    [chartSelector, stateId] as const,
    { timeout: WAIT_MS },
  );
}

/** Waits until the text of the element at `selector` matches `pattern`. */
export function waitForText(page: Page, selector: string, pattern: RegExp): Promise<unknown> {
  return page.waitForFunction(
    ([sel, source, flags]) => new RegExp(source, flags).test((document.querySelector(sel) as HTMLElement | null)?.innerText ?? ""),
    [selector, pattern.source, pattern.flags] as const,
    { timeout: WAIT_MS },
  );
}
