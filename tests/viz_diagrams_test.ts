/**
 * The diagrams committed under docs/diagrams/ match what the built-in machines produce now.
 * After changing a machine, run `bun scripts/gen_diagrams.ts` and commit the result.
 */

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "./_harness.ts";
import { diagramFiles } from "../src/viz/diagram_files.ts";
import { withDiagrams } from "../scripts/readme_diagrams.ts";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));

test("docs/diagrams: every committed diagram is up to date with the machines", async () => {
  const files = await diagramFiles();
  assert.deepEqual(files.map((file) => file.path).sort(), [
    "docs/diagrams/daemon.mmd",
    "docs/diagrams/daemon.svg",
    "docs/diagrams/maintenance.mmd",
    "docs/diagrams/maintenance.svg",
  ]);
  const stale: string[] = [];
  for (const file of files) {
    const committed = await readFile(join(projectRoot, file.path), "utf8").catch(() => null);
    if (committed !== file.content) stale.push(committed === null ? `${file.path} (missing)` : file.path);
  }
  assert.deepEqual(
    stale,
    [],
    `stale diagrams: ${stale.join(", ")}; regenerate with \`bun scripts/gen_diagrams.ts\` ` +
      "(or `deno run --allow-read --allow-write scripts/gen_diagrams.ts`) and commit them",
  );
});

test("README.md: the embedded Mermaid statecharts are up to date with the machines", async () => {
  const readme = await readFile(join(projectRoot, "README.md"), "utf8");
  assert.ok(readme.includes("<!-- diagram:daemon -->") && readme.includes("<!-- diagram:maintenance -->"));
  assert.ok(
    readme === await withDiagrams(readme),
    "README.md diagrams are stale; regenerate with `bun scripts/gen_diagrams.ts` and commit",
  );
});
