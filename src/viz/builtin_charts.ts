/**
 * The SDK's own statecharts, by the names the CLI and the inspector use, each with the layout
 * that reads best for it.
 *
 * @module
 */

import type { AnyStateMachine } from "xstate";
import { daemonMachine } from "../actors/daemon_machine.ts";
import { maintenanceMachine } from "../actors/maintenance_machine.ts";
import { BUILTIN_CHART_OPTIONS, type BuiltinChartName } from "./builtin_chart_options.ts";
import type { ChartOptions } from "./chart_options.ts";

/**
 * A built-in statechart and its default drawing options.
 *
 * @example
 * ```ts
 * const chart: BuiltinChart = builtinChart("daemon");
 * console.log(chart.options.direction); // "LR"
 * ```
 */
export interface BuiltinChart {
  name: BuiltinChartName;
  machine: AnyStateMachine;
  /** Defaults for `toMermaid`/`toDot`/`toSvg`; callers' options override them. */
  options: ChartOptions;
}

/**
 * The built-in chart with this name.
 *
 * @example
 * ```ts
 * const { machine, options } = builtinChart("daemon");
 * const svg = await toSvg(machine, { ...options, highlight: ["running.normal"] });
 * ```
 */
export function builtinChart(name: BuiltinChartName): BuiltinChart {
  const machine = name === "daemon" ? daemonMachine : maintenanceMachine;
  return { name, machine: machine as unknown as AnyStateMachine, options: BUILTIN_CHART_OPTIONS[name] };
}
