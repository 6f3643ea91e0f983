/**
 * Maps the `highlight` option's dotted paths onto a chart's states.
 *
 * @module
 */

import type { ChartModel } from "./chart_model.ts";

/**
 * The states to draw as current, and the composite states that contain them.
 *
 * @example
 * ```ts
 * const resolved: ResolvedHighlight = resolveHighlight(chartModel(daemonMachine), ["running.normal"]);
 * ```
 */
export interface ResolvedHighlight {
  /** Paths of the states named by the option. */
  active: Set<string>;
  /** Paths of their strict ancestors (the root `""` excluded). */
  containing: Set<string>;
}

/**
 * Resolves highlight paths against a chart. A path matches a state exactly, after dropping a
 * leading `<machineId>.` or `#<machineId>.`, or case-insensitively; anything else is ignored.
 *
 * @example
 * ```ts
 * const { active, containing } = resolveHighlight(chartModel(daemonMachine), ["running.backpressured"]);
 * active.has("running.backpressured"); // true
 * containing.has("running"); // true
 * ```
 */
export function resolveHighlight(model: ChartModel, paths: readonly string[] = []): ResolvedHighlight {
  const active = new Set<string>();
  const containing = new Set<string>();
  for (const path of paths) {
    const found = findStatePath(model, path);
    if (found === null || found === "") continue;
    active.add(found);
    let parent = model.states.get(found)?.parent ?? null;
    while (parent !== null && parent !== "") {
      containing.add(parent);
      parent = model.states.get(parent)?.parent ?? null;
    }
  }
  return { active, containing };
}

/**
 * The chart path a highlight entry names, or `null` when it names no state.
 *
 * @example
 * ```ts
 * findStatePath(chartModel(daemonMachine), "daemon.Running"); // "running"
 * ```
 */
export function findStatePath(model: ChartModel, path: string): string | null {
  const trimmed = path.trim();
  const candidates = [trimmed];
  for (const prefix of [`#${model.id}.`, `${model.id}.`]) {
    if (trimmed.startsWith(prefix)) candidates.push(trimmed.slice(prefix.length));
  }
  for (const candidate of candidates) if (model.states.has(candidate)) return candidate;
  const lowered = new Set(candidates.map((candidate) => candidate.toLowerCase()));
  for (const statePath of model.states.keys()) if (lowered.has(statePath.toLowerCase())) return statePath;
  return null;
}
