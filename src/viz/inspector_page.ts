/**
 * The inspector's single HTML page: inline CSS and script, no external assets. It renders the
 * embedded first update, then follows `/events` (server-sent events) and patches the DOM in place.
 *
 * Hooks for tests and tools: `#node`, `#maintenance-chart`, `#daemon-table tbody tr[data-daemon-id]`
 * (click a `th` to sort, a row to select), `#daemon-filter`, `#daemons > .daemon[data-daemon-id]`
 * (with `data-lifecycle`; every daemon's card up to 8 daemons, else the selected one's),
 * `.chart[data-chart-key]`, `#timeline li`, `#actions li`, `#dead-letters tbody tr`, `#log li`, `#status[data-state]`
 * (`connecting` | `live` | `reconnecting`); in each chart the current state's `<g>` has class
 * `active` and `id="state:<path>"`.
 *
 * @module
 */

const STYLE = `
:root { color-scheme: light; --bg:#f1f5f9; --panel:#fff; --line:#e2e8f0; --text:#0f172a; --muted:#64748b;
  --accent:#b45309; --accent-bg:#fef3c7; --ok:#15803d; --warn:#b45309; --bad:#b91c1c; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif; background:var(--bg); color:var(--text); }
header { display:flex; gap:18px; align-items:baseline; flex-wrap:wrap; padding:12px 20px; background:#0f172a; color:#e2e8f0; }
header h1 { font-size:16px; margin:0; color:#fff; }
header .meta { color:#94a3b8; font-size:12px; }
header .meta b { color:#e2e8f0; font-weight:600; }
#status { margin-left:auto; font-size:12px; padding:2px 10px; border-radius:999px; background:#334155; }
#status[data-state=live] { background:#166534; color:#dcfce7; }
#status[data-state=reconnecting] { background:#92400e; color:#fef3c7; }
#problem { display:none; margin:12px 20px 0; padding:8px 12px; border-radius:6px; background:#fee2e2; color:var(--bad); }
#problem.shown { display:block; }
main { padding:16px 20px 24px; display:grid; gap:16px; }
.panel { background:var(--panel); border:1px solid var(--line); border-radius:10px; padding:14px 16px; min-width:0; }
h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:0 0 10px; }
.node { display:grid; grid-template-columns:minmax(260px,1fr) minmax(320px,1.3fr); gap:16px; align-items:start; }
.stats { display:grid; grid-template-columns:repeat(auto-fill,minmax(118px,1fr)); gap:8px; }
.stat { border:1px solid var(--line); border-radius:8px; padding:6px 9px; }
.stat .label { font-size:11px; color:var(--muted); }
.stat .value { font-size:18px; font-weight:600; font-variant-numeric:tabular-nums; }
.stat.hot .value { color:var(--warn); }
.pill { display:inline-block; text-transform:none; letter-spacing:0; padding:1px 9px; border-radius:999px; font-size:12px; font-weight:600; background:#e2e8f0; }
.pill.state { background:var(--accent-bg); color:var(--accent); border:1px solid #f59e0b; }
.pill.healthy { background:#dcfce7; color:var(--ok); } .pill.degraded { background:#fef3c7; color:var(--warn); }
.pill.unhealthy { background:#fee2e2; color:var(--bad); }
.facts { margin:10px 0 0; font-size:12px; color:var(--muted); }
.facts span { margin-right:12px; } .facts b { color:var(--text); font-weight:600; }
h2 .meta { text-transform:none; letter-spacing:0; font-weight:400; margin-left:8px; }
#daemons { display:grid; gap:16px; }
.toolbar { display:flex; gap:12px; align-items:center; margin-bottom:8px; font-size:12px; color:var(--muted); }
#daemon-filter { font:inherit; font-size:13px; padding:4px 8px; border:1px solid var(--line); border-radius:6px; min-width:260px; }
.grid { width:100%; border-collapse:collapse; font-size:13px; }
.grid th, .grid td { text-align:left; padding:3px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
.grid td.num, .grid th.num { text-align:right; font-variant-numeric:tabular-nums; }
#daemon-table th { cursor:pointer; user-select:none; } #daemon-table th[data-dir]::after { content:attr(data-dir); margin-left:4px; }
#daemon-table tbody tr { cursor:pointer; } #daemon-table tbody tr[aria-selected=true] { background:var(--accent-bg); }
.scroll { max-height:360px; overflow:auto; }
#timeline ol, #actions ol { list-style:none; margin:0; padding:0; font:12px/1.5 ui-monospace,monospace; max-height:200px; overflow:auto; }
.daemon { display:grid; grid-template-columns:minmax(260px,330px) 1fr; gap:4px 20px; align-items:start; }
.daemon .summary { min-width:0; }
.daemon header { all:unset; display:flex; gap:8px; align-items:center; flex-wrap:wrap; margin-bottom:10px; }
.daemon .stats { grid-template-columns:repeat(2,1fr); }
.daemon .chart { margin-top:0; border-top:0; border-left:1px dashed var(--line); padding:0 0 0 16px; }
.daemon .name { font-weight:700; font-size:15px; } .daemon .id { font:11px ui-monospace,monospace; color:var(--muted); }
.chart { margin-top:12px; overflow:auto; border-top:1px dashed var(--line); padding-top:10px; }
.chart svg { display:block; max-width:100%; max-height:600px; width:auto; height:auto; margin:0 auto; }
#peers table { width:100%; border-collapse:collapse; font-size:13px; }
#peers th, #peers td { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); }
#peers tr[data-health="Degraded"] td:nth-child(2) { color:var(--warn); font-weight:600; }
#peers tr[data-health="Unreachable"] td:nth-child(2) { color:var(--bad); font-weight:600; }
#log ol { list-style:none; margin:0; padding:0; font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace; max-height:260px; overflow:auto; }
#log li { display:grid; grid-template-columns:92px 52px 150px 1fr; gap:8px; border-bottom:1px solid #f1f5f9; padding:1px 0; }
#log .lvl-warn { color:var(--warn); } #log .lvl-error { color:var(--bad); font-weight:600; } #log .lvl-debug, #log .lvl-trace { color:var(--muted); }
.empty { color:var(--muted); font-style:italic; }
@media (max-width: 900px) { .node, .daemon { grid-template-columns:1fr; } }
`;

const SCRIPT = `
"use strict";
const charts = new Map();
const $ = (selector, root = document) => root.querySelector(selector);
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  return node;
}
function stat(label, value, hot) {
  const box = el("div", "stat" + (hot ? " hot" : ""));
  box.append(el("div", "label", label), el("div", "value", value));
  return box;
}
function fact(label, value) {
  const span = el("span");
  span.append(label + " ", el("b", "", value));
  return span;
}
function fmt(n) { return n === null || n === undefined ? "—" : typeof n === "number" && !Number.isInteger(n) ? n.toFixed(2) : String(n); }
function ms(n) { return n === null || n === undefined ? "—" : n < 1000 ? Math.round(n) + " ms" : (n / 1000).toFixed(1) + " s"; }
function clock(t) { return new Date(t).toISOString().slice(11, 23); }
/** More daemons than this: one card, the selected daemon's, instead of one each. */
const ALL_CARDS_UP_TO = 8;
const view = { sort: "name", dir: 1, filter: "", selected: null, names: new Map(), last: null };
const rates = new Map();
const timeline = [];
/** Events/s and errors/s of each daemon, from its counters in consecutive updates. */
function updateRates(list, atMs) {
  for (const d of list) {
    const before = rates.get(d.daemonId);
    const now = { atMs, processed: d.counters.processed, errors: d.counters.processErrors, perSec: 0, errorsPerSec: 0 };
    if (before && atMs > before.atMs) {
      const seconds = (atMs - before.atMs) / 1000;
      now.perSec = (now.processed - before.processed) / seconds;
      now.errorsPerSec = (now.errors - before.errors) / seconds;
    }
    rates.set(d.daemonId, now);
  }
}
/** Transitions between the last update and this one, newest first (node and daemons). */
function noteTransitions(s) {
  const last = view.last;
  if (last) {
    // This update's transitions: the node's first, then the daemons' in table order.
    const fresh = [];
    if (last.maintenance.state !== s.maintenance.state) fresh.push({ atMs: s.atMs, what: "node " + last.maintenance.state + " → " + s.maintenance.state });
    const before = new Map(last.daemons.map((d) => [d.daemonId, d.lifecycle]));
    for (const d of s.daemons) {
      const was = before.get(d.daemonId);
      if (was === undefined) fresh.push({ atMs: s.atMs, what: d.name + " registered (" + d.lifecycle + ")" });
      else if (was !== d.lifecycle) fresh.push({ atMs: s.atMs, what: d.name + " " + was + " → " + d.lifecycle });
    }
    timeline.unshift(...fresh);
  }
  timeline.splice(500);
  view.last = s;
  $("#timeline ol").replaceChildren(...timeline.map((t) => el("li", "", clock(t.atMs) + "  " + t.what)));
}
/** Why the node has not moved on, when maintenance waits for daemons: who blocks it. */
function blockers(s) {
  const m = s.maintenance.state;
  const live = s.daemons.filter((d) => d.lifecycle !== "stopped");
  if (m === "EnteringMaintenance") {
    const waiting = live.filter((d) => d.lifecycle !== "drained");
    return waiting.length ? fact("drain waits for", waiting.map((d) => d.name + " (" + d.lifecycle + ")").join(", ")) : null;
  }
  if (m === "ExitingMaintenance" || m === "Recovery") {
    const waiting = live.filter((d) => !d.lifecycle.startsWith("running") || d.health.kind !== "healthy");
    return waiting.length
      ? fact("waits for", waiting.map((d) => d.name + " (" + d.lifecycle + (d.health.kind !== "healthy" ? ", " + d.health.kind + (d.health.reason ? ": " + d.health.reason : "") : "") + ")").join(", "))
      : null;
  }
  return null;
}
const COLUMNS = [
  ["name", "daemon", (d) => d.name],
  ["id", "id", (d) => d.daemonId],
  ["lifecycle", "state", (d) => d.lifecycle],
  ["health", "health", (d) => d.health.kind],
  ["processed", "processed", (d) => d.counters.processed, true],
  ["rate", "events/s", (d) => rates.get(d.daemonId)?.perSec ?? 0, true],
  ["errorRate", "errors/s", (d) => rates.get(d.daemonId)?.errorsPerSec ?? 0, true],
  ["inbox", "inbox", (d) => d.counters.inboxDepth, true],
  ["crashes", "crashes", (d) => d.counters.crashes, true],
  ["capabilities", "capabilities", (d) => [...d.capabilities.required, ...d.capabilities.optional, ...d.capabilities.published].join(", ")],
  ["movable", "moves as", (d) => (d.movable ? d.movable.factory : "")],
];
function renderTable(list) {
  const head = $("#daemon-table thead tr");
  if (head.children.length === 0) {
    for (const [key, label, , numeric] of COLUMNS) {
      const th = el("th", numeric ? "num" : "", label);
      th.dataset.sort = key;
      th.addEventListener("click", () => {
        view.dir = view.sort === key ? -view.dir : numeric ? -1 : 1;
        view.sort = key;
        if (view.last) renderDaemons(view.last.daemons);
      });
      head.append(th);
    }
  }
  for (const th of head.children) {
    if (th.dataset.sort === view.sort) th.dataset.dir = view.dir > 0 ? "▲" : "▼";
    else delete th.dataset.dir;
  }
  const column = COLUMNS.find((c) => c[0] === view.sort) ?? COLUMNS[0];
  const needle = view.filter.toLowerCase();
  const shown = list.filter((d) => !needle || (d.name + " " + d.daemonId + " " + d.lifecycle).toLowerCase().includes(needle));
  shown.sort((a, b) => {
    const x = column[2](a), y = column[2](b);
    return (x < y ? -1 : x > y ? 1 : a.daemonId < b.daemonId ? -1 : 1) * view.dir;
  });
  $("#daemon-table tbody").replaceChildren(...shown.map((d) => {
    const tr = el("tr");
    tr.dataset.daemonId = d.daemonId;
    tr.setAttribute("aria-selected", String(d.daemonId === view.selected));
    for (const [, , value, numeric] of COLUMNS) {
      const v = value(d);
      tr.append(el("td", numeric ? "num" : "", typeof v === "number" && !Number.isInteger(v) ? v.toFixed(1) : v));
    }
    tr.addEventListener("click", () => {
      view.selected = d.daemonId;
      if (view.last) renderDaemons(view.last.daemons);
    });
    return tr;
  }));
  $("#daemon-count").textContent = shown.length + " of " + list.length + " shown";
  return shown;
}
function setChart(box, key) {
  if (box.dataset.chartKey === key) return;
  const svg = charts.get(key);
  if (svg === undefined) return;
  box.innerHTML = svg;
  box.dataset.chartKey = key;
}
function renderNode(s) {
  $("#node-id").textContent = s.nodeId;
  $("#backend").textContent = s.backend;
  $("#ticks").textContent = s.ticks;
  const m = s.maintenance, bp = s.backpressure, q = s.eventQueue;
  const pill = $("#maintenance-state");
  pill.textContent = m.state;
  $("#node").dataset.maintenance = m.state;
  $("#node-stats").replaceChildren(
    stat("backpressure", bp.active ? "on " + fmt(bp.level) : "off", bp.active),
    stat("bus depth", bp.busDepth + " / " + bp.threshold, bp.busDepth >= bp.threshold),
    stat("event queue", q.depth + " / " + q.capacity, q.depth >= q.capacity),
    stat("queue rejected", q.rejected, q.rejected > 0),
    stat("dropped control", s.droppedControlEvents, s.droppedControlEvents > 0),
    stat("daemons", s.daemons.length),
    stat("daemon workers", s.liveDaemonWorkers),
  );
  const facts = [fact("since", ms(m.sinceMs))];
  if (m.deadlineRemainingMs !== null) facts.push(fact("deadline in", ms(m.deadlineRemainingMs)));
  if (m.reason) facts.push(fact("reason", m.reason));
  const blocked = blockers(s);
  if (blocked) facts.push(blocked);
  $("#maintenance-facts").replaceChildren(...facts);
  setChart($("#maintenance-chart"), "maintenance:" + m.state);
}
function daemonCard(d) {
  const card = el("article", "panel daemon");
  card.dataset.daemonId = d.daemonId;
  const head = el("header");
  head.append(el("span", "name"), el("span", "id"), el("span", "pill state lifecycle"), el("span", "pill health"));
  const summary = el("div", "summary");
  summary.append(head, el("div", "stats"), el("div", "facts"));
  card.append(summary, el("div", "chart"));
  return card;
}
function renderDaemon(card, d) {
  const c = d.counters;
  card.dataset.lifecycle = d.lifecycle;
  $(".name", card).textContent = d.name;
  $(".id", card).textContent = d.daemonId;
  $(".lifecycle", card).textContent = d.lifecycle;
  const health = $(".health", card);
  health.className = "pill health " + d.health.kind;
  health.textContent = d.health.kind + (d.health.reason ? ": " + d.health.reason : "");
  $(".stats", card).replaceChildren(
    stat("inbox depth", c.inboxDepth + " / " + c.inboxCapacity, c.inboxDepth >= c.inboxCapacity),
    stat("processed", c.processed),
    stat("dropped control", c.controlDropped, c.controlDropped > 0),
    stat("restarts", c.restarts, c.restarts > 0),
    stat("backpressure", d.backpressureLevel === null ? "off" : fmt(d.backpressureLevel), d.backpressureLevel !== null),
  );
  $(".facts", card).replaceChildren(
    fact("ingested", c.ingested), fact("rejected", c.inboxRejected), fact("outputs", c.outputs),
    fact("errors", c.processErrors),
    fact("crashes", c.crashes), fact("restart gate", d.restart.state), fact("saturation", fmt(d.saturation)),
    fact("runs in", d.runsIn === "worker" ? "a Worker" : "the runtime thread"),
    ...movableFacts(d.movable),
  );
  setChart($(".chart", card), "daemon:" + d.lifecycle);
}
function movableFacts(m) {
  if (!m) return [];
  const facts = [
    fact("moves as", m.factory),
    fact("replica", m.replica ? "rev " + m.replica.revision + " · bus pos " + m.replica.busPosition : "none"),
  ];
  if (m.movingTo) facts.push(fact("moving to", m.movingTo));
  if (m.unplaced) facts.push(fact("not placed", m.unplaced));
  return facts;
}
function renderDaemons(list) {
  const shown = renderTable(list);
  if (!list.some((d) => d.daemonId === view.selected)) view.selected = shown[0]?.daemonId ?? null;
  const cards = list.length <= ALL_CARDS_UP_TO ? list : list.filter((d) => d.daemonId === view.selected);
  const box = $("#daemons");
  const seen = new Set();
  for (const d of cards) {
    seen.add(d.daemonId);
    let card = box.querySelector('[data-daemon-id="' + CSS.escape(d.daemonId) + '"]');
    if (!card) { card = daemonCard(d); box.append(card); }
    renderDaemon(card, d);
  }
  for (const card of [...box.children]) if (card.dataset.daemonId && !seen.has(card.dataset.daemonId)) card.remove();
  $("#no-daemons").hidden = list.length > 0;
}
function renderLog(log) {
  const items = log.records.slice(-80).map((r) => {
    const li = el("li", "lvl-" + r.level);
    const time = new Date(r.tsMs).toISOString().slice(11, 23);
    const who = r.daemonId === null ? "node" : (view.names.get(r.daemonId) ?? r.daemonId);
    const source = el("span", "", who);
    if (r.daemonId !== null) source.title = r.daemonId;
    li.append(el("span", "", time), el("span", "", r.level), source, el("span", "", r.message));
    return li;
  });
  const list = $("#log ol");
  const pinned = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  list.replaceChildren(...items);
  if (pinned) list.scrollTop = list.scrollHeight;
  $("#log-meta").textContent = log.records.length + " shown · " + log.dropped + " dropped · " + log.truncated + " truncated";
}
function bytes(n) { return n === null || n === undefined ? "—" : (n / 2 ** 30).toFixed(1) + " GiB"; }
function renderPeers(mesh) {
  const rows = (mesh ? mesh.peers : []).map((p) => {
    const tr = el("tr");
    tr.dataset.nodeId = p.nodeId;
    tr.dataset.health = p.health ?? "";
    for (const cell of [
      p.nodeId, p.health ?? "—", (p.maintenance ?? "—") + (p.cordoned ? " · cordoned" : ""),
      p.rttMs === null ? "—" : p.rttMs + " ms", fmt(p.cpuLoad1m),
      bytes(p.memUsedBytes) + " / " + bytes(p.memTotalBytes), bytes(p.diskUsedBytes) + " / " + bytes(p.diskTotalBytes),
      fmt(p.saturationTrend), p.capabilitySet.join(", ") || "—", p.softwareVersion ?? "—", String(p.daemons.length),
    ]) tr.append(el("td", "", cell));
    tr.lastChild.title = p.daemons.join(" "); // where each daemon lives
    return tr;
  });
  $("#peers tbody").replaceChildren(...rows);
  $("#no-peers").hidden = rows.length > 0;
  $("#mesh-meta").textContent = mesh
    ? mesh.bus + (mesh.name ? " · mesh " + mesh.name : " · alone") + (mesh.connected ? "" : " · disconnected") +
      " · heartbeats " + mesh.heartbeatsSent + " sent, " + mesh.heartbeatsFailed + " failed, " + mesh.heartbeatsRejected + " rejected" +
      " · events " + mesh.eventsSent + " sent, " + mesh.eventsReceived + " received, " + mesh.eventsFailed + " failed" +
      (mesh.framesRejected ? ", " + mesh.framesRejected + " bad frames" : "")
    : "";
}
function renderFailures(s) {
  $("#dead-letters tbody").replaceChildren(...s.deadLetters.slice(-50).reverse().map((l) => {
    const tr = el("tr");
    for (const cell of [view.names.get(l.daemonId) ?? l.daemonId, l.sequence, l.attempts, l.error]) tr.append(el("td", "", cell));
    return tr;
  }));
  $("#dead-meta").textContent = s.deadLetters.length + " kept" + (s.deadLettersDropped ? ", " + s.deadLettersDropped + " dropped" : "");
  $("#no-dead-letters").hidden = s.deadLetters.length > 0;
  $("#actions ol").replaceChildren(...s.recentActions.slice(-50).reverse().map((a) =>
    el("li", "", clock(a.atMs) + "  #" + a.id + " " + a.kind + (a.daemonId ? " " + (view.names.get(a.daemonId) ?? a.daemonId) : "") + (a.detail ? " · " + a.detail : ""))
  ));
}
function apply(update) {
  for (const [key, svg] of Object.entries(update.charts)) charts.set(key, svg);
  const s = update.snapshot;
  view.names = new Map(s.daemons.map((d) => [d.daemonId, d.name]));
  updateRates(s.daemons, s.atMs);
  renderNode(s);
  renderDaemons(s.daemons);
  renderFailures(s);
  noteTransitions(s);
  renderPeers(s.mesh);
  renderLog(s.log);
  document.title = "MeshOS · " + s.nodeId + " · " + s.maintenance.state;
}
function showProblem(text) {
  const box = $("#problem");
  box.textContent = text || "";
  box.classList.toggle("shown", Boolean(text));
}
$("#daemon-filter").addEventListener("input", (e) => {
  view.filter = e.target.value;
  if (view.last) renderDaemons(view.last.daemons);
});
const initial = JSON.parse($("#initial").textContent || "null");
if (initial) apply(initial);
showProblem($("#problem").dataset.initial);
const status = $("#status");
const events = new EventSource("/events");
events.addEventListener("open", () => { status.dataset.state = "live"; status.textContent = "● live"; });
events.addEventListener("error", () => { status.dataset.state = "reconnecting"; status.textContent = "reconnecting…"; });
events.addEventListener("update", (e) => { showProblem(""); apply(JSON.parse(e.data)); });
events.addEventListener("problem", (e) => showProblem(JSON.parse(e.data).problem));
`;

/**
 * The page, with the first update embedded (as JSON text, or `null` when the snapshot could not
 * be read) and the problem to show until the stream reports otherwise.
 *
 * @example
 * ```ts
 * const html = inspectorPage(JSON.stringify({ snapshot, charts: {} }), null);
 * ```
 */
export function inspectorPage(initialUpdateJson: string | null, problem: string | null): string {
  // "<" is escaped so a log line containing "</script>" cannot end the data block.
  const embedded = (initialUpdateJson ?? "null").replaceAll("<", "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MeshOS inspector</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>MeshOS inspector</h1>
  <span class="meta">node <b id="node-id">—</b></span>
  <span class="meta">backend <b id="backend">—</b></span>
  <span class="meta">ticks <b id="ticks">—</b></span>
  <span class="meta">read-only</span>
  <span id="status" data-state="connecting">connecting…</span>
</header>
<div id="problem" data-initial="${escapeAttribute(problem ?? "")}"></div>
<main>
  <section class="node" id="node">
    <div class="panel">
      <h2>Node · maintenance <span class="pill state" id="maintenance-state">—</span></h2>
      <div class="stats" id="node-stats"></div>
      <div class="facts" id="maintenance-facts"></div>
    </div>
    <div class="panel">
      <h2>Maintenance statechart</h2>
      <div class="chart" id="maintenance-chart"></div>
    </div>
  </section>
  <section class="panel">
    <h2>Daemons <span class="meta" id="daemon-count"></span></h2>
    <div class="toolbar"><input id="daemon-filter" type="search" placeholder="filter by name, id or state" aria-label="filter daemons">
      <span>click a column to sort, a row to show its statechart</span></div>
    <div class="scroll"><table class="grid" id="daemon-table"><thead><tr></tr></thead><tbody></tbody></table></div>
  </section>
  <section>
    <p class="empty" id="no-daemons">No daemons registered.</p>
    <div id="daemons"></div>
  </section>
  <section class="node">
    <div class="panel" id="timeline"><h2>Transitions <span class="meta">node and daemons, newest first</span></h2><ol></ol></div>
    <div class="panel" id="actions"><h2>Recent actions</h2><ol></ol></div>
  </section>
  <section class="panel" id="dead-letters">
    <h2>Dead letters <span class="meta" id="dead-meta"></span></h2>
    <p class="empty" id="no-dead-letters">No dead letters.</p>
    <table class="grid"><thead><tr><th>daemon</th><th>sequence</th><th>attempts</th><th>error</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="panel" id="peers">
    <h2>Peers <span class="meta" id="mesh-meta"></span></h2>
    <p class="empty" id="no-peers">No peers: this node is alone on its mesh.</p>
    <table>
      <thead><tr><th>node</th><th>health</th><th>maintenance</th><th>rtt</th><th>load 1m</th><th>memory</th><th>disk</th><th>saturation</th><th>capabilities</th><th>version</th><th>daemons</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section class="panel" id="log">
    <h2>Log <span class="meta" id="log-meta"></span></h2>
    <ol></ol>
  </section>
</main>
<script type="application/json" id="initial">${embedded}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function escapeAttribute(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");
}
