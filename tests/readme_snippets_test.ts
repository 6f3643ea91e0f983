// Every TypeScript snippet of README.md runs for real (issue 13 item 6): "Use it" as written
// (tests/readme_examples_test.ts), and each of the others here as written, inside a module that
// first gives it the names it uses from the text around it (`sdk`, `url`, a `Counter` class …),
// against a real nats-server where the snippet names one. A snippet added to the README without a
// case here fails the count.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { test } from "./_harness.ts";
import { startNatsServer } from "./_nats_server.ts";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const MOD = JSON.stringify(join(ROOT, "mod.ts"));
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const snippets = [...README.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

/** What each snippet after "Use it" needs before and after it, keyed by a line it contains. */
const cases: { marker: string; before: string; after: string; files?: Record<string, string> }[] = [
  {
    marker: 'worker: { module: new URL("./word_counter.ts", import.meta.url)',
    before: `const sdk = await MeshOsDaemonSdk.start();`,
    after: `await sdk.ingest(handle.daemonId, new TextEncoder().encode("a b c"));
for await (const out of sdk.outputs(handle.daemonId)) { console.log("words", new TextDecoder().decode(out.payload)); break; }
await sdk.shutdown();`,
    files: { "word_counter.ts": `export const wordCounter = { process: (e) => [new TextEncoder().encode(String(new TextDecoder().decode(e.payload).split(" ").length))] };\n` },
  },
  {
    marker: 'bus: { memory: { mesh: "lab" } }',
    before: ``,
    after: `console.log("peers", (await a.snapshot()).mesh.bus, (await b.snapshot()).mesh.bus);
await b.shutdown();
await a.shutdown();`,
  },
  {
    marker: "const alice = OperatorIdentity.generate();",
    before: `const url = process.env.NATS_URL!;`,
    after: `console.log("commit", commit.kind, commit.targetNode);
await operator.close();
await node.shutdown();`,
  },
  {
    marker: 'sdk.registerFactory("counter", () => new Counter());',
    before: `class Counter { name = "counter"; process() { return []; } }
const sdk = await MeshOsDaemonSdk.start();
const identity = Identity.generate();`,
    after: `console.log("movable", sdk.snapshot().daemons[0].movable?.factory, handle.daemonId === identity.originHash);
await sdk.shutdown();`,
  },
  {
    marker: "failover: { replicateEveryEvents: 1_000",
    before: `const url = process.env.NATS_URL!;`,
    after: `console.log("failover", sdk.snapshot().mesh.bus);
await sdk.shutdown();`,
  },
];

const expected: Record<string, RegExp> = {
  'worker: { module: new URL("./word_counter.ts", import.meta.url)': /^words 3$/m,
  'bus: { memory: { mesh: "lab" } }': /^peers memory nats$/m,
  "const alice = OperatorIdentity.generate();": /^commit enterMaintenance 2n$/m,
  'sdk.registerFactory("counter", () => new Counter());': /^movable counter true$/m,
  "failover: { replicateEveryEvents: 1_000": /^failover nats$/m,
};

test("README: every TypeScript snippet has a case (Use it, and one each here)", () => {
  assert.equal(snippets.length, 1 + cases.length, "a new README snippet needs a case in this file");
  assert.match(snippets[0], /^import \{ Identity, MeshOsDaemonSdk \} from "@meshos\/sdk";/);
  for (const c of cases) assert.equal(snippets.filter((s) => s.includes(c.marker)).length, 1, c.marker);
});

test("README: each snippet after Use it runs as written, with what the text around it gives it", async () => {
  const server = await startNatsServer(); // the snippet naming nats://127.0.0.1:4222 gets its URL instead
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".tmp", "snippets-"));
  try {
    for (const [i, c] of cases.entries()) {
      const snippet = snippets.find((s) => s.includes(c.marker))!.replaceAll("nats://127.0.0.1:4222", server.url);
      const file = join(dir, `snippet_${i}.ts`);
      for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), text);
      writeFileSync(file, [
        `import process from "node:process";`,
        `import { Identity, MeshOsDaemonSdk, MeshOsOperator, OperatorIdentity } from ${MOD};`,
        c.before,
        snippet,
        c.after,
        `process.exit(0);`,
      ].join("\n"));
      const args = "Bun" in globalThis ? [file] : ["run", "-A", file];
      const result = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", timeout: 60_000, env: { ...process.env, NATS_URL: server.url } });
      assert.equal(result.status, 0, `snippet "${c.marker}":\n${result.stdout}\n${result.stderr}`);
      assert.match(result.stdout, expected[c.marker], `snippet "${c.marker}" printed:\n${result.stdout}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
});
