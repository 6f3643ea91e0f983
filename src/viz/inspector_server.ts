/**
 * The live inspector: a read-only web page that shows each daemon's statechart with its current
 * state highlighted, the node's maintenance statechart, live counters and the log tail, updated
 * over server-sent events. Served by `Bun.serve` or `Deno.serve`, on loopback by default.
 *
 * @module
 */

import { bytesToBase64 } from "../contract/byte_text.ts";
import type { AnyStateMachine } from "xstate";
import { describeValue, MeshOsSdkError, thrownText } from "../errors/meshos_sdk_error.ts";
import type { RuntimeSnapshot } from "../runtime/runtime_snapshot.ts";
import { hostname as machineName } from "node:os";
import { serveHttp } from "./_http_serve.ts";
import { createInspectorHandler } from "./inspector_handler.ts";

/**
 * Options of `startInspector`.
 *
 * @example
 * ```ts
 * const options: InspectorOptions = {
 *   port: 8090,
 *   getSnapshot: () => sdk.snapshot(),
 *   machines: { daemon: daemonMachine, maintenance: maintenanceMachine },
 * };
 * ```
 */
export interface InspectorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /**
   * Interface to bind; default `"127.0.0.1"`. Anything reachable from other hosts (e.g.
   * `"0.0.0.0"`) must be asked for explicitly: the page shows log lines and daemon names.
   */
  hostname?: string;
  /** The runtime's current snapshot; polled about every 200 ms while a page is open. */
  getSnapshot: () => RuntimeSnapshot;
  /** The statecharts to draw. */
  machines: { daemon: AnyStateMachine; maintenance: AnyStateMachine };
  /** Poll interval in ms while a page is connected; default 200. */
  pollIntervalMs?: number;
}

/**
 * A running inspector.
 *
 * @example
 * ```ts
 * const inspector: Inspector = await startInspector(options);
 * console.log(inspector.url); // http://127.0.0.1:8090/
 * await inspector.close();
 * ```
 */
export interface Inspector {
  /** The page's address, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  /** Ends open event streams and stops listening. Safe to call twice. */
  close(): Promise<void>;
}

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * Starts the inspector and resolves once it listens. The page is read-only: only GET and HEAD
 * are served (anything else gets 405) and the runtime is only ever read through `getSnapshot`.
 * On a loopback address, requests whose `Host` is not a loopback name are refused, so a web page
 * cannot read the inspector through DNS rebinding. Bound beyond loopback (e.g. `"0.0.0.0"`), every
 * request needs the random token that `url` carries (`?token=…`; 401 otherwise), and `Host` must
 * be an IP address or this machine's name.
 *
 * @example
 * ```ts
 * import { daemonMachine } from "../actors/daemon_machine.ts";
 * import { maintenanceMachine } from "../actors/maintenance_machine.ts";
 * const inspector = await startInspector({
 *   port: 0,
 *   getSnapshot: () => sdk.snapshot(),
 *   machines: { daemon: daemonMachine, maintenance: maintenanceMachine },
 * });
 * console.log(`inspector at ${inspector.url}`);
 * await inspector.close();
 * ```
 */
export async function startInspector(options: InspectorOptions): Promise<Inspector> {
  const { port, hostname } = validate(options);
  let boundPort = -1;
  const loopback = LOOPBACK_NAMES.has(hostname);
  // Beyond loopback anyone on the network could read the page: it needs a token, printed in the URL.
  const token = loopback ? undefined : randomToken();
  const handler = createInspectorHandler(
    { getSnapshot: options.getSnapshot, machines: options.machines, pollIntervalMs: options.pollIntervalMs },
    {
      isAllowedHost: loopback ? (host) => isLoopbackHost(host, boundPort) : directHostCheck(() => boundPort),
      token,
    },
  );
  // Through a promise, so a listen error thrown synchronously (Bun: an unknown host) is caught too.
  const server = await Promise.resolve().then(() => serveHttp(handler.handle, { port, hostname })).catch((caught) => {
    throw new MeshOsSdkError(
      "invalid_argument",
      `startInspector: could not listen on ${hostname}:${port}: ${thrownText(caught)}`,
    );
  });
  boundPort = server.port;
  const host = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${server.port}/${token === undefined ? "" : `?token=${token}`}`,
    close() {
      closing ??= (async () => {
        handler.close();
        await server.stop();
      })();
      return closing;
    },
  };
}

/**
 * Beyond loopback, `Host` must be an IP address or this machine's own name, with the bound port or
 * none: a page on another domain that rebinds its name to this machine is refused.
 */
function directHostCheck(port: () => number): (host: string) => boolean {
  let ownName: string | null = null;
  try {
    ownName = machineName().toLowerCase();
  } catch {
    // Deno without --allow-sys=hostname: IP addresses only
  }
  return (host) => {
    const match = /^(\[[0-9a-f:.]*\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
    if (!match) return false;
    const name = match[1];
    const direct = name.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || LOOPBACK_NAMES.has(name) || name === ownName;
    return direct && (match[2] === undefined || Number(match[2]) === port());
  };
}

/** 32 random bytes as URL-safe base64. */
function randomToken(): string {
  return bytesToBase64(crypto.getRandomValues(new Uint8Array(32))).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** `Host` header names a loopback address, with the bound port or none. */
function isLoopbackHost(host: string, port: number): boolean {
  const match = /^(\[[^\]]*\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!match || !LOOPBACK_NAMES.has(match[1])) return false;
  return match[2] === undefined || Number(match[2]) === port;
}

function validate(options: InspectorOptions): { port: number; hostname: string } {
  const fail = (name: string, value: unknown, expected: string) =>
    new MeshOsSdkError("invalid_argument", `startInspector: ${name}: received ${describeValue(value)}, expected ${expected}`);
  if (options === null || typeof options !== "object") throw fail("options", options, "an options object");
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw fail("port", options.port, "an integer from 0 to 65535");
  const hostname = options.hostname ?? "127.0.0.1";
  if (typeof hostname !== "string" || hostname.trim() === "") throw fail("hostname", options.hostname, "a non-empty host name or address");
  if (typeof options.getSnapshot !== "function") throw fail("getSnapshot", options.getSnapshot, "a function returning a RuntimeSnapshot");
  const machines = options.machines as Record<string, unknown> | undefined;
  for (const name of ["daemon", "maintenance"]) {
    const machine = machines?.[name] as { root?: unknown } | undefined;
    if (!machine || typeof machine !== "object" || !machine.root) {
      throw fail(`machines.${name}`, machine, "an XState machine (daemonMachine / maintenanceMachine)");
    }
  }
  const interval = options.pollIntervalMs;
  if (interval !== undefined && (!Number.isFinite(interval) || interval < 10)) {
    throw fail("pollIntervalMs", interval, "a number of milliseconds, at least 10");
  }
  return { port, hostname };
}
