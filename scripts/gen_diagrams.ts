/**
 * Regenerates `docs/diagrams/{daemon,maintenance}.{mmd,svg}` and the Mermaid blocks of README.md
 * from the built-in machines.
 * `tests/viz_diagrams_test.ts` fails while a committed diagram differs from this output.
 *
 * Run from the project root: `bun scripts/gen_diagrams.ts` or
 * `deno run --allow-read --allow-write scripts/gen_diagrams.ts`.
 *
 * @module
 */

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { diagramFiles } from "../src/viz/diagram_files.ts";
import { withDiagrams } from "./readme_diagrams.ts";

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

for (const file of await diagramFiles()) {
  const path = join(projectRoot, file.path);
  const current = await readFile(path, "utf8").catch(() => null);
  if (current === file.content) {
    process.stdout.write(`unchanged ${file.path}\n`);
    continue;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, file.content);
  process.stdout.write(`wrote ${file.path}\n`);
}

const readmePath = join(projectRoot, "README.md");
const readme = await readFile(readmePath, "utf8");
const updated = await withDiagrams(readme);
if (updated !== readme) await writeFile(readmePath, updated);
process.stdout.write(`${updated === readme ? "unchanged" : "wrote"} README.md diagrams\n`);
