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
