/**
 * One test suite for two runners: registers each test with `Deno.test` under Deno and with
 * `bun:test`'s `test` under Bun. Assertions come from `node:assert/strict`, which both ship.
 *
 * @module
 */

/** A test body: sync or async; a throw or a rejection fails the test. */
export type TestBody = () => void | Promise<void>;

/** The longest a single test may run under Bun (Deno has no per-test limit). */
const TEST_TIMEOUT_MS = 60_000;

type Register = (name: string, body: TestBody) => void;

interface DenoTestApi {
  test(def: { name: string; fn: TestBody; sanitizeOps: boolean; sanitizeResources: boolean }): void;
}

async function pickRegister(): Promise<Register> {
  const deno = (globalThis as { Deno?: DenoTestApi }).Deno;
  if (deno && typeof deno.test === "function" && !("Bun" in globalThis)) {
    // Timers owned by an SDK under test are closed by its shutdown; the op sanitizer would
    // still flag the microtask that settles them, so it is off for the whole suite.
    return (name, fn) => deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
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
