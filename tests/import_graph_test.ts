// The layers of docs/architecture.md, read from the source: every relative import in `src/` and
// `mod.ts` (type-only and dynamic ones included) goes to the same layer or a lower one, and no
// files import each other in a loop. No exception list.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "./_harness.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Lowest first; a file may import its own layer and any layer before it. */
const LAYERS = [
  "src/errors",
  "src/contract",
  "src/identity",
  "src/ffi",
  "src/actors",
  "src/bus",
  "src/runtime",
  "src/viz",
  "src/sdk",
  "mod.ts",
] as const;

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;'"]*?from\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (name.endsWith(".ts")) found.push(path);
  }
  return found;
}

/** Relative imports of `file`, as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const targets: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2];
    if (specifier.startsWith(".")) targets.push(relative(ROOT, resolve(dirname(file), specifier)));
  }
  return targets;
}

function layerOf(path: string): number {
  const index = LAYERS.findIndex((layer) => path === layer || path.startsWith(`${layer}/`));
  assert.notEqual(index, -1, `${path} belongs to no layer of ${LAYERS.join(", ")}`);
  return index;
}

function graph(): Map<string, string[]> {
  const files = [...sourceFiles(join(ROOT, "src")), join(ROOT, "mod.ts")];
  return new Map(files.map((file) => [relative(ROOT, file), importsOf(file)]));
}

/** Every loop of imports, each as the files around it. */
function cycles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, "done");
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}

test("the import scanner sees static, type-only, re-export and dynamic imports", () => {
  const text = `import { a } from "./a.ts";\nimport type {\n  B,\n} from "../b.ts";\nexport * from "./c.ts";\n` +
    `const d = await import("./d.ts");\nimport "xstate";\n`;
  const specifiers = [...text.matchAll(IMPORT)].map((match) => match[1] ?? match[2]);
  assert.deepEqual(specifiers, ["./a.ts", "../b.ts", "./c.ts", "./d.ts"]);
});

test("the cycle finder reports a loop and passes a chain", () => {
  assert.deepEqual(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]])), [["a", "b", "c", "a"]]);
  assert.deepEqual(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", []]])), []);
});

test("every import in src/ runs down the layers", () => {
  const wrong: string[] = [];
  for (const [file, targets] of graph()) {
    for (const target of targets) {
      if (layerOf(target) > layerOf(file)) wrong.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("no files in src/ import each other, directly or in a loop", () => {
  assert.deepEqual(cycles(graph()).map((loop) => loop.join(" -> ")), []);
});
