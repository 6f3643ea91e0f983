/**
 * Turns an XState v5 guard, as it sits on a transition definition, into the short text a diagram
 * shows between brackets: `isHealthy`, `!isDraining`, `hasBudget && !isBusy`, `in(running)`.
 *
 * @module
 */

interface GuardFunction {
  name?: string;
  guards?: unknown[];
  stateValue?: unknown;
}

/**
 * The display name of a guard, or `null` when the transition has none. Named guards keep their
 * name (with their params when parameterized); `and`/`or`/`not` combinators are spelled out;
 * `stateIn` becomes `in(<state>)`; an inline function shows its function name, or `inline`.
 *
 * @example
 * ```ts
 * import { and, not } from "xstate";
 * guardLabel("isOk"); // "isOk"
 * guardLabel(and(["isOk", not("isBusy")])); // "isOk && !isBusy"
 * guardLabel({ type: "targetIs", params: { target: "Maintenance" } }); // "targetIs(Maintenance)"
 * guardLabel(undefined); // null
 * ```
 */
export function guardLabel(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === "string") return guard;
  if (typeof guard === "object" && "type" in guard) {
    const { type, params } = guard as { type: unknown; params?: unknown };
    return params === undefined ? String(type) : `${String(type)}(${paramsText(params)})`;
  }
  if (typeof guard !== "function") return String(guard);
  const fn = guard as GuardFunction;
  if (Array.isArray(fn.guards)) {
    const parts = fn.guards.map((inner) => wrap(guardLabel(inner) ?? "?"));
    if (fn.name === "not") return `!${parts[0]}`;
    if (fn.name === "and") return parts.join(" && ");
    if (fn.name === "or") return parts.join(" || ");
  }
  if ("stateValue" in fn) return `in(${stateValueText(fn.stateValue)})`;
  return fn.name && fn.name !== "guard" ? fn.name : "inline";
}

/** Parenthesises a compound expression so `not(and(...))` reads `!(a && b)`. */
function wrap(text: string): string {
  return /\s(&&|\|\|)\s/.test(text) ? `(${text})` : text;
}

function stateValueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, inner]) => `${key}.${stateValueText(inner)}`)
      .join(", ");
  }
  return String(value);
}

/** `{ target: "X" }` reads `X`; several params read `a: 1, b: 2`. */
function paramsText(params: unknown): string {
  if (params === null || typeof params !== "object") return String(params);
  const entries = Object.entries(params as Record<string, unknown>);
  const show = (value: unknown) => typeof value === "string" ? value : JSON.stringify(value);
  if (entries.length === 1) return show(entries[0][1]);
  return entries.map(([key, value]) => `${key}: ${show(value)}`).join(", ");
}
