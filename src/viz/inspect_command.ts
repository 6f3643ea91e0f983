/**
 * `meshos inspect URL`: a running node's inspector data in the terminal — node, maintenance,
 * backend, each daemon's state and counters, the peers, the log tail — read from the inspector's
 * `/snapshot.json` (the URL `sdk.inspect()` printed, token included) and redrawn every second, or
 * printed once with `--once`.
 *
 * @module
 */

import type { RuntimeSnapshot } from "../runtime/runtime_snapshot.ts";
import type { CommandIo, ExitCode } from "./viz_command.ts";

/** What `meshos inspect --help` prints. */
export const INSPECT_USAGE = `Usage: meshos inspect <inspector URL> [--once] [--every <ms>]

Shows a running node (the URL sdk.inspect() returned, token included): daemons, states,
counters, peers and the log tail, redrawn every second (--every ms), or once with --once.
`;

const LOG_TAIL = 8;

/** The snapshot as a terminal screen. */
export function renderSnapshot(snapshot: RuntimeSnapshot): string {
  const pad = (text: string | number, width: number) => String(text).slice(0, width).padEnd(width);
  const num = (value: number | string, width: number) => String(value).padStart(width);
  const lines = [
    `node ${snapshot.nodeId} · ${snapshot.maintenance.state}${snapshot.cordoned ? " · cordoned" : ""} · backend ${snapshot.backend} · ` +
    `mesh ${snapshot.mesh.bus}${snapshot.mesh.name ? ` "${snapshot.mesh.name}"` : ""} · ${snapshot.mesh.peers.length} peer(s)`,
    "",
    `${pad("daemon", 20)} ${pad("id", 18)} ${pad("state", 22)} ${num("processed", 10)} ${num("inbox", 7)} ${num("errors", 7)} health`,
  ];
  for (const d of snapshot.daemons) {
    lines.push(
      `${pad(d.name, 20)} ${pad(d.daemonId, 18)} ${pad(d.lifecycle, 22)} ${num(d.counters.processed, 10)} ` +
        `${num(d.counters.inboxDepth, 7)} ${num(d.counters.processErrors, 7)} ${d.health.kind}`,
    );
  }
  if (snapshot.daemons.length === 0) lines.push("(no daemons)");
  if (snapshot.mesh.peers.length > 0) {
    lines.push("", `${pad("peer", 20)} ${pad("health", 12)} ${pad("maintenance", 20)} rtt`);
    for (const p of snapshot.mesh.peers) lines.push(`${pad(p.nodeId, 20)} ${pad(p.health ?? "?", 12)} ${pad(p.maintenance ?? "?", 20)} ${p.rttMs ?? "?"} ms`);
  }
  lines.push("", "log:");
  const names = new Map(snapshot.daemons.map((d) => [d.daemonId, d.name]));
  for (const r of snapshot.log.records.slice(-LOG_TAIL)) {
    const who = r.daemonId === null ? "node" : names.get(r.daemonId) ?? r.daemonId;
    lines.push(`  ${pad(r.level, 5)} ${pad(who, 16)} ${r.message}`);
  }
  return lines.join("\n") + "\n";
}

/** Runs `meshos inspect` with `args`; `stop` (when given) ends a live view. */
export async function runInspectCommand(args: readonly string[], io: CommandIo, stop?: AbortSignal): Promise<ExitCode> {
  if (args.includes("--help") || args.includes("-h")) {
    await io.stdout(INSPECT_USAGE);
    return 0;
  }
  const [target, ...options] = args;
  let url: URL;
  try {
    url = new URL(target ?? "");
  } catch {
    await io.stderr(`meshos inspect: URL: received ${JSON.stringify(target ?? null)}, expected the inspector URL sdk.inspect() returned\n\n${INSPECT_USAGE}`);
    return 2;
  }
  const once = options.includes("--once");
  const everyAt = options.indexOf("--every");
  const every = everyAt >= 0 ? Number(options[everyAt + 1]) : 1_000;
  if (!Number.isInteger(every) || every < 50) {
    await io.stderr(`meshos inspect: --every: received ${JSON.stringify(options[everyAt + 1] ?? null)}, expected whole milliseconds ≥ 50\n`);
    return 2;
  }
  const snapshotUrl = new URL("snapshot.json", url);
  snapshotUrl.search = url.search; // the token, when the inspector listens beyond loopback
  for (;;) {
    let snapshot: RuntimeSnapshot;
    try {
      const response = await fetch(snapshotUrl);
      if (!response.ok) throw new Error(`${response.status} ${(await response.text()).trim()}`);
      snapshot = await response.json() as RuntimeSnapshot;
    } catch (err) {
      await io.stderr(`meshos inspect: ${snapshotUrl.origin}: ${(err as Error).message}\n`);
      return 1;
    }
    await io.stdout((once ? "" : "\x1b[H\x1b[2J") + renderSnapshot(snapshot));
    if (once || stop?.aborted) return 0;
    await new Promise((resolve) => setTimeout(resolve, every));
    if (stop?.aborted) return 0;
  }
}
