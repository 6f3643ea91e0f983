/**
 * A renderer-neutral picture of an XState v5 machine, read from its definition (`machine.root`
 * and its state nodes): every state with its kind and initial child, and every transition with
 * the label a diagram shows (`START [isReady]`, `after 500ms`, `always [isIdle]`, `onDone`).
 * `toMermaid` and `toDot` both draw from this, so the two formats never disagree.
 *
 * @module
 */

import type { AnyStateMachine } from "xstate";
import { guardLabel } from "./guard_label.ts";

/**
 * The kind of a state node, as XState names it.
 *
 * @example
 * ```ts
 * const kind: ChartStateType = chartModel(daemonMachine).states.get("running")!.type; // "compound"
 * ```
 */
export type ChartStateType = "atomic" | "compound" | "parallel" | "final" | "history";

/**
 * One state of the chart.
 *
 * @example
 * ```ts
 * const running: ChartState = chartModel(daemonMachine).states.get("running")!;
 * running.children.map((child) => child.path); // ["running.normal", "running.backpressured"]
 * ```
 */
export interface ChartState {
  /** Dotted path from the root, e.g. `running.backpressured`; `""` for the machine itself. */
  path: string;
  /** The state's own key (last path segment); the machine id for the root. */
  key: string;
  type: ChartStateType;
  /** `"shallow"`/`"deep"` for history states, else `false`. */
  history: false | "shallow" | "deep";
  /** Child states in document order. */
  children: ChartState[];
  /** Path of the initial child of a compound state, else `null`. */
  initial: string | null;
  /** Path of the parent; `null` for the root. */
  parent: string | null;
}

/**
 * What made a transition fire.
 *
 * @example
 * ```ts
 * const delayed = chartModel(machine).transitions.filter((t) => t.kind === ("after" satisfies ChartTransitionKind));
 * ```
 */
export type ChartTransitionKind = "event" | "after" | "always" | "done" | "error";

/**
 * One transition; a transition with several targets appears once with all of them.
 *
 * @example
 * ```ts
 * const labels = chartModel(maintenanceMachine).transitions.map((t: ChartTransition) => t.label);
 * // ["admin.enter", "observed [observedTargetIs(EnteringMaintenance)]", …]
 * ```
 */
export interface ChartTransition {
  /** Path of the state that owns the transition (`""` for the machine root). */
  source: string;
  /** Target paths; empty for a targetless transition (actions only, drawn as a self-loop). */
  targets: string[];
  kind: ChartTransitionKind;
  /** The raw event type, e.g. `START` or `xstate.after.500.daemon.running`. */
  eventType: string;
  /** Guard text (see `guardLabel`), or `null`. */
  guard: string | null;
  /** The label without the guard: `START`, `after 500ms`, `always`, `onDone`. */
  trigger: string;
  /** The label a diagram shows: trigger plus ` [guard]` when guarded. */
  label: string;
}

/**
 * The whole chart.
 *
 * @example
 * ```ts
 * const model: ChartModel = chartModel(daemonMachine);
 * console.log(model.id, model.states.size, model.transitions.length);
 * ```
 */
export interface ChartModel {
  /** The machine's id. */
  id: string;
  root: ChartState;
  /** Every state by path, root included under `""`. */
  states: Map<string, ChartState>;
  /** Transitions in document order (state order, then `on`, `after`, `always`). */
  transitions: ChartTransition[];
}

/** The shape of a state node this module reads; `machine.root` and its descendants satisfy it. */
interface StateNodeLike {
  key: string;
  type: ChartStateType;
  path: string[];
  history: false | "shallow" | "deep";
  states: Record<string, StateNodeLike>;
  initial?: { target?: ReadonlyArray<StateNodeLike> };
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
  invoke: Array<{ id: string; src: unknown }>;
}

interface TransitionLike {
  target?: ReadonlyArray<StateNodeLike>;
  guard?: unknown;
  delay?: unknown;
  eventType: string;
}

const AFTER_PREFIX = "xstate.after.";
const DONE_STATE_PREFIX = "xstate.done.state.";
const DONE_ACTOR_PREFIX = "xstate.done.actor.";
const ERROR_ACTOR_PREFIX = "xstate.error.actor.";

/**
 * Reads a machine's definition into a `ChartModel`.
 *
 * @example
 * ```ts
 * import { createMachine } from "xstate";
 * const model = chartModel(createMachine({ id: "door", initial: "shut", states: { shut: { on: { OPEN: "open" } }, open: {} } }));
 * model.transitions[0].label; // "OPEN"
 * model.states.get("open")?.type; // "atomic"
 * ```
 */
export function chartModel(machine: AnyStateMachine): ChartModel {
  const root = machine.root as unknown as StateNodeLike;
  const states = new Map<string, ChartState>();
  const transitions: ChartTransition[] = [];
  const delays = (machine.implementations?.delays ?? {}) as Record<string, unknown>;

  const visit = (node: StateNodeLike, parent: string | null): ChartState => {
    const path = node.path.join(".");
    const state: ChartState = {
      path,
      key: parent === null ? machine.id : node.key,
      type: node.type,
      history: node.history,
      children: [],
      initial: node.type === "compound" ? pathOf(node.initial?.target?.[0]) : null,
      parent,
    };
    states.set(path, state);
    for (const definitions of node.transitions.values()) {
      for (const definition of definitions) transitions.push(describe(node, definition, delays));
    }
    for (const definition of node.always ?? []) transitions.push(describe(node, definition, delays));
    state.children = Object.values(node.states).map((child) => visit(child, path));
    return state;
  };

  const rootState = visit(root, null);
  return { id: machine.id, root: rootState, states, transitions };
}

function pathOf(node: StateNodeLike | undefined): string | null {
  return node ? node.path.join(".") : null;
}

function describe(
  node: StateNodeLike,
  definition: TransitionLike,
  delays: Record<string, unknown>,
): ChartTransition {
  const { kind, trigger } = triggerOf(node, definition, delays);
  const guard = guardLabel(definition.guard);
  return {
    source: node.path.join("."),
    targets: (definition.target ?? []).map((target) => target.path.join(".")),
    kind,
    eventType: definition.eventType,
    guard,
    trigger,
    label: guard === null ? trigger : `${trigger} [${guard}]`,
  };
}

function triggerOf(
  node: StateNodeLike,
  definition: TransitionLike,
  delays: Record<string, unknown>,
): { kind: ChartTransitionKind; trigger: string } {
  const eventType = definition.eventType;
  // `always` transitions carry an empty event type; everything else is keyed by its event.
  if (!eventType) return { kind: "always", trigger: "always" };
  if (eventType.startsWith(AFTER_PREFIX) || "delay" in definition) {
    return { kind: "after", trigger: `after ${delayText(definition.delay, delays)}` };
  }
  if (eventType.startsWith(DONE_STATE_PREFIX)) return { kind: "done", trigger: "onDone" };
  if (eventType.startsWith(DONE_ACTOR_PREFIX)) {
    return { kind: "done", trigger: `onDone(${invokeName(node, eventType.slice(DONE_ACTOR_PREFIX.length))})` };
  }
  if (eventType.startsWith(ERROR_ACTOR_PREFIX)) {
    return { kind: "error", trigger: `onError(${invokeName(node, eventType.slice(ERROR_ACTOR_PREFIX.length))})` };
  }
  return { kind: "event", trigger: eventType };
}

function delayText(delay: unknown, delays: Record<string, unknown>): string {
  if (typeof delay === "number") return `${delay}ms`;
  if (typeof delay === "string") {
    const known = delays[delay];
    return typeof known === "number" ? `${delay} (${known}ms)` : delay;
  }
  return "(dynamic delay)";
}

function invokeName(node: StateNodeLike, invokeId: string): string {
  const invoke = node.invoke.find((candidate) => candidate.id === invokeId);
  return invoke && typeof invoke.src === "string" ? invoke.src : invokeId;
}
