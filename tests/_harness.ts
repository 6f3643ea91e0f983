/**
 * One test suite for two runners: registers each test with `Deno.test` under Deno and with
 * `bun:test`'s `test` under Bun. Assertions come from `node:assert/strict`, which both ship.
 *
 * Every test has a bounded time under both runners, and under Deno the op and resource sanitizers
 * are on: a test that leaves a timer, a Worker or a server behind fails.
 *
 * @module
 */

/** A test body: sync or async; a throw or a rejection fails the test. */
export type TestBody = () => void | Promise<void>;

/** The longest a single test may run (a Deno Worker start takes 5–7 s on a loaded machine). */
const TEST_TIMEOUT_MS = 60_000;

type Register = (name: string, body: TestBody) => void;

interface DenoTestApi {
  test(def: { name: string; fn: () => Promise<void>; sanitizeOps: boolean; sanitizeResources: boolean }): void;
}

/**
 * Runs `body`, failing with "test timed out after N ms" if it has not settled by then. The timer
 * is cleared as soon as the body settles, so it never outlives a test that finishes in time.
 */
async function withTimeout(body: TestBody, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`test timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([(async () => await body())(), expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function pickRegister(): Promise<Register> {
  const deno = (globalThis as { Deno?: DenoTestApi }).Deno;
  if (deno && typeof deno.test === "function" && !("Bun" in globalThis)) {
    // The native library is opened once per JS thread and kept while the process lives
    // (src/ffi/deno.ts). Opening it here, before any test, keeps the resource sanitizer from
    // blaming whichever test needs it first; where it cannot open, the tests that need it say why.
    const { loadDenoBackend } = await import("../src/ffi/deno.ts");
    await loadDenoBackend().catch(() => undefined);
    // Deno.test has no timeout option; the sanitizers are off by default in Deno 2, so say so.
    return (name, fn) =>
      deno.test({ name, fn: () => withTimeout(fn, TEST_TIMEOUT_MS), sanitizeOps: true, sanitizeResources: true });
  }
  const specifier = "bun:test"; // non-literal so Deno never tries to resolve it
  const bun = (await import(specifier)) as { test: (name: string, fn: TestBody, timeoutMs: number) => void };
  // Bun 1.4 ignores bunfig's [test].timeout and would cut every test at 5 s.
  return (name, fn) => bun.test(name, fn, TEST_TIMEOUT_MS);
}

/** Registers a test with whichever runner loaded this file. */
export const test: Register = await pickRegister();

/** The runtime executing the suite, for the few tests whose subject differs by runtime. */
export const runtimeName: "deno" | "bun" = "Bun" in globalThis ? "bun" : "deno";
