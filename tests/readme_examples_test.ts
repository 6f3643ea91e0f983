// The examples README.md quotes, run for real: the demo's output against the lines the README
// shows (ids, ports and timings may differ; the words, order and structure may not), and the
// "Use it" snippet as written, with a driver around it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { test } from "./_harness.ts";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The body of the first fenced block of `lang` after `heading`. */
function block(heading: string, lang: string): string {
  const from = README.indexOf(heading);
  assert.ok(from >= 0, `README has "${heading}"`);
  const open = README.indexOf("```" + lang + "\n", from);
  const close = README.indexOf("\n```", open + 4);
  return README.slice(open + lang.length + 4, close);
}

/** Runs `file` under this runtime; resolves with its stdout, rejecting on a non-zero exit. */
function run(file: string, cwd = ROOT): Promise<string> {
  const args = "Bun" in globalThis ? [file] : ["run", "-A", file];
  const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += String(chunk)));
  child.stderr!.on("data", (chunk: Buffer) => (err += String(chunk)));
  return new Promise((resolve, reject) =>
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} exited ${code}:\n${out}\n${err}`))))
  );
}

/** A README line as a pattern: temp paths, hex ids and numbers may vary; the rest is literal. */
function pattern(line: string): RegExp {
  const variable = /(\/tmp\/[^\s)]+)|(0x[0-9a-f]+)|(\d+)/g;
  let source = "";
  let at = 0;
  for (const match of line.matchAll(variable)) {
    source += escape(line.slice(at, match.index)) + (match[1] ? "[^\\s)]+" : match[2] ? "0x[0-9a-f]+" : "\\d+");
    at = match.index + match[0].length;
  }
  return new RegExp("^" + source + escape(line.slice(at)) + "$");
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

test("README: the demo prints the lines the README quotes, in that order", async () => {
  const quoted = block("What the demo prints", "text").split("\n").filter((l) => l.trim() !== "");
  const printed = (await run("examples/demo.ts")).split("\n");
  const runtime = "Bun" in globalThis ? "Bun" : "Deno";
  let at = 0;
  for (const line of quoted) {
    const wanted = pattern(line.replace("[demo] Bun:", `[demo] ${runtime}:`).replace('"bun-ffi"', runtime === "Bun" ? '"bun-ffi"' : '"deno-ffi"'));
    const found = printed.findIndex((p, i) => i >= at && wanted.test(p));
    assert.ok(found >= 0, `README line not printed (in order): ${line}\n--- printed ---\n${printed.join("\n")}`);
    at = found + 1;
  }
});

test("README: the \"Use it\" snippet runs as written, unchanged, and ends by itself", async () => {
  const snippet = block("## Use it", "ts");
  assert.match(snippet, /for await \(const control of handle\.controlEvents\(\)\)/);
  mkdirSync(join(ROOT, ".tmp"), { recursive: true }); // inside the project, so deno.json resolves the imports
  const dir = mkdtempSync(join(ROOT, ".tmp", "readme-"));
  try {
    const asWritten = snippet.replace('from "@meshos/sdk"', `from ${JSON.stringify(join(ROOT, "mod.ts"))}`);
    writeFileSync(join(dir, "use_it.ts"), asWritten);
    const out = await run(join(dir, "use_it.ts"));
    assert.match(out, /^1n \d+n$/m); // console.log(out.sequence, out.parentHash)
    assert.match(out, /^drained: Maintenance$/m); // the loop ended once the daemon acknowledged the drain
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs a demo script and checks that it prints every line of the README block after `marker`. */
async function demoPrintsReadme(script: string, marker: string): Promise<void> {
  const quoted = block(marker, "text").split("\n").filter((l) => l.trim() !== "");
  const child = spawn("bash", [script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += String(chunk)));
  child.stderr!.on("data", () => {});
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  assert.equal(code, 0, out);
  const printed = out.split("\n");
  for (const line of quoted) {
    assert.ok(printed.some((p) => pattern(line).test(p)), `README line not printed: ${line}\n--- printed ---\n${out}`);
  }
}

test("README: npm run demo:mesh shows a Bun node and a Deno node seeing each other, and the drain crossing", async () => {
  await demoPrintsReadme("scripts/demo_mesh.sh", "`npm run demo:mesh` shows two");
});

test("README: npm run demo:operate drains a node with a signed command, moves its counters, refuses an intruder and prints the audit trail", async () => {
  await demoPrintsReadme("scripts/demo_operate.sh", "`npm run demo:operate` shows it");
});
