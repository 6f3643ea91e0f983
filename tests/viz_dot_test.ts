/**
 * `toDot`/`toSvg` and the chart model under them: Graphviz renders every chart without a single
 * warning, every state and transition shows in the SVG, and highlighting marks the right state.
 */

import assert from "node:assert/strict";
import { instance } from "@viz-js/viz";
import { and, createMachine, not, or, stateIn } from "xstate";
import type { AnyStateMachine } from "xstate";
import { test } from "./_harness.ts";
import { daemonMachine } from "../src/actors/daemon_machine.ts";
import { maintenanceMachine } from "../src/actors/maintenance_machine.ts";
import { pipelineMachine, supervisorMachine } from "./_viz_fixtures/sample_machines.ts";
import { chartModel } from "../src/viz/chart_model.ts";
import { guardLabel } from "../src/viz/guard_label.ts";
import { findStatePath, resolveHighlight } from "../src/viz/resolve_highlight.ts";
import { statePaths } from "../src/viz/state_paths.ts";
import { toDot } from "../src/viz/to_dot.ts";
import { renderDotToSvg, toSvg } from "../src/viz/to_svg.ts";

const MACHINES: Record<string, AnyStateMachine> = {
  daemon: daemonMachine as unknown as AnyStateMachine,
  maintenance: maintenanceMachine as unknown as AnyStateMachine,
  pipeline: pipelineMachine as unknown as AnyStateMachine,
  supervisor: supervisorMachine as unknown as AnyStateMachine,
};

const viz = await instance();

/** The text content of every `<text>` element, entities decoded. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(([, text]) =>
    text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&#45;", "-")
      .replaceAll("&#39;", "'").replaceAll("&amp;", "&")
  );
}

/** `id` of every element whose class list holds `className`. */
function idsWithClass(svg: string, className: string): string[] {
  return [...svg.matchAll(/<g id="([^"]*)" class="([^"]*)"/g)]
    .filter(([, , classes]) => classes.replaceAll("&#45;", "-").split(/\s+/).includes(className))
    .map(([, id]) => id);
}

for (const [name, machine] of Object.entries(MACHINES)) {
  test(`toDot(${name}): Graphviz renders it without errors or warnings, in both directions`, () => {
    for (const direction of ["TB", "LR"] as const) {
      const result = viz.render(toDot(machine, { direction, highlight: ["running.normal", "Active"] }), { format: "svg" });
      assert.equal(result.status, "success");
      assert.deepEqual(result.errors, [], `Graphviz said: ${JSON.stringify(result.errors)}`);
    }
  });

  test(`toSvg(${name}): every state and every transition label appears`, async () => {
    const model = chartModel(machine);
    const svg = await toSvg(machine);
    assert.match(svg, /^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    const ids = new Set([...svg.matchAll(/<g id="([^"]*)"/g)].map(([, id]) => id));
    for (const state of model.states.values()) {
      if (state.path !== "") assert.ok(ids.has(`state:${state.path}`), `state ${state.path} has no element`);
    }
    const texts = svgTexts(svg);
    for (const transition of model.transitions) {
      const shown = texts.includes(transition.label) || texts.includes(`${transition.label} (in any state)`);
      assert.ok(shown, `transition ${transition.source} --${transition.label}--> ${transition.targets} not shown`);
    }
  });
}

test("chartModel: reads kinds, guards, delays and targets from the definition", () => {
  const model = chartModel(pipelineMachine as unknown as AnyStateMachine);
  const find = (source: string, trigger: string) => model.transitions.find((t) => t.source === source && t.trigger === trigger);
  assert.equal(model.id, "pipeline");
  assert.equal(model.states.get("working")?.type, "parallel");
  assert.equal(model.states.get("working.fetch")?.initial, "working.fetch.waiting");
  assert.equal(model.states.get("finished")?.type, "final");
  assert.equal(model.states.get("working.emit.hist")?.history, "deep");
  assert.deepEqual(find("idle", "START"), {
    source: "idle",
    targets: ["loading"],
    kind: "event",
    eventType: "START",
    guard: "hasConfig",
    trigger: "START",
    label: "START [hasConfig]",
  });
  assert.equal(find("working.fetch.waiting", "after 500ms")?.kind, "after");
  assert.equal(find("failed", "after retryDelay (1000ms)")?.targets[0], "loading");
  assert.equal(find("working.fetch.polling", "always")?.kind, "always");
  assert.equal(find("loading", "onError(loadConfig)")?.kind, "error");
  assert.deepEqual(find("working", "NUDGE")?.targets, []);
});

test("guardLabel: names, parameterized guards and combinators", () => {
  assert.equal(guardLabel(undefined), null);
  assert.equal(guardLabel("isReady"), "isReady");
  assert.equal(guardLabel({ type: "targetIs", params: { target: "Maintenance" } }), "targetIs(Maintenance)");
  assert.equal(guardLabel({ type: "within", params: { min: 1, max: 2 } }), "within(min: 1, max: 2)");
  assert.equal(guardLabel(and(["a", not("b")])), "a && !b");
  assert.equal(guardLabel(not(or(["a", "b"]))), "!(a || b)");
  assert.equal(guardLabel(stateIn({ running: "normal" })), "in(running.normal)");
  assert.equal(guardLabel(function isBig() {
    return true;
  }), "isBig");
});

test("toSvg: highlight marks exactly the named state active and its ancestors containsActive", async () => {
  const daemon = daemonMachine as unknown as AnyStateMachine;
  const normal = await toSvg(daemon, { highlight: ["running.normal"] });
  assert.deepEqual(idsWithClass(normal, "active"), ["state:running.normal"]);
  assert.deepEqual(idsWithClass(normal, "containsActive"), ["state:running"]);
  const draining = await toSvg(daemon, { highlight: ["draining"] });
  assert.deepEqual(idsWithClass(draining, "active"), ["state:draining"]);
  assert.deepEqual(idsWithClass(draining, "containsActive"), []);
  const pipeline = await toSvg(pipelineMachine as unknown as AnyStateMachine, {
    highlight: ["working.fetch.polling", "working.emit.pending"],
  });
  assert.deepEqual(idsWithClass(pipeline, "active").sort(), ["state:working.emit.pending", "state:working.fetch.polling"]);
  assert.deepEqual(idsWithClass(await toSvg(daemon, { highlight: ["nowhere"] }), "active"), []);
});

test("resolveHighlight/findStatePath: exact, machine-id prefixed and case-insensitive paths", () => {
  const model = chartModel(daemonMachine as unknown as AnyStateMachine);
  assert.equal(findStatePath(model, "running.backpressured"), "running.backpressured");
  assert.equal(findStatePath(model, "daemon.running"), "running");
  assert.equal(findStatePath(model, "#daemon.draining"), "draining");
  assert.equal(findStatePath(model, "Running.Normal"), "running.normal");
  assert.equal(findStatePath(model, "running.gone"), null);
  const resolved = resolveHighlight(model, ["running.normal", "missing"]);
  assert.deepEqual([...resolved.active], ["running.normal"]);
  assert.deepEqual([...resolved.containing], ["running"]);
});

test("statePaths: state values to highlight paths", () => {
  assert.deepEqual(statePaths("idle"), ["idle"]);
  assert.deepEqual(statePaths({ running: "backpressured" }), ["running.backpressured"]);
  assert.deepEqual(statePaths({ working: { fetch: "polling", emit: "pending" } }), [
    "working.fetch.polling",
    "working.emit.pending",
  ]);
});

test("toDot: odd state and event names are quoted, never break the DOT", async () => {
  const machine = createMachine({
    id: 'odd "id"',
    initial: "a\\b",
    states: { "a\\b": { on: { 'go "now" <x> & y': "c-d" } }, "c-d": { type: "final" } },
  });
  const svg = await toSvg(machine);
  assert.ok(svgTexts(svg).includes('go "now" <x> & y'));
  await assert.rejects(() => renderDotToSvg("digraph { a -> }"), /Graphviz could not render/);
});
