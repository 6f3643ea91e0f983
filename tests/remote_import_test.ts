// The package imported over the network, as a JSR or https import gets it (issue 13): this
// repository served over HTTP on loopback, and a Deno program importing the ring loader from
// there — the platform's prebuilt library is fetched once into the cache and opened (deno-ffi),
// the wasm module fetched and instantiated; without the permissions the native backend says which
// it needs.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join, normalize } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { test } from "./_harness.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = join(root, "node_modules/.bin/deno");

/** Serves `root`'s files (GET only) on a free loopback port; resolves with its origin and stop(). */
async function serveRepository(): Promise<{ origin: string; stop: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
    if (req.method !== "GET" || !path.startsWith(root) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": path.endsWith(".ts") ? "application/typescript" : "application/octet-stream" });
    res.end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

test("remote import: the loader imported over HTTP fetches the platform library into the cache and opens it, and fetches the wasm module", async () => {
  const served = await serveRepository();
  mkdirSync(join(root, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(root, ".tmp", "remote-"));
  try {
    writeFileSync(join(dir, "main.ts"), [
      `const { loadBackend } = await import("${served.origin}/src/ffi/load.ts");`,
      `for (const choice of ["native", "wasm"]) {`,
      `  try {`,
      `    const backend = await loadBackend(choice);`,
      `    const ring = backend.createRing({ capacityBytes: 4096, producers: "single" });`,
      `    ring.pushBatch([new Uint8Array([7])]);`,
      `    let seen = 0; ring.popBatch(1, (p) => (seen = p[0]));`,
      `    console.log(choice, backend.name, seen);`,
      `  } catch (err) { console.log(choice, "unavailable:", err.detail ?? err.message); }`,
      `}`,
    ].join("\n"));
    const host = served.origin.slice("http://".length);
    const cache = join(dir, "cache");
    // Asynchronously: the server answering the child runs in this process.
    const run = (permissions: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(deno, ["run", "--no-lock", `--allow-import=${host}`, ...permissions, join(dir, "main.ts")], {
          cwd: dir,
          env: { ...process.env, NO_COLOR: "1", XDG_CACHE_HOME: cache },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Uint8Array) => (stdout += String(chunk)));
        child.stderr.on("data", (chunk: Uint8Array) => (stderr += String(chunk)));
        child.once("exit", (status) => resolve({ status, stdout, stderr }));
      });
    const granted = await run([`--allow-net=${host}`, "--allow-ffi", "--allow-read", "--allow-write", "--allow-env"]);
    assert.equal(granted.status, 0, granted.stderr);
    assert.match(granted.stdout, /^native deno-ffi 7$/m);
    assert.match(granted.stdout, /^wasm wasm 7$/m);
    const cached = readdirSync(join(cache, "meshos"), { recursive: true }).map(String);
    assert.ok(cached.some((file) => /libmeshos\.(so|dylib)$|meshos\.dll$/.test(file)), cached.join(", "));
    // Without write and read permission for the cache, the native backend says what it needs.
    const denied = await run([`--allow-net=${host}`, "--allow-ffi", "--allow-env"]);
    assert.match(denied.stdout, /^native unavailable: .*is copied to .* before Deno\.dlopen; expected --allow-net=127\.0\.0\.1:\d+, and --allow-read and --allow-write for that file$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await served.stop();
  }
});
