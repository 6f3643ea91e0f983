/**
 * The committed diagrams under `docs/diagrams/`: what `scripts/gen_diagrams.ts` writes and what
 * `tests/viz_diagrams_test.ts` compares against.
 *
 * @module
 */

import { BUILTIN_CHART_NAMES } from "./builtin_chart_options.ts";
import { builtinChart } from "./builtin_charts.ts";
import { toMermaid } from "./to_mermaid.ts";
import { toSvg } from "./to_svg.ts";

/**
 * Folder of the committed diagrams, relative to the project root.
 *
 * @example
 * ```ts
 * const daemonSvg = `${DIAGRAMS_DIR}/daemon.svg`;
 * ```
 */
export const DIAGRAMS_DIR = "docs/diagrams";

/**
 * One generated file: its path relative to the project root and its exact text.
 *
 * @example
 * ```ts
 * const [first]: DiagramFile[] = await diagramFiles();
 * console.log(first.path); // "docs/diagrams/daemon.mmd"
 * ```
 */
export interface DiagramFile {
  path: string;
  content: string;
}

/**
 * Mermaid and SVG for every built-in machine, as they should be committed now.
 *
 * @example
 * ```ts
 * for (const file of await diagramFiles()) console.log(file.path); // docs/diagrams/daemon.mmd, …
 * ```
 */
export async function diagramFiles(): Promise<DiagramFile[]> {
  const files: DiagramFile[] = [];
  for (const name of BUILTIN_CHART_NAMES) {
    const { machine, options } = builtinChart(name);
    files.push({ path: `${DIAGRAMS_DIR}/${name}.mmd`, content: toMermaid(machine, options) });
    files.push({ path: `${DIAGRAMS_DIR}/${name}.svg`, content: await toSvg(machine, options) });
  }
  return files;
}
