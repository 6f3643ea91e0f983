/**
 * Rendered SVG per (machine, drawing options), shared by every inspector in the process: a
 * statechart has few states, so the inspector renders each highlighted variant once.
 *
 * @module
 */

import type { AnyStateMachine } from "xstate";
import type { ChartOptions } from "./chart_options.ts";
import { toSvg } from "./to_svg.ts";

/** Variants kept per machine; the oldest is dropped past this (a machine with more states re-renders). */
const MAX_VARIANTS_PER_MACHINE = 128;

const cache = new WeakMap<AnyStateMachine, Map<string, Promise<string>>>();

/**
 * `toSvg(machine, options)`, from the cache when the same machine was drawn with the same
 * options before. A failed render is not cached.
 *
 * @example
 * ```ts
 * const svg = await cachedSvg(daemonMachine, { highlight: ["running.normal"] });
 * ```
 */
export function cachedSvg(machine: AnyStateMachine, options: ChartOptions = {}): Promise<string> {
  let variants = cache.get(machine);
  if (!variants) {
    variants = new Map();
    cache.set(machine, variants);
  }
  const key = JSON.stringify([options.highlight ?? [], options.direction ?? null, options.title ?? null]);
  const found = variants.get(key);
  if (found) return found;
  if (variants.size >= MAX_VARIANTS_PER_MACHINE) variants.delete(variants.keys().next().value!);
  const rendering = toSvg(machine, options);
  variants.set(key, rendering);
  rendering.catch(() => variants.delete(key));
  return rendering;
}
