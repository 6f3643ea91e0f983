/**
 * Renders an XState v5 machine as a Mermaid `stateDiagram-v2`: compound states as composite
 * states, parallel regions split by `--`, `[*]` for initial and final states, and every
 * transition labelled with its trigger and guard.
 *
 * @module
 */

import type { AnyStateMachine } from "xstate";
import { type ChartModel, type ChartState, type ChartTransition, chartModel } from "./chart_model.ts";
import type { ChartOptions } from "./chart_options.ts";
import { resolveHighlight } from "./resolve_highlight.ts";

/** Where a statement goes: a composite state's block (by path) or the top of the diagram. */
const TOP = "\u0000top";
const INDENT = "  ";

/**
 * Mermaid `stateDiagram-v2` source for a machine. State ids are the dotted paths with `_` for
 * `.` (e.g. `running_backpressured`), labelled with the state's own key. Highlighted states get
 * the `active` class and their ancestors the `containsActive` class.
 *
 * @example
 * ```ts
 * const source = toMermaid(daemonMachine, { highlight: ["running"] });
 * await Deno.writeTextFile("daemon.mmd", source);
 * ```
 */
export function toMermaid(machine: AnyStateMachine, options: ChartOptions = {}): string {
  const model = chartModel(machine);
  const wrapRoot = model.transitions.some((transition) => transition.source === "");
  const ids = mermaidIds(model);
  const byBlock = groupByBlock(model, wrapRoot);
  const lines = ["stateDiagram-v2"];
  const title = options.title ?? model.id;
  if (title) lines.unshift("---", `title: ${oneLine(title)}`, "---");
  if (options.direction === "LR") lines.push(`${INDENT}direction LR`);
  lines.push(`${INDENT}classDef active fill:#fde68a,stroke:#b45309,stroke-width:3px,font-weight:bold`);
  lines.push(`${INDENT}classDef containsActive stroke:#b45309,stroke-width:2px`);

  const emitEdges = (block: string, indent: string) => {
    for (const transition of byBlock.get(block) ?? []) {
      const source = ids.get(transition.source)!;
      const targets = transition.targets.length === 0 ? [transition.source] : transition.targets;
      for (const target of targets) {
        lines.push(`${indent}${source} --> ${ids.get(target)!} : ${edgeLabel(transition.label)}`);
      }
    }
  };

  const emitChildren = (state: ChartState, indent: string) => {
    if (state.type === "compound" && state.initial !== null) {
      lines.push(`${indent}[*] --> ${ids.get(state.initial)!}`);
    }
    state.children.forEach((child, index) => {
      if (state.type === "parallel" && index > 0) lines.push(`${indent}--`);
      emitState(child, indent);
    });
    emitEdges(state.path === "" && !wrapRoot ? TOP : state.path, indent);
  };

  const emitState = (state: ChartState, indent: string) => {
    const id = ids.get(state.path)!;
    const label = stateLabel(state);
    if (state.children.length > 0) {
      lines.push(`${indent}state "${label}" as ${id} {`);
      emitChildren(state, indent + INDENT);
      lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}state "${label}" as ${id}`);
    }
    if (state.type === "final") lines.push(`${indent}${id} --> [*]`);
  };

  if (wrapRoot) {
    lines.push(`${INDENT}[*] --> ${ids.get("")!}`);
    emitState(model.root, INDENT);
    emitEdges(TOP, INDENT);
  } else {
    emitChildren(model.root, INDENT);
  }

  const { active, containing } = resolveHighlight(model, options.highlight);
  if (active.size > 0) lines.push(`${INDENT}class ${[...active].map((path) => ids.get(path)!).join(",")} active`);
  if (containing.size > 0) {
    lines.push(`${INDENT}class ${[...containing].map((path) => ids.get(path)!).join(",")} containsActive`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Groups transitions by the innermost composite block that strictly contains both ends, so
 * Mermaid sees every state declared where it belongs before an edge mentions it.
 */
function groupByBlock(model: ChartModel, wrapRoot: boolean): Map<string, ChartTransition[]> {
  const groups = new Map<string, ChartTransition[]>();
  for (const transition of model.transitions) {
    const ends = [transition.source, ...transition.targets];
    let block = commonStrictAncestor(model, ends);
    if (block === null || (block === "" && !wrapRoot)) block = TOP;
    const group = groups.get(block) ?? [];
    group.push(transition);
    groups.set(block, group);
  }
  return groups;
}

function commonStrictAncestor(model: ChartModel, paths: string[]): string | null {
  const chains = paths.map((path) => strictAncestors(model, path));
  const [first, ...rest] = chains;
  // Deepest first: the first ancestor of `first` that every other chain also holds.
  return first.find((candidate) => rest.every((chain) => chain.includes(candidate))) ?? null;
}

function strictAncestors(model: ChartModel, path: string): string[] {
  const chain: string[] = [];
  let parent = model.states.get(path)?.parent ?? null;
  while (parent !== null) {
    chain.push(parent);
    parent = model.states.get(parent)?.parent ?? null;
  }
  return chain;
}

/** Unique Mermaid identifiers: the path with `_` for separators, de-duplicated by suffix. */
function mermaidIds(model: ChartModel): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const path of model.states.keys()) {
    let base = (path === "" ? model.id : path).replace(/[^A-Za-z0-9_]/g, "_");
    if (!/^[A-Za-z]/.test(base)) base = `s_${base}`;
    let id = base;
    for (let suffix = 2; taken.has(id); suffix++) id = `${base}_${suffix}`;
    taken.add(id);
    ids.set(path, id);
  }
  return ids;
}

function stateLabel(state: ChartState): string {
  if (state.type === "history") return state.history === "deep" ? "H*" : "H";
  return oneLine(state.key).replaceAll('"', "'");
}

/** Mermaid reads an edge label to the end of the line; `;` and `#` would start new syntax. */
function edgeLabel(label: string): string {
  return oneLine(label).replaceAll(";", ",").replaceAll("#", "");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
