/**
 * Transition coverage for the statechart tests: walks a machine with `xstate/graph`, replays every
 * edge on a real actor (checking the state reached and what was emitted), and asserts that every
 * declared state is reached and every declared transition is taken.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type ActorLogic,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  createActor,
  type EventObject,
  type StateValue,
} from "xstate";
import { getAdjacencyMap, getShortestPaths } from "xstate/graph";

/** How {@linkcode assertEveryTransitionCovered} walks a machine and what it expects of each edge. */
export interface StatechartCoverageOptions<TSnapshot extends AnyMachineSnapshot, TEvent extends EventObject, TInput> {
  /** Input of the walk and of every replayed actor. */
  input: TInput;
  /** The events to try from a snapshot. */
  events: (snapshot: TSnapshot) => TEvent[];
  /** A finite abstraction of a snapshot: snapshots with the same string are one vertex of the walk. */
  serializeState: (snapshot: TSnapshot) => string;
  /** What a transition must emit, given the names of the actions it runs and the event that took it. */
  expectedEmits: (actionNames: string[], event: TEvent) => unknown[];
  /** How an emitted event is compared with `expectedEmits`; the whole event by default. */
  describeEmit?: (emitted: EventObject) => unknown;
}

/**
 * Walks `machine` from its initial state (a final state ends the walk) and replays every edge the
 * walk finds on a fresh actor along the shortest path to it. Fails when a replay lands elsewhere or
 * emits other events, when an ignored event moves the state, when a declared state is not reached,
 * or when a declared transition (each guarded branch counts) is never taken.
 *
 * @example
 * ```ts
 * assertEveryTransitionCovered(maintenanceMachine, {
 *   input: { now: 0, ...CONFIG },
 *   events: sampleEvents,
 *   serializeState: (s) => JSON.stringify(s.value),
 *   expectedEmits: () => [],
 * });
 * ```
 */
export function assertEveryTransitionCovered<TSnapshot extends AnyMachineSnapshot, TEvent extends EventObject, TInput>(
  machine: AnyStateMachine,
  options: StatechartCoverageOptions<TSnapshot, TEvent, TInput>,
): void {
  const { input, serializeState, expectedEmits, describeEmit = (emitted) => emitted } = options;
  const traversal = {
    input,
    events: options.events,
    serializeState,
    stopWhen: (snapshot: TSnapshot) => snapshot.status === "done",
  };
  // xstate/graph's typing cannot see through a machine's emitted-event type; the logic is the same.
  const logic = machine as unknown as ActorLogic<TSnapshot, TEvent, TInput>;
  const adjacency = getAdjacencyMap(logic, traversal);
  const pathTo = new Map(getShortestPaths(logic, traversal).map((path) => [serializeState(path.state), path]));
  const declared = declaredTransitions(machine);
  const covered = new Set<string>();
  const reached = new Set<string>();
  let replays = 0;

  for (const [key, vertex] of Object.entries(adjacency)) {
    activeStateIds(machine.root, vertex.state.value).forEach((id) => reached.add(id));
    if (vertex.state.status === "done") continue;
    const path = pathTo.get(key);
    assert.ok(path, `no path to ${key}`);
    const edges = Object.values(vertex.transitions) as { event: TEvent; state: TSnapshot }[];
    for (const { event, state: next } of edges) {
      const taken = machine.getTransitionData(vertex.state, event);
      if (taken.length === 0) {
        assert.deepEqual(next.value, vertex.state.value, `ignored ${event.type} must not move ${key}`);
        continue;
      }
      taken.forEach((definition) => covered.add(keyOfTaken(definition)));
      const actor = createActor(logic, { input });
      const emitted: EventObject[] = [];
      actor.on("*", (event) => emitted.push(event));
      actor.start();
      for (const step of path.steps) {
        if (!step.event.type.startsWith("xstate.")) actor.send(step.event);
      }
      assert.equal(serializeState(actor.getSnapshot()), key);
      emitted.length = 0;
      actor.send(event);
      const landed = actor.getSnapshot();
      assert.deepEqual(landed.value, next.value, `${key} + ${JSON.stringify(event)}`);
      assert.equal(serializeState(landed), serializeState(next), `${key} + ${JSON.stringify(event)}`);
      assert.deepEqual(
        emitted.map(describeEmit),
        expectedEmits(taken.flatMap(actionNames), event),
        `emits of ${key} + ${event.type}`,
      );
      actor.stop();
      replays++;
    }
  }

  const declaredStates = allStateNodes(machine.root).slice(1).map((node) => node.id);
  assert.deepEqual([...reached].sort(), [...declaredStates].sort(), "reachable states = declared states");
  assert.deepEqual([...declared].filter((k) => !covered.has(k)), [], "every declared transition is taken by the walk");
  assert.deepEqual([...covered].filter((k) => !declared.has(k)), []);
  assert.ok(declared.size > 0 && replays >= declared.size);
}

function allStateNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((child) => allStateNodes(child as AnyStateNode))];
}

/** Ids of the state nodes active in `value` (each leaf and its ancestors below `node`). */
function activeStateIds(node: AnyStateNode, value: StateValue): string[] {
  if (typeof value === "string") return [node.states[value].id];
  return Object.entries(value).flatMap(([name, childValue]) => {
    const child = node.states[name] as AnyStateNode;
    return childValue === undefined ? [child.id] : [child.id, ...activeStateIds(child, childValue)];
  });
}

function declaredTransitions(machine: AnyStateMachine): Set<string> {
  const declared = new Set<string>();
  for (const node of allStateNodes(machine.root)) {
    for (const [eventType, definitions] of node.transitions) {
      definitions.forEach((definition, index) => declared.add(transitionKey(node, eventType, index, definition)));
    }
  }
  return declared;
}

/** One key per declared branch: `<source id> --<event>#<branch>--> <target ids>`. */
function transitionKey(
  node: AnyStateNode,
  eventType: string,
  index: number,
  definition: { target?: readonly AnyStateNode[] },
): string {
  const targets = definition.target?.map((target) => target.id).join(",") ?? "(stay)";
  return `${node.id} --${eventType}#${index}--> ${targets}`;
}

function keyOfTaken(
  definition: { source: AnyStateNode; eventType: string; target?: readonly AnyStateNode[] },
): string {
  const index = definition.source.transitions.get(definition.eventType)!.indexOf(definition as never);
  return transitionKey(definition.source, definition.eventType, index, definition);
}

function actionNames(definition: { actions: readonly unknown[] }): string[] {
  return definition.actions.map((action) => typeof action === "string" ? action : (action as { type: string }).type);
}
