/**
 * The inspector's request handling, independent of any server: a read-only page, a
 * server-sent-event stream of snapshots with the statecharts they need, and the current snapshot
 * as JSON. `startInspector` serves it; it can also be mounted in another fetch-style server.
 *
 * @module
 */

import type { AnyStateMachine } from "xstate";
import type { RuntimeSnapshot } from "../runtime/runtime_snapshot.ts";
import { BUILTIN_CHART_OPTIONS } from "./builtin_chart_options.ts";
import { cachedSvg } from "./chart_cache.ts";
import { inspectorPage } from "./inspector_page.ts";
import { toPrometheus } from "./prometheus_metrics.ts";

/**
 * What the inspector needs to know about the runtime.
 *
 * @example
 * ```ts
 * const source: InspectorSource = {
 *   getSnapshot: () => sdk.snapshot(),
 *   machines: { daemon: daemonMachine, maintenance: maintenanceMachine },
 * };
 * ```
 */
export interface InspectorSource {
  /** Called on every poll; must be cheap and must not change the runtime. */
  getSnapshot: () => RuntimeSnapshot;
  /** The statecharts to draw: each daemon's lifecycle and the node's maintenance state. */
  machines: { daemon: AnyStateMachine; maintenance: AnyStateMachine };
  /** How often the event stream polls `getSnapshot` while a page is connected; default 200. */
  pollIntervalMs?: number;
}

/**
 * One message of the event stream, and the data embedded in the page.
 *
 * @example
 * ```ts
 * new EventSource("/events").addEventListener("update", (event) => {
 *   const update: InspectorUpdate = JSON.parse(event.data);
 *   console.log(update.snapshot.maintenance.state, Object.keys(update.charts));
 * });
 * ```
 */
export interface InspectorUpdate {
  snapshot: RuntimeSnapshot;
  /**
   * SVG by chart key (see `chartKey`): every chart the snapshot needs that this connection has
   * not been sent yet. The page keeps what it received.
   */
  charts: Record<string, string>;
}

/**
 * A request handler plus the means to end its open event streams.
 *
 * @example
 * ```ts
 * const handler: InspectorHandler = createInspectorHandler(source);
 * const response = await handler.handle(new Request("http://127.0.0.1/snapshot.json"));
 * handler.close();
 * ```
 */
export interface InspectorHandler {
  handle(request: Request): Promise<Response>;
  /** Ends every open event stream and stops polling. */
  close(): void;
}

const HEARTBEAT_MS = 5_000;
const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};
// Everything the page needs is inline; the policy keeps it that way.
const PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src data:";

/**
 * The chart key for a machine drawn with one state highlighted, e.g. `daemon:running.normal`.
 *
 * @example
 * ```ts
 * chartKey("maintenance", "EnteringMaintenance"); // "maintenance:EnteringMaintenance"
 * ```
 */
export function chartKey(chart: "daemon" | "maintenance", state: string): string {
  return `${chart}:${state}`;
}

interface ChartRequest {
  key: string;
  chart: "daemon" | "maintenance";
  state: string;
}

/** The chart keys a snapshot shows: the maintenance state and each daemon's lifecycle. */
function chartKeysOf(snapshot: RuntimeSnapshot): ChartRequest[] {
  const maintenance = snapshot.maintenance.state;
  const keys: ChartRequest[] = [{ key: chartKey("maintenance", maintenance), chart: "maintenance", state: maintenance }];
  for (const daemon of snapshot.daemons) {
    const key = chartKey("daemon", daemon.lifecycle);
    if (!keys.some((entry) => entry.key === key)) keys.push({ key, chart: "daemon", state: daemon.lifecycle });
  }
  return keys;
}

/** Drops the XML prolog and doctype so the SVG can sit inline in HTML. */
function inlineSvg(svg: string): string {
  const start = svg.indexOf("<svg");
  return start >= 0 ? svg.slice(start) : svg;
}

/** `JSON.stringify` that survives a stray bigint. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner) => typeof inner === "bigint" ? `0x${inner.toString(16)}` : inner);
}

/** What counts as a change: everything but the tick counter and the timestamp. */
function changeKey(snapshot: RuntimeSnapshot): string {
  return toJson({ ...snapshot, ticks: 0, atMs: 0 });
}

interface Subscriber {
  send(event: string, data: string): void;
  sentCharts: Set<string>;
  close(): void;
}

/** The cookie a token-protected inspector's page carries its token in (for `/events`). */
const TOKEN_COOKIE = "meshos_inspector_token";

/**
 * Builds the handler. `options.isAllowedHost` (when given) vets each request's `Host` header;
 * others get 421. With `options.token`, every request must carry it — as `?token=` (the page then
 * keeps it in an HttpOnly, SameSite=Strict cookie for its event stream) or in that cookie —
 * compared in constant time; others get 401. Routes: `GET /` the page, `GET /events` the event
 * stream (`update` events carrying an `InspectorUpdate`; `problem` events when `getSnapshot` throws),
 * `GET /snapshot.json` the current snapshot, `GET /metrics` it in the Prometheus text format,
 * `GET /healthz` 200 `{status: "ok", maintenance, daemons}` (503 when the snapshot fails). Only GET and HEAD are served: anything else is
 * 405, and no request reaches the runtime except through `getSnapshot`.
 *
 * @example
 * ```ts
 * const handler = createInspectorHandler({ getSnapshot: () => sdk.snapshot(), machines: { daemon: daemonMachine, maintenance: maintenanceMachine } });
 * Deno.serve({ port: 8080 }, handler.handle);
 * ```
 */
export function createInspectorHandler(
  source: InspectorSource,
  options: { isAllowedHost?: (host: string) => boolean; token?: string } = {},
): InspectorHandler {
  const pollIntervalMs = source.pollIntervalMs ?? 200;
  const subscribers = new Set<Subscriber>();
  let poller: ReturnType<typeof setInterval> | null = null;
  let heartbeat: ReturnType<typeof setInterval> | null = null;
  let polling = false;
  let lastChange: string | null = null;
  let lastProblem: string | null = null;
  let closed = false;

  const renderCharts = async (snapshot: RuntimeSnapshot, skip: Set<string>): Promise<Record<string, string>> => {
    const charts: Record<string, string> = {};
    for (const { key, chart, state } of chartKeysOf(snapshot)) {
      if (skip.has(key)) continue;
      const svg = await cachedSvg(source.machines[chart], { ...BUILTIN_CHART_OPTIONS[chart], highlight: [state] });
      charts[key] = inlineSvg(svg);
    }
    return charts;
  };

  const sendUpdate = async (subscriber: Subscriber, snapshot: RuntimeSnapshot) => {
    const charts = await renderCharts(snapshot, subscriber.sentCharts);
    for (const key of Object.keys(charts)) subscriber.sentCharts.add(key);
    subscriber.send("update", toJson({ snapshot, charts } satisfies InspectorUpdate));
  };

  const readSnapshot = (): RuntimeSnapshot | null => {
    try {
      const snapshot = source.getSnapshot();
      lastProblem = null;
      return snapshot;
    } catch (caught) {
      const problem = `getSnapshot() threw: ${caught instanceof Error ? caught.message : String(caught)}`;
      if (problem !== lastProblem) for (const subscriber of subscribers) subscriber.send("problem", toJson({ problem }));
      lastProblem = problem;
      return null;
    }
  };

  const poll = async () => {
    if (polling || closed) return;
    polling = true;
    try {
      const snapshot = readSnapshot();
      if (snapshot === null) return;
      const change = changeKey(snapshot);
      if (change === lastChange) return;
      lastChange = change;
      for (const subscriber of subscribers) await sendUpdate(subscriber, snapshot);
    } catch (caught) {
      for (const subscriber of subscribers) subscriber.send("problem", toJson({ problem: `rendering failed: ${String(caught)}` }));
    } finally {
      polling = false;
    }
  };

  const startPolling = () => {
    poller ??= setInterval(poll, pollIntervalMs);
    heartbeat ??= setInterval(() => {
      for (const subscriber of subscribers) subscriber.send("", "");
    }, HEARTBEAT_MS);
  };

  const stopPollingIfIdle = () => {
    if (subscribers.size > 0) return;
    if (poller !== null) clearInterval(poller);
    if (heartbeat !== null) clearInterval(heartbeat);
    poller = heartbeat = null;
    lastChange = null;
  };

  const eventStream = (): Response => {
    const encoder = new TextEncoder();
    let subscriber: Subscriber | null = null;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let open = true;
        const current: Subscriber = {
          sentCharts: new Set(),
          send(event, data) {
            if (!open) return;
            // An empty event is a comment line: it keeps idle connections and proxies awake.
            const text = event === "" ? ": keep-alive\n\n" : `event: ${event}\ndata: ${data}\n\n`;
            try {
              controller.enqueue(encoder.encode(text));
            } catch {
              current.close();
            }
          },
          close() {
            if (!open) return;
            open = false;
            subscribers.delete(current);
            stopPollingIfIdle();
            try {
              controller.close();
            } catch {
              // Already closed by the client going away.
            }
          },
        };
        subscriber = current;
        subscribers.add(current);
        controller.enqueue(encoder.encode("retry: 1000\n\n"));
        // A client going away cancels the stream (see `cancel`). `request.signal` is not used:
        // Deno.serve aborts it once the response starts, long before the stream ends.
        startPolling();
        const snapshot = readSnapshot();
        if (snapshot !== null) {
          lastChange ??= changeKey(snapshot);
          sendUpdate(current, snapshot).catch((caught) =>
            current.send("problem", toJson({ problem: `rendering failed: ${String(caught)}` }))
          );
        }
      },
      cancel() {
        subscriber?.close();
      },
    });
    return new Response(body, {
      headers: { ...SECURITY_HEADERS, "content-type": "text/event-stream; charset=utf-8", "x-accel-buffering": "no" },
    });
  };

  const handle = async (request: Request): Promise<Response> => {
    const method = request.method.toUpperCase();
    if (method !== "GET" && method !== "HEAD") {
      return new Response("405 Method Not Allowed: the inspector is read-only (GET and HEAD only)\n", {
        status: 405,
        headers: { ...SECURITY_HEADERS, allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" },
      });
    }
    if (options.isAllowedHost && !options.isAllowedHost(request.headers.get("host") ?? "")) {
      // A loopback inspector answers only to loopback names: no DNS rebinding from a web page.
      return text(421, "421 Misdirected Request: unexpected Host header\n", method);
    }
    const url = new URL(request.url);
    const { pathname } = url;
    const fromQuery = url.searchParams.get("token");
    if (options.token !== undefined) {
      const presented = fromQuery ?? cookieValue(request.headers.get("cookie"), TOKEN_COOKIE);
      if (presented === null || !sameSecret(presented, options.token)) {
        return text(401, "401 Unauthorized: this inspector listens beyond loopback; open the URL it printed, with its token\n", method);
      }
    }
    if (closed) return text(503, "503 Service Unavailable: the inspector is closing\n", method);
    if (pathname === "/events") {
      return method === "HEAD" ? new Response(null, { headers: { "content-type": "text/event-stream" } }) : eventStream();
    }
    if (pathname === "/" || pathname === "/index.html") {
      const snapshot = readSnapshot();
      const update: InspectorUpdate | null = snapshot && { snapshot, charts: await renderCharts(snapshot, new Set()) };
      const page = inspectorPage(update === null ? null : toJson(update), lastProblem);
      const headers: Record<string, string> = {
        ...SECURITY_HEADERS,
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": PAGE_POLICY,
      };
      if (options.token !== undefined && fromQuery !== null) {
        headers["set-cookie"] = `${TOKEN_COOKIE}=${options.token}; HttpOnly; SameSite=Strict; Path=/`;
      }
      return new Response(method === "HEAD" ? null : page, { headers });
    }
    if (pathname === "/snapshot.json") {
      const snapshot = readSnapshot();
      if (snapshot === null) return text(500, `${lastProblem}\n`, method);
      return new Response(method === "HEAD" ? null : toJson(snapshot), {
        headers: { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8" },
      });
    }
    if (pathname === "/metrics") {
      const snapshot = readSnapshot();
      if (snapshot === null) return text(500, `${lastProblem}\n`, method);
      return new Response(method === "HEAD" ? null : toPrometheus(snapshot), {
        headers: { ...SECURITY_HEADERS, "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    }
    if (pathname === "/healthz") {
      const snapshot = readSnapshot();
      const body = snapshot === null
        ? { status: "failing", problem: lastProblem }
        : { status: "ok", maintenance: snapshot.maintenance.state, daemons: snapshot.daemons.filter((d) => d.lifecycle !== "stopped").length };
      return new Response(method === "HEAD" ? null : JSON.stringify(body) + "\n", {
        status: snapshot === null ? 503 : 200,
        headers: { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8" },
      });
    }
    if (pathname === "/favicon.ico") return new Response(null, { status: 204, headers: SECURITY_HEADERS });
    return text(404, `404 Not Found: ${pathname} (try / , /events, /snapshot.json, /metrics or /healthz)\n`, method);
  };

  return {
    handle,
    close() {
      closed = true;
      for (const subscriber of [...subscribers]) subscriber.close();
      stopPollingIfIdle();
    },
  };
}

/** The value of cookie `name` in a `Cookie` header, or null. */
function cookieValue(header: string | null, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return null;
}

/** Compares two secrets in time that depends only on their lengths, not on where they differ. */
function sameSecret(presented: string, expected: string): boolean {
  const a = new TextEncoder().encode(presented);
  const b = new TextEncoder().encode(expected);
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) difference |= (a[i] ?? 0) ^ b[i];
  return difference === 0;
}

function text(status: number, body: string, method: string): Response {
  return new Response(method === "HEAD" ? null : body, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8" },
  });
}
