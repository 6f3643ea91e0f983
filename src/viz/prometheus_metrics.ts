/**
 * A node's snapshot in the Prometheus text exposition format (version 0.0.4), as the inspector
 * serves it on `/metrics`: node-wide gauges and counters, then one series per daemon labelled
 * with its id and name, then the mesh's bus counters.
 *
 * @module
 */

import type { RuntimeSnapshot } from "../runtime/runtime_snapshot.ts";

type Kind = "gauge" | "counter";

/** Label values escaped as the format asks (backslash, double quote, newline). */
function label(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/**
 * The metrics of `snapshot`.
 *
 * @example
 * ```ts
 * toPrometheus(sdk.snapshot()); // "# HELP meshos_daemons Daemons registered on this node.\n# TYPE meshos_daemons gauge\n..."
 * ```
 */
export function toPrometheus(snapshot: RuntimeSnapshot): string {
  const lines: string[] = [];
  const node = `node="${label(snapshot.nodeId)}"`;
  const metric = (name: string, kind: Kind, help: string, series: [labels: string, value: number][]) => {
    lines.push(`# HELP meshos_${name} ${help}`, `# TYPE meshos_${name} ${kind}`);
    for (const [labels, value] of series) lines.push(`meshos_${name}{${labels}} ${Number.isFinite(value) ? value : 0}`);
  };
  const live = snapshot.daemons.filter((d) => d.lifecycle !== "stopped");
  metric("daemons", "gauge", "Daemons registered on this node.", [[node, live.length]]);
  metric("maintenance_state", "gauge", "1 for the node's current maintenance state.", [[`${node},state="${label(snapshot.maintenance.state)}"`, 1]]);
  metric("cordoned", "gauge", "1 while an operator has cordoned the node.", [[node, snapshot.cordoned ? 1 : 0]]);
  metric("backpressure_active", "gauge", "1 while node-wide backpressure is on.", [[node, snapshot.backpressure.active ? 1 : 0]]);
  metric("bus_depth", "gauge", "Events waiting in every inbox and the event queue.", [[node, snapshot.backpressure.busDepth]]);
  metric("event_queue_rejected_total", "counter", "Log lines and events the event queue refused.", [[node, snapshot.eventQueue.rejected]]);
  metric("control_dropped_total", "counter", "Control events dropped from full control queues.", [[node, snapshot.droppedControlEvents]]);
  metric("log_dropped_total", "counter", "Log records overwritten in the log ring before being read.", [[node, snapshot.log.dropped]]);
  metric("dead_letters", "gauge", "Events kept as dead letters.", [[node, snapshot.deadLetters.length]]);
  metric("dead_letters_dropped_total", "counter", "Dead letters evicted from the bounded list.", [[node, snapshot.deadLettersDropped]]);
  const perDaemon = (name: string, kind: Kind, help: string, read: (d: RuntimeSnapshot["daemons"][number]) => number) =>
    metric(name, kind, help, live.map((d) => [`${node},daemon="${label(d.daemonId)}",name="${label(d.name)}"`, read(d)]));
  perDaemon("daemon_ingested_total", "counter", "Events taken into the daemon's inbox.", (d) => d.counters.ingested);
  perDaemon("daemon_inbox_rejected_total", "counter", "Events refused by a full inbox.", (d) => d.counters.inboxRejected);
  perDaemon("daemon_processed_total", "counter", "Events process() completed.", (d) => d.counters.processed);
  perDaemon("daemon_process_errors_total", "counter", "process() calls that failed.", (d) => d.counters.processErrors);
  perDaemon("daemon_outputs_total", "counter", "Outputs the daemon emitted.", (d) => d.counters.outputs);
  perDaemon("daemon_outputs_dropped_total", "counter", "Outputs evicted before a reader took them.", (d) => d.counters.outputsDropped);
  perDaemon("daemon_crashes_total", "counter", "Crashes.", (d) => d.counters.crashes);
  perDaemon("daemon_restarts_total", "counter", "Restarts after a crash or a forced restart.", (d) => d.counters.restarts);
  perDaemon("daemon_inbox_depth", "gauge", "Events waiting in the daemon's inbox.", (d) => d.counters.inboxDepth);
  perDaemon("daemon_saturation", "gauge", "The daemon's last saturation() reading, 0..1.", (d) => d.saturation);
  perDaemon("daemon_healthy", "gauge", "1 while the daemon's health() says healthy.", (d) => (d.health.kind === "healthy" ? 1 : 0));
  const mesh = snapshot.mesh;
  metric("mesh_peers", "gauge", "Peers this node sees.", [[node, mesh.peers.length]]);
  metric("mesh_connected", "gauge", "1 while the bus is connected.", [[node, mesh.connected ? 1 : 0]]);
  metric("mesh_reconnects_total", "counter", "Times the bus lost and regained its connection.", [[node, mesh.reconnects]]);
  metric("mesh_events_sent_total", "counter", "Events put on the bus for daemons on other nodes.", [[node, mesh.eventsSent]]);
  metric("mesh_events_received_total", "counter", "Events the bus delivered to daemons here.", [[node, mesh.eventsReceived]]);
  metric("mesh_events_failed_total", "counter", "Events whose send was reported failed.", [[node, mesh.eventsFailed]]);
  metric("mesh_heartbeats_failed_total", "counter", "Heartbeats that could not be sent.", [[node, mesh.heartbeatsFailed]]);
  return lines.join("\n") + "\n";
}
