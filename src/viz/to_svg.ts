/**
 * Renders a machine to SVG with Graphviz compiled to WebAssembly (`@viz-js/viz`): offline, and
 * byte-identical under Bun and Deno.
 *
 * @module
 */

import { instance, type Viz } from "@viz-js/viz";
import type { AnyStateMachine } from "xstate";
import type { ChartOptions } from "./chart_options.ts";
import { toDot } from "./to_dot.ts";

let vizInstance: Promise<Viz> | null = null;

/** The Graphviz instance, created once per process: compiling the wasm is the slow part. */
function graphviz(): Promise<Viz> {
  vizInstance ??= instance();
  return vizInstance;
}

/**
 * A standalone SVG document of the machine's `toDot` chart. Highlighted states carry the
 * classes `state active` on their `<g>` element (see `toDot`).
 *
 * @example
 * ```ts
 * const svg = await toSvg(daemonMachine, { highlight: ["running"] });
 * await Deno.writeTextFile("daemon.svg", svg);
 * ```
 */
export async function toSvg(machine: AnyStateMachine, options: ChartOptions = {}): Promise<string> {
  return await renderDotToSvg(toDot(machine, options));
}

/**
 * Renders DOT source to SVG; throws with Graphviz's own messages when the source is invalid.
 *
 * @example
 * ```ts
 * const svg = await renderDotToSvg('digraph { a -> b }');
 * ```
 */
export async function renderDotToSvg(dot: string): Promise<string> {
  const viz = await graphviz();
  const result = viz.render(dot, { format: "svg" });
  if (result.status !== "success") {
    const messages = result.errors.map((error) => `${error.level ?? "error"}: ${error.message}`).join("; ");
    throw new Error(`Graphviz could not render the chart: ${messages || "no message"}`);
  }
  return result.output;
}
