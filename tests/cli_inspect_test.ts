// `meshos inspect URL` and `meshos --version` (issue 13 item 4): a running node's inspector data
// in the terminal, read from its real inspector (token included beyond loopback), once or live.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Identity, MeshOsDaemonSdk, SDK_VERSION } from "../mod.ts";
import { runInspectCommand } from "../src/viz/inspect_command.ts";
import type { CommandIo } from "../src/viz/viz_command.ts";
import { runtimeName, test } from "./_harness.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

function capture(): CommandIo & { out: string; err: string } {
  const io = { cwd: root, out: "", err: "", stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

test("cli: meshos --version prints the SDK version", () => {
  const args = runtimeName === "bun" ? ["bin/meshos.ts", "--version"] : ["run", "--allow-read", "bin/meshos.ts", "--version"];
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, `meshos ${SDK_VERSION}\n`);
});

test("cli: meshos inspect --once shows the node, its daemons with their states and counters, and the log tail", async () => {
  const sdk = await MeshOsDaemonSdk.start({ thisNode: 5n });
  const inspector = await sdk.inspect({ port: 0 });
  try {
    const echo = await sdk.registerDaemon({ name: "echo", process: (e) => [e.payload] }, Identity.generate());
    await sdk.ingestBatch(echo.daemonId, [new Uint8Array(1), new Uint8Array(2)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const io = capture();
    assert.equal(await runInspectCommand([inspector.url, "--once"], io), 0, io.err);
    const [header, , columns, row] = io.out.split("\n");
    assert.match(header, /^node 0x0000000000000005 · Active · backend (bun-ffi|deno-ffi|wasm|js) · mesh memory · 0 peer\(s\)$/);
    assert.match(columns, /^daemon\s+id\s+state\s+processed\s+inbox\s+errors health$/);
    assert.match(row, new RegExp(`^echo\\s+0x${echo.daemonId.toString(16).padStart(16, "0")}\\s+running\\.normal\\s+2\\s+0\\s+0 healthy$`));
    assert.match(io.out, /^ {2}info {2}echo\s+daemon "echo" registered$/m);
  } finally {
    await inspector.close();
    await sdk.shutdown();
  }
});

test("cli: meshos inspect uses the URL's token beyond loopback, and says why when it cannot read the node", async () => {
  const sdk = await MeshOsDaemonSdk.start({ thisNode: 6n });
  const inspector = await sdk.inspect({ port: 0, hostname: "0.0.0.0" });
  try {
    const url = new URL(inspector.url);
    const local = `http://127.0.0.1:${url.port}/${url.search}`;
    const withToken = capture();
    assert.equal(await runInspectCommand([local, "--once"], withToken), 0, withToken.err);
    assert.match(withToken.out, /^node 0x0000000000000006 /);
    const without = capture();
    assert.equal(await runInspectCommand([`http://127.0.0.1:${url.port}/`, "--once"], without), 1);
    assert.match(without.err, /^meshos inspect: http:\/\/127\.0\.0\.1:\d+: 401 401 Unauthorized/);
    const bad = capture();
    assert.equal(await runInspectCommand(["not a url"], bad), 2);
    assert.match(bad.err, /^meshos inspect: URL: received "not a url", expected the inspector URL sdk\.inspect\(\) returned/);
  } finally {
    await inspector.close();
    await sdk.shutdown();
  }
});

test("cli: meshos inspect without --once redraws until stopped", async () => {
  const sdk = await MeshOsDaemonSdk.start({ thisNode: 7n });
  const inspector = await sdk.inspect({ port: 0 });
  try {
    const io = capture();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 250);
    assert.equal(await runInspectCommand([inspector.url, "--every", "50"], io, stop.signal), 0);
    const screens = io.out.split("\x1b[H\x1b[2J").filter((s) => s !== "");
    assert.ok(screens.length >= 2, `${screens.length} screens`);
    assert.ok(screens.every((s) => s.startsWith("node 0x0000000000000007 ")));
  } finally {
    await inspector.close();
    await sdk.shutdown();
  }
});
