/**
 * The README embeds the built-in statecharts as Mermaid blocks between
 * `<!-- diagram:NAME -->` and `<!-- /diagram:NAME -->` markers. `withDiagrams` returns the README
 * with those blocks set to what the machines produce now; `scripts/gen_diagrams.ts` writes it and
 * `tests/viz_diagrams_test.ts` fails while the committed README differs.
 *
 * @module
 */

import { diagramFiles } from "../src/viz/diagram_files.ts";

/** `readme` with every marked diagram block replaced by the current Mermaid source. */
export async function withDiagrams(readme: string): Promise<string> {
  let out = readme;
  for (const file of await diagramFiles()) {
    const name = file.path.match(/([a-z_]+)\.mmd$/)?.[1];
    if (!name) continue;
    const open = `<!-- diagram:${name} -->`;
    const close = `<!-- /diagram:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${open} … ${close}`);
    const block = `${open}\n\`\`\`mermaid\n${file.content.trimEnd()}\n\`\`\`\n`;
    out = out.slice(0, start) + block + out.slice(end);
  }
  return out;
}
