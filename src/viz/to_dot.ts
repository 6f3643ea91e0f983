/**
 * Renders an XState v5 machine as Graphviz DOT.
 *
 * - Compound and parallel states are clusters (the regions of a parallel state dashed); edges to
 *   and from a composite state end at its border (`compound=true` with `lhead`/`ltail`).
 * - A dot marks each initial state; final states have a double border; history states are `H`
 *   or `H*` circles.
 * - Transitions are labelled `EVENT [guard]`, `after 500ms`, `always [guard]`, `onDone`; several
 *   transitions between the same two states share one edge with one label line each.
 * - Targetless transitions (actions only) are listed inside their state, under a rule, the way
 *   UML draws internal transitions; the machine root's are listed under the title.
 * - A transition from a composite state to one of its own descendants starts at an
 *   "any <state> state" marker inside the composite (for the root: "any state").
 *
 * @module
 */

import type { AnyStateMachine } from "xstate";
import { type ChartModel, type ChartState, type ChartTransition, chartModel } from "./chart_model.ts";
import type { ChartOptions } from "./chart_options.ts";
import { type ResolvedHighlight, resolveHighlight } from "./resolve_highlight.ts";

const FONT = "Helvetica";
const COLORS = {
  line: "#64748b",
  text: "#0f172a",
  muted: "#475569",
  edgeText: "#334155",
  fill: "#f8fafc",
  cluster: "#94a3b8",
  activeFill: "#fde68a",
  activeLine: "#b45309",
  activeText: "#78350f",
  containingFill: "#fffbeb",
} as const;

/**
 * Graphviz DOT source for a machine. Node ids are the dotted state paths. Each state's SVG
 * element gets `id="state:<path>"` and class `state` — plus `active` when highlighted, or
 * `containsActive` on the composite states around it — so a page can find the current state.
 *
 * @example
 * ```ts
 * const dot = toDot(maintenanceMachine, { highlight: ["Maintenance"], direction: "LR" });
 * console.log(dot.startsWith("digraph")); // true
 * ```
 */
export function toDot(machine: AnyStateMachine, options: ChartOptions = {}): string {
  const model = chartModel(machine);
  const highlight = resolveHighlight(model, options.highlight);
  const internal = internalTransitions(model);
  const title = options.title ?? model.id;
  const lines = [
    `digraph ${quote(model.id)} {`,
    `  graph [compound=true, rankdir=${options.direction ?? "TB"}, fontname=${quote(FONT)}, fontsize=13, ` +
    `labelloc=t, labeljust=l, nodesep=0.35, ranksep=0.45, pad=0.2, bgcolor="white", ` +
    `label=${titleLabel(title, internal.get("") ?? [])}];`,
    `  node [shape=box, style="rounded,filled", fillcolor=${quote(COLORS.fill)}, color=${quote(COLORS.line)}, ` +
    `fontcolor=${quote(COLORS.text)}, fontname=${quote(FONT)}, fontsize=11, height=0.34, margin="0.14,0.05"];`,
    `  edge [color=${quote(COLORS.line)}, fontcolor=${quote(COLORS.edgeText)}, fontname=${quote(FONT)}, ` +
    `fontsize=9, arrowsize=0.7];`,
  ];
  const context: RenderContext = { model, highlight, internal, lines };
  emitChildren(context, model.root, "  ");
  lines.push(...edgeLines(model));
  lines.push("}");
  return lines.join("\n") + "\n";
}

interface RenderContext {
  model: ChartModel;
  highlight: ResolvedHighlight;
  internal: Map<string, ChartTransition[]>;
  lines: string[];
}

function emitChildren(context: RenderContext, state: ChartState, indent: string): void {
  const { lines, model } = context;
  if (state.type === "compound" && state.initial !== null) {
    lines.push(`${indent}${quote(initialId(state.path))} [shape=point, width=0.11, color=${quote(COLORS.text)}];`);
    const initial = model.states.get(state.initial)!;
    lines.push(
      initial.children.length > 0
        ? `${indent}${quote(initialId(state.path))} -> ${quote(anchorId(initial.path))} [lhead=${quote(clusterId(initial.path))}];`
        : `${indent}${quote(initialId(state.path))} -> ${quote(initial.path)};`,
    );
  }
  if (state.path !== "" && state.children.length > 0) {
    // Edges to and from a composite state attach here and are clipped at the cluster border.
    lines.push(`${indent}${quote(anchorId(state.path))} [shape=point, style=invis, width=0.01, height=0.01];`);
  }
  if (model.transitions.some((transition) => transition.source === state.path && needsAnyMarker(model, transition))) {
    const text = state.path === "" ? "any state" : `any ${state.key} state`;
    lines.push(
      `${indent}${quote(anyId(state.path))} [label=${quote(text)}, shape=plaintext, style="", ` +
        `fontcolor=${quote(COLORS.muted)}, fontsize=10];`,
    );
  }
  for (const child of state.children) emitState(context, child, indent, state.type === "parallel");
}

function emitState(context: RenderContext, state: ChartState, indent: string, isRegion: boolean): void {
  const { lines, highlight, internal } = context;
  const isActive = highlight.active.has(state.path);
  const contains = highlight.containing.has(state.path);
  const classes = ["state", isActive ? "active" : "", contains ? "containsActive" : ""].filter(Boolean);
  const common = `id=${quote(`state:${state.path}`)}, class=${quote(classes.join(" "))}`;
  const internals = internal.get(state.path) ?? [];
  if (state.children.length > 0) {
    const styles = ["rounded", ...(isRegion ? ["dashed"] : []), ...(isActive || contains ? ["filled"] : [])];
    const name = state.type === "parallel" ? `${state.key} (parallel)` : state.key;
    lines.push(`${indent}subgraph ${quote(clusterId(state.path))} {`);
    lines.push(
      `${indent}  graph [${common}, label=${stateLabel(name, internals)}, style=${quote(styles.join(","))}, ` +
        `color=${quote(isActive || contains ? COLORS.activeLine : COLORS.cluster)}, ` +
        `penwidth=${isActive ? 2.5 : contains ? 2 : 1}, ` +
        `fillcolor=${quote(isActive ? COLORS.activeFill : COLORS.containingFill)}, fontcolor=${quote(COLORS.text)}];`,
    );
    emitChildren(context, state, `${indent}  `);
    lines.push(`${indent}}`);
    return;
  }
  const name = state.type === "history" ? (state.history === "deep" ? "H*" : "H") : state.key;
  const attributes = [`label=${stateLabel(name, internals)}`, common];
  if (state.type === "final") attributes.push("peripheries=2");
  if (state.type === "history") attributes.push("shape=circle", "width=0.3", "fixedsize=true");
  if (isActive) {
    attributes.push(
      `fillcolor=${quote(COLORS.activeFill)}, color=${quote(COLORS.activeLine)}, ` +
        `fontcolor=${quote(COLORS.activeText)}, penwidth=2.5`,
    );
  }
  lines.push(`${indent}${quote(state.path)} [${attributes.join(", ")}];`);
}

/** Targetless transitions by owning state: drawn inside the state, not as edges. */
function internalTransitions(model: ChartModel): Map<string, ChartTransition[]> {
  const bySource = new Map<string, ChartTransition[]>();
  for (const transition of model.transitions) {
    if (transition.targets.length > 0) continue;
    bySource.set(transition.source, [...(bySource.get(transition.source) ?? []), transition]);
  }
  return bySource;
}

/** A transition from a composite state (or the root) into its own subtree has no border to leave. */
function needsAnyMarker(model: ChartModel, transition: ChartTransition): boolean {
  const source = model.states.get(transition.source)!;
  return source.children.length > 0 &&
    transition.targets.some((target) => target !== source.path && isWithin(model, target, source.path));
}

interface Edge {
  tail: string;
  head: string;
  attributes: string[];
  labels: string[];
}

function edgeLines(model: ChartModel): string[] {
  const edges = new Map<string, Edge>();
  for (const transition of model.transitions) {
    for (const target of transition.targets) {
      const source = model.states.get(transition.source)!;
      const head = model.states.get(target)!;
      const tailIsCluster = source.path === "" || source.children.length > 0;
      const headIsCluster = head.children.length > 0;
      const fromAny = tailIsCluster && target !== source.path && isWithin(model, target, source.path);
      const attributes: string[] = [];
      // Clip at a cluster border only when the other end lies outside that cluster.
      if (tailIsCluster && !fromAny && !isWithin(model, target, source.path)) {
        attributes.push(`ltail=${quote(clusterId(source.path))}`);
      }
      if (headIsCluster && !isWithin(model, source.path, target)) attributes.push(`lhead=${quote(clusterId(target))}`);
      if (transition.kind === "always") attributes.push("style=dashed");
      const tail = fromAny ? anyId(source.path) : tailIsCluster ? anchorId(source.path) : source.path;
      const headId = headIsCluster ? anchorId(target) : target;
      const key = JSON.stringify([tail, headId, attributes]);
      const edge = edges.get(key) ?? { tail, head: headId, attributes, labels: [] };
      edge.labels.push(transition.label);
      edges.set(key, edge);
    }
  }
  return [...edges.values()].map((edge) =>
    `  ${quote(edge.tail)} -> ${quote(edge.head)} [${[`label=${quote(edge.labels.join("\n"))}`, ...edge.attributes].join(", ")}];`
  );
}

/** Whether `path` is `ancestor` or lies inside it. */
function isWithin(model: ChartModel, path: string, ancestor: string): boolean {
  let current: string | null = path;
  while (current !== null) {
    if (current === ancestor) return true;
    current = model.states.get(current)?.parent ?? null;
  }
  return false;
}

/** A plain label, or an HTML table with the internal transitions under a rule. */
function stateLabel(name: string, internals: ChartTransition[]): string {
  if (internals.length === 0) return quote(name);
  const rows = internals.map((transition) => `<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9">${html(transition.label)}</FONT></TD></TR>`);
  return `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1"><TR><TD>${html(name)}</TD></TR><HR/>${
    rows.join("")
  }</TABLE>>`;
}

function titleLabel(title: string, internals: ChartTransition[]): string {
  if (internals.length === 0) return quote(title);
  const lines = internals.map((transition) => `<BR ALIGN="LEFT"/><FONT POINT-SIZE="9">${html(transition.label)} (in any state)</FONT>`);
  return `<${html(title)}${lines.join("")}<BR ALIGN="LEFT"/>>`;
}

function initialId(path: string): string {
  return `${path}#initial`;
}

function anchorId(path: string): string {
  return `${path}#anchor`;
}

function anyId(path: string): string {
  return `${path}#any`;
}

function clusterId(path: string): string {
  return `cluster_${path}`;
}

/** A DOT double-quoted string; backslashes are escaped so labels never form `\l`-style escapes. */
function quote(text: string): string {
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replace(/\r?\n/g, "\\n")}"`;
}

function html(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}
