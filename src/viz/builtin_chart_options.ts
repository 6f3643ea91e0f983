/**
 * How each built-in statechart is laid out, kept apart from the machines themselves so a renderer
 * can use it without loading them.
 *
 * @module
 */

import type { ChartOptions } from "./chart_options.ts";

/**
 * Name of a built-in statechart.
 *
 * @example
 * ```ts
 * const name: BuiltinChartName = "maintenance";
 * ```
 */
export type BuiltinChartName = "daemon" | "maintenance";

/**
 * Names of the built-in statecharts, in the order the CLI prints them.
 *
 * @example
 * ```ts
 * for (const name of BUILTIN_CHART_NAMES) console.log(toMermaid(builtinChart(name).machine));
 * ```
 */
export const BUILTIN_CHART_NAMES: readonly BuiltinChartName[] = ["daemon", "maintenance"];

/**
 * Layout per built-in chart: the daemon lifecycle has many cross edges and reads left-to-right;
 * the maintenance cycle reads top-to-bottom.
 *
 * @example
 * ```ts
 * const svg = await toSvg(daemonMachine, { ...BUILTIN_CHART_OPTIONS.daemon, highlight: ["running.normal"] });
 * ```
 */
export const BUILTIN_CHART_OPTIONS: Readonly<Record<BuiltinChartName, ChartOptions>> = {
  daemon: { direction: "LR" },
  maintenance: { direction: "TB" },
};
