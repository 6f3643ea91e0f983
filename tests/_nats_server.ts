/**
 * Real `nats-server`s for the mesh tests (Debian's 2.9.10, installed by the test command):
 * JetStream on, a store in a fresh temp dir, loopback only, free ports, and a watchdog — each
 * server runs under `sh`, which kills it as soon as the test process's pipe to it closes, so a
 * server never outlives the test process even when that process is SIGKILLed.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

const NATS_SERVER = "/usr/sbin/nats-server";
const READY_TIMEOUT_MS = 10_000;

/** The watchdog: start the server, say its pid, wait for stdin to close, then kill it. */
const WATCHDOG = 'nats-server "$@" & s=$!; echo "pid $s"; cat >/dev/null; kill -9 $s 2>/dev/null; wait $s 2>/dev/null';

/** One running server. */
export interface NatsServer {
  /** `nats://127.0.0.1:<port>`. */
  url: string;
  port: number;
  storeDir: string;
  /** Kills the server at once (SIGKILL), keeping its store for `restart()`. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Kills the server and removes its store; idempotent. */
  stop(): Promise<void>;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Running {
  watchdog: ChildProcess;
  serverPid: number;
  exited: Promise<void>;
}

/** Starts `nats-server` with `args`; resolves once it says it is ready. */
async function launch(args: string[]): Promise<Running> {
  const watchdog = spawn("sh", ["-c", WATCHDOG, "sh", ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { PATH: `/usr/sbin:/usr/bin:/bin:${process.env.PATH ?? ""}` },
  });
  const exited = new Promise<void>((resolve) => watchdog.once("exit", () => resolve()));
  let log = "";
  let serverPid = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`nats-server not ready after ${READY_TIMEOUT_MS} ms:\n${log}`)), READY_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      watchdog.stdin!.end();
      reject(err);
    };
    watchdog.stdout!.on("data", (chunk: Buffer) => {
      const match = /pid (\d+)/.exec(String(chunk));
      if (match) serverPid = Number(match[1]);
    });
    watchdog.stderr!.on("data", (chunk: Buffer) => {
      log += String(chunk);
      if (log.includes("Server is ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    watchdog.once("exit", () => fail(new Error(`nats-server exited before it was ready:\n${log}`)));
  });
  return { watchdog, serverPid, exited };
}

async function halt(running: Running): Promise<void> {
  try {
    process.kill(running.serverPid, "SIGKILL");
  } catch {
    // already gone
  }
  running.watchdog.stdin!.end();
  await running.exited;
}

/** Options of one server; `cluster` makes it one of a routed cluster; `jetstream: false` leaves JetStream off. */
export interface NatsServerOptions {
  cluster?: { name: string; serverName: string; port: number; routes: number[] };
  jetstream?: boolean;
}

/**
 * Starts one server on a free port with JetStream in a fresh temp store.
 *
 * @example
 * ```ts
 * const server = await startNatsServer();
 * try { ... server.url ... } finally { await server.stop(); }
 * ```
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  if (!existsSync(NATS_SERVER)) {
    throw new Error(`nats-server not found at ${NATS_SERVER}: install Debian's nats-server (apt-get install -y nats-server)`);
  }
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), "nats-store-"));
  const args = ["-a", "127.0.0.1", "-p", String(port), ...(options.jetstream === false ? [] : ["-js"]), "-sd", storeDir];
  const { cluster } = options;
  if (cluster) {
    args.push(
      "--server_name", cluster.serverName,
      "--cluster_name", cluster.name,
      "--cluster", `nats://127.0.0.1:${cluster.port}`,
      "--routes", cluster.routes.map((p) => `nats://127.0.0.1:${p}`).join(","),
    );
  }
  let running: Running | null = await launch(args);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    async kill() {
      if (running) await halt(running);
      running = null;
    },
    async restart() {
      if (running) await halt(running);
      running = await launch(args);
    },
    async stop() {
      if (running) await halt(running);
      running = null;
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
