#!/usr/bin/env bun
/**
 * The `meshos` command line. Runs under Bun (`bun bin/meshos.ts viz …`), Deno
 * (`deno run --allow-read --allow-write bin/meshos.ts viz …`) and, compiled, Node.js (the npm
 * package's `meshos` command: `lib/bin/meshos.js`).
 *
 * Commands:
 * - `viz`: draw statecharts as Mermaid, DOT or SVG (see `meshos viz --help`);
 * - `inspect URL`: a running node's daemons, states, counters, peers and log tail, live;
 * - `demo`: the demo (`examples/demo.ts`);
 * - `bench`: the queue core measured here (`src/viz/bench_command.ts`);
 * - `--version`: the SDK version.
 *
 * Exit codes: 0 done, 1 failed, 2 bad arguments.
 *
 * @example
 * ```sh
 * bun bin/meshos.ts viz daemon --format svg --out daemon.svg
 * ```
 *
 * @module
 */

import { realpathSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { processIo, runVizCommand } from "../src/viz/viz_command.ts";
import { runInspectCommand } from "../src/viz/inspect_command.ts";
import { runBenchCommand } from "../src/viz/bench_command.ts";
import { SDK_VERSION } from "../src/contract/sdk_version.ts";

const USAGE = `Usage: meshos <command> [arguments]

Commands:
  viz        draw statecharts (built-in or your own machines) as Mermaid, DOT or SVG
  inspect    show a running node from its inspector URL (daemons, states, counters, peers, log)
  demo       run the demo: one node, one daemon, its whole lifecycle, with the inspector
  bench      measure the queue core here: every ring backend against a plain array
  --version  print the SDK version

Run \`meshos <command> --help\` for a command's options.
`;

/**
 * Runs the CLI with `args` (without the runtime and script path) and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await main(["viz", "--format", "dot"]);
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === "viz") return await runVizCommand(rest);
  if (command === "inspect") return await runInspectCommand(rest, processIo());
  if (command === "bench") return await runBenchCommand(rest, processIo());
  if (command === "demo") {
    await import("../examples/demo.ts"); // it runs as it loads, and ends by itself
    return 0;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`meshos ${SDK_VERSION}\n`);
    return 0;
  }
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  process.stderr.write(`meshos: command: received ${JSON.stringify(command)}, expected viz, inspect, demo, bench or --version\n\n${USAGE}`);
  return 2;
}

/** Run as a program (not imported): `import.meta.main` under Bun and Deno; Node has no such flag. */
function invokedDirectly(): boolean {
  const flag = (import.meta as { main?: boolean }).main;
  if (flag !== undefined) return flag;
  const script = process.argv[1];
  return script !== undefined && realpathSync(script) === fileURLToPath(import.meta.url);
}

if (invokedDirectly()) process.exitCode = await main(process.argv.slice(2));
