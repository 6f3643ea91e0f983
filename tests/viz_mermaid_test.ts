/**
 * `toMermaid`: the output parses with Mermaid itself (happy-dom window installed first, as Mermaid
 * needs a DOM to load) and shows every state and every transition of the machine.
 */

import assert from "node:assert/strict";
import { Window } from "happy-dom";
import type { AnyStateMachine } from "xstate";
import { test } from "./_harness.ts";
import { daemonMachine } from "../src/actors/daemon_machine.ts";
import { maintenanceMachine } from "../src/actors/maintenance_machine.ts";
import { pipelineMachine, supervisorMachine } from "./_viz_fixtures/sample_machines.ts";
import { chartModel } from "../src/viz/chart_model.ts";
import { toMermaid } from "../src/viz/to_mermaid.ts";

// Mermaid reads `window`/`document` at import time (DOMPurify); without them even valid input
// fails with "DOMPurify.addHook is not a function". The globals are removed again once it is
// loaded: `bun test` runs every file in one process, and other suites must not see a DOM.
const happyWindow = new Window();
const globals = globalThis as Record<string, unknown>;
const installed: string[] = [];
for (const name of ["window", "document", "navigator", "Element", "HTMLElement", "SVGElement", "DOMParser"]) {
  if (name in globals) continue;
  globals[name] = (happyWindow as unknown as Record<string, unknown>)[name];
  installed.push(name);
}
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
for (const name of installed) delete globals[name];

const MACHINES: Record<string, AnyStateMachine> = {
  daemon: daemonMachine as unknown as AnyStateMachine,
  maintenance: maintenanceMachine as unknown as AnyStateMachine,
  pipeline: pipelineMachine as unknown as AnyStateMachine,
  supervisor: supervisorMachine as unknown as AnyStateMachine,
};

interface ParsedMermaid {
  /** Declared id → label. */
  labels: Map<string, string>;
  /** `source label|target label|edge label`, one per edge line. */
  edges: string[];
  /** Ids marked `active`. */
  active: string[];
}

/** Reads back the statements `toMermaid` writes, independently of how it picks ids. */
function readMermaid(source: string): ParsedMermaid {
  const labels = new Map<string, string>();
  const rawEdges: Array<[string, string, string]> = [];
  const active: string[] = [];
  for (const line of source.split("\n").map((text) => text.trim())) {
    const declaration = /^state "([^"]*)" as (\S+)/.exec(line);
    if (declaration) labels.set(declaration[2], declaration[1]);
    const edge = /^(\S+) --> (\S+) : (.*)$/.exec(line);
    if (edge) rawEdges.push([edge[1], edge[2], edge[3]]);
    const marked = /^class (\S+) active$/.exec(line);
    if (marked) active.push(...marked[1].split(","));
  }
  const edges = rawEdges.map(([from, to, label]) => `${labels.get(from)}|${labels.get(to)}|${label}`);
  return { labels, edges, active };
}

for (const [name, machine] of Object.entries(MACHINES)) {
  test(`toMermaid(${name}): mermaid.parse accepts it, plain and highlighted`, async () => {
    const model = chartModel(machine);
    const someLeaf = [...model.states.values()].find((state) => state.children.length === 0)!;
    for (const source of [toMermaid(machine), toMermaid(machine, { highlight: [someLeaf.path], direction: "LR" })]) {
      const result = await mermaid.parse(source);
      assert.ok(result, `mermaid.parse rejected:\n${source}`);
      assert.equal((result as { diagramType: string }).diagramType, "stateDiagram");
    }
  });

  test(`toMermaid(${name}): every state and every transition appears`, () => {
    const model = chartModel(machine);
    const parsed = readMermaid(toMermaid(machine));
    const declared = [...parsed.labels.values()];
    for (const state of model.states.values()) {
      if (state.path === "") continue;
      const label = state.type === "history" ? (state.history === "deep" ? "H*" : "H") : state.key;
      assert.ok(declared.includes(label.replaceAll('"', "'")), `state ${state.path} missing`);
    }
    const expected: string[] = [];
    for (const transition of model.transitions) {
      const source = model.states.get(transition.source)!.key;
      const targets = transition.targets.length === 0 ? [transition.source] : transition.targets;
      for (const target of targets) expected.push(`${source}|${model.states.get(target)!.key}|${transition.label}`);
    }
    assert.deepEqual([...parsed.edges].sort(), expected.sort());
  });
}

test("toMermaid: guards, delays, always, invoke results, parallel regions and final states are drawn", () => {
  const source = toMermaid(pipelineMachine as unknown as AnyStateMachine);
  for (
    const text of [
      "idle --> loading : START [hasConfig]",
      "idle --> working : SKIP [hasConfig && !isPaused]",
      "working_fetch_waiting --> working_fetch_polling : after 500ms",
      "working_fetch_polling --> working_fetch_waiting : always [queueEmpty || in(working.emit.sent)]",
      "failed --> loading : after retryDelay (1000ms)",
      "loading --> working : onDone(loadConfig)",
      "loading --> failed : onError(loadConfig)",
      "working --> finished : onDone",
      "working_fetch_fetched --> [*]",
      "finished --> [*]",
      "[*] --> idle",
      "[*] --> working_fetch_waiting",
    ]
  ) assert.ok(source.includes(text), `missing ${JSON.stringify(text)} in\n${source}`);
  // The two regions of the parallel state sit in one composite, split by "--".
  const working = source.slice(source.indexOf('state "working" as working {'));
  assert.match(working, /state "fetch" as working_fetch \{[\s\S]*\n\s*--\n\s*state "emit" as working_emit \{/);
});

test("toMermaid: a machine with root transitions is wrapped in a composite named after it", () => {
  const source = toMermaid(supervisorMachine as unknown as AnyStateMachine);
  assert.match(source, /\[\*\] --> supervisor\n\s*state "supervisor" as supervisor \{/);
  assert.ok(source.includes("supervisor --> end : ctl.halt"));
  assert.ok(source.includes('state "1st" as s_1st') || source.includes('state "1st" as up_1st'));
});

test("toMermaid: highlight marks the state active and its ancestors as containing it", () => {
  const source = toMermaid(daemonMachine as unknown as AnyStateMachine, { highlight: ["running.backpressured"] });
  const parsed = readMermaid(source);
  assert.deepEqual(parsed.active.map((id) => parsed.labels.get(id)), ["backpressured"]);
  assert.match(source, /^\s*class running containsActive$/m);
  const none = readMermaid(toMermaid(daemonMachine as unknown as AnyStateMachine, { highlight: ["no.such.state"] }));
  assert.deepEqual(none.active, []);
});

test("mermaid.parse really validates: a broken diagram is rejected", async () => {
  await assert.rejects(() => Promise.resolve(mermaid.parse("stateDiagram-v2\n  state broken {\n  --> x\n")));
});
