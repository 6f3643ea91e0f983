/**
 * Serves a fetch-style handler with the host runtime's own server: `Bun.serve` under Bun,
 * `Deno.serve` under Deno, `node:http` under Node.js (requests and streamed responses translated
 * to and from the web-standard shapes). Private to the inspector.
 *
 * @module
 */

/** A request handler in the web-standard shape. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** A listening server. */
export interface HttpServerHandle {
  /** The bound port (the chosen one when asked for port 0). */
  port: number;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
}

interface BunServer {
  port: number;
  stop(closeActiveConnections?: boolean): void | Promise<void>;
}

interface DenoApi {
  serve(
    options: { port: number; hostname: string; onListen: () => void },
    handler: FetchHandler,
  ): { addr: { port: number }; shutdown(): Promise<void> };
}

interface BunApi {
  serve(options: {
    port: number;
    hostname: string;
    fetch: FetchHandler;
    idleTimeout: number;
  }): BunServer;
}

/**
 * Starts listening on `hostname:port` (port 0 picks a free port).
 *
 * @example
 * ```ts
 * const server = await serveHttp(() => new Response("ok"), { port: 0, hostname: "127.0.0.1" });
 * await server.stop();
 * ```
 */
export function serveHttp(
  handler: FetchHandler,
  options: { port: number; hostname: string },
): Promise<HttpServerHandle> {
  const bun = (globalThis as { Bun?: BunApi }).Bun;
  if (bun) {
    // idleTimeout 0: Bun would otherwise cut a quiet event stream after 10 s.
    const server = bun.serve({ port: options.port, hostname: options.hostname, fetch: handler, idleTimeout: 0 });
    return Promise.resolve({ port: server.port, stop: async () => void await server.stop(true) });
  }
  const deno = (globalThis as { Deno?: DenoApi }).Deno;
  if (deno && typeof deno.serve === "function") {
    const server = deno.serve({ port: options.port, hostname: options.hostname, onListen: () => {} }, handler);
    return Promise.resolve({ port: server.addr.port, stop: () => server.shutdown() });
  }
  return serveNode(handler, options);
}

/** `node:http` serving `handler`: each request made a `Request`, each `Response` body streamed out. */
async function serveNode(handler: FetchHandler, options: { port: number; hostname: string }): Promise<HttpServerHandle> {
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    void (async () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
      }
      const response = await handler(new Request(`http://${req.headers.host ?? options.hostname}${req.url ?? "/"}`, { method: req.method, headers }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (!response.body || req.method === "HEAD") return void res.end();
      const reader = response.body.getReader();
      res.once("close", () => void reader.cancel().catch(() => {}));
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) res.write(chunk.value);
      res.end();
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
