/**
 * Where a movable daemon goes, when its node drains or dies: the same rule on every node, so
 * nodes looking at the same adverts choose the same one.
 *
 * @module
 */

import type { NodeAdvert } from "../bus/node_advert.ts";
import type { DaemonSpec } from "../contract/daemon_spec.ts";

/** Why a candidate node cannot take the daemon, or null when it can. */
export function unfitReason(advert: NodeAdvert, spec: DaemonSpec, factory: string): string | null {
  if (advert.maintenance !== "Active") return `it is ${advert.maintenance}`;
  if (advert.cordoned) return "it is cordoned";
  if (!advert.factories.includes(factory)) return `it has no factory "${factory}"`;
  const missing = spec.requiredCapabilities.filter((c) => !advert.capabilitySet.includes(c));
  return missing.length === 0 ? null : `it lacks capabilities ${missing.join(", ")}`;
}

/**
 * The node among `candidates` (adverts of reachable, Healthy nodes) that takes a daemon of `spec`
 * built by `factory`: one that is Active, uncordoned, has the factory and every required
 * capability; among those, the most optional capabilities, then the fewest daemons (load spread
 * by count, with `extraLoad` the daemons already on their way to a node), then the lowest node
 * id. Null when none qualifies.
 */
export function placeDaemon(
  spec: DaemonSpec,
  factory: string,
  candidates: readonly NodeAdvert[],
  extraLoad: (nodeId: bigint) => number = () => 0,
): bigint | null {
  const fit = candidates.filter((advert) => unfitReason(advert, spec, factory) === null);
  const optional = (caps: readonly string[]) => spec.optionalCapabilities.filter((c) => caps.includes(c)).length;
  const load = (advert: NodeAdvert) => advert.daemons.length + extraLoad(advert.nodeId);
  fit.sort((a, b) =>
    optional(b.capabilitySet) - optional(a.capabilitySet) ||
    load(a) - load(b) ||
    (a.nodeId < b.nodeId ? -1 : 1)
  );
  return fit[0]?.nodeId ?? null;
}

/**
 * Where daemon `id`, one of the `orphans` of a node that died, is restored: the orphans are
 * placed one after another in id order, each counting as load on the node it went to, so they
 * spread over `candidates` (the same adverts on every node give every node the same answer).
 * Every orphan is taken to be like `id` (factory and capabilities): nodes know a daemon's kind
 * only once they read its replica.
 */
export function placeOrphan(
  spec: DaemonSpec,
  factory: string,
  candidates: readonly NodeAdvert[],
  orphans: readonly bigint[],
  id: bigint,
): bigint | null {
  const assigned = new Map<bigint, number>();
  for (const orphan of [...orphans].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const node = placeDaemon(spec, factory, candidates, (n) => assigned.get(n) ?? 0);
    if (orphan === id || node === null) return node;
    assigned.set(node, (assigned.get(node) ?? 0) + 1);
  }
  return placeDaemon(spec, factory, candidates);
}
