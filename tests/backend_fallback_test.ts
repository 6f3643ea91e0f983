// A fallback is never silent (issue 13 item 3): when the native library cannot load, the SDK says
// which backend it chose and why, once per process on stderr (unless backendNotice: false), and
// always in the log ring, `sdk.backendFallbacks` and the snapshot. In a child process with the
// library out of reach: a missing file under Bun, no --allow-ffi under Deno.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtimeName, test } from "./_harness.ts";

test("fallback: the SDK names the backend it fell back to and why, on stderr once, and in the log, the getter and the snapshot", () => {
  const script = fileURLToPath(new URL("./_fixtures/fallback_node.ts", import.meta.url));
  const bun = runtimeName === "bun";
  const args = bun ? [script] : ["run", "--allow-read", "--allow-env", "--allow-sys", "--allow-net", script];
  const env: Record<string, string | undefined> = { ...process.env, ...(bun ? { MESHOS_LIB: "/nonexistent/libmeshos.so" } : {}) };
  delete env.MESHOS_BACKEND;
  const child = spawnSync(process.execPath, args, { encoding: "utf8", env, timeout: 60_000 });
  assert.equal(child.status, 0, child.stderr);
  const why = bun ? "no native library at /nonexistent/libmeshos.so" : "needs --allow-ffi";
  const notices = child.stderr.split("\n").filter((line) => line.startsWith("[meshos]"));
  assert.equal(notices.length, 1, `one notice for three starts, the third silenced:\n${child.stderr}`);
  assert.match(notices[0], new RegExp(`^\\[meshos\\] using the wasm ring backend: the native \\(${bun ? "bun" : "deno"}-ffi\\) backend is unavailable: .*${why.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")}.*\\(start option backendNotice: false silences this\\)$`));
  const starts = child.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(starts.length, 3);
  for (const start of starts) {
    assert.equal(start.backend, "wasm");
    assert.equal(start.fallbacks.length, 1);
    assert.equal(start.fallbacks[0].backend, "native");
    assert.ok(start.fallbacks[0].reason.includes(why), start.fallbacks[0].reason);
    assert.deepEqual(start.snapshot, start.fallbacks);
    assert.equal(start.logged.length, 1);
    assert.match(start.logged[0], /^warn ring backend wasm in use; native passed over: /);
  }
});
