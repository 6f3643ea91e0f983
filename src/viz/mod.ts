/**
 * Statechart export and the live inspector.
 *
 * - `toMermaid`, `toDot`, `toSvg`: draw any XState v5 machine from its definition (nested and
 *   parallel states, guards, delays, `always`, initial and final states), optionally with the
 *   current state highlighted.
 * - `startInspector`: a read-only web page showing each daemon's and the node's statechart with
 *   the current state, live counters and the log tail.
 *
 * @example
 * ```ts
 * import { daemonMachine, toMermaid, toSvg } from "@meshos/sdk/viz";
 * console.log(toMermaid(daemonMachine));
 * const svg = await toSvg(daemonMachine, { highlight: ["running.backpressured"], direction: "LR" });
 * ```
 *
 * @module
 */

export { daemonMachine } from "../actors/daemon_machine.ts";
export { maintenanceMachine } from "../actors/maintenance_machine.ts";
export { toMermaid } from "./to_mermaid.ts";
export { toDot } from "./to_dot.ts";
export { renderDotToSvg, toSvg } from "./to_svg.ts";
export type { ChartOptions } from "./chart_options.ts";
export { chartModel } from "./chart_model.ts";
export type { ChartModel, ChartState, ChartStateType, ChartTransition, ChartTransitionKind } from "./chart_model.ts";
export { guardLabel } from "./guard_label.ts";
export { findStatePath, resolveHighlight } from "./resolve_highlight.ts";
export type { ResolvedHighlight } from "./resolve_highlight.ts";
export { statePaths } from "./state_paths.ts";
export { BUILTIN_CHART_NAMES, BUILTIN_CHART_OPTIONS } from "./builtin_chart_options.ts";
export type { BuiltinChartName } from "./builtin_chart_options.ts";
export { builtinChart } from "./builtin_charts.ts";
export type { BuiltinChart } from "./builtin_charts.ts";
export { startInspector } from "./inspector_server.ts";
export type { Inspector, InspectorOptions } from "./inspector_server.ts";
export { chartKey, createInspectorHandler } from "./inspector_handler.ts";
export type { InspectorHandler, InspectorSource, InspectorUpdate } from "./inspector_handler.ts";
export { runVizCommand, VIZ_USAGE } from "./viz_command.ts";
export type { CommandIo, ExitCode, VizFormat } from "./viz_command.ts";
