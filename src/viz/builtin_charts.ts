/**
 * The SDK's own statecharts, by the names the CLI and the inspector use, each with the layout
 * that reads best for it.
 *
 * @module
 */

import type { AnyStateMachine } from "xstate";
import { daemonMachine } from "../actors/daemon_machine.ts";
import { maintenanceMachine } from "../actors/maintenance_machine.ts";
import type { ChartOptions } from "./chart_options.ts";

/** Name of a built-in statechart. */
export type BuiltinChartName = "daemon" | "maintenance";

/** A built-in statechart and its default drawing options. */
export interface BuiltinChart {
  name: BuiltinChartName;
  machine: AnyStateMachine;
  /** Defaults for `toMermaid`/`toDot`/`toSvg`; callers' options override them. */
  options: ChartOptions;
}

/** Names of the built-in statecharts, in the order the CLI prints them. */
export const BUILTIN_CHART_NAMES: readonly BuiltinChartName[] = ["daemon", "maintenance"];

/**
 * Layout per built-in chart: the daemon lifecycle has many cross edges and reads left-to-right;
 * the maintenance cycle reads top-to-bottom.
 */
export const BUILTIN_CHART_OPTIONS: Readonly<Record<BuiltinChartName, ChartOptions>> = {
  daemon: { direction: "LR" },
  maintenance: { direction: "TB" },
};

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
