/**
 * `meshos viz`: draws statecharts — the built-in ones by name, or a machine exported by the
 * user's own module — as Mermaid, Graphviz DOT or SVG, to stdout or to files.
 *
 * @module
 */

import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import type { AnyStateMachine } from "xstate";
import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";
import { BUILTIN_CHART_NAMES, type BuiltinChartName } from "./builtin_chart_options.ts";
import { builtinChart } from "./builtin_charts.ts";
import type { ChartOptions } from "./chart_options.ts";
import { toDot } from "./to_dot.ts";
import { toMermaid } from "./to_mermaid.ts";
import { toSvg } from "./to_svg.ts";
import { invalid } from "./cli_argument_error.ts";

/** Output formats and the file extension each is written with. */
const FORMAT_EXTENSIONS = { mermaid: "mmd", dot: "dot", svg: "svg" } as const;

/**
 * An output format of `meshos viz`.
 *
 * @example
 * ```ts
 * const format: VizFormat = "svg";
 * ```
 */
export type VizFormat = keyof typeof FORMAT_EXTENSIONS;

/**
 * Where the command reads and writes; tests pass their own.
 *
 * @example
 * ```ts
 * let out = "";
 * const io: CommandIo = { cwd: "/tmp", stdout: (text) => void (out += text), stderr: console.error };
 * await runVizCommand(["daemon"], io);
 * ```
 */
export interface CommandIo {
  /** Folder that relative paths (`--out`, module paths) resolve against. */
  cwd: string;
  stdout(text: string): void | Promise<void>;
  stderr(text: string): void | Promise<void>;
}

/**
 * Exit status: 0 done, 1 a machine module failed to load or a file could not be written, 2 bad
 * arguments.
 *
 * @example
 * ```ts
 * const code: ExitCode = await runVizCommand(["--format", "png"]); // 2
 * ```
 */
export type ExitCode = 0 | 1 | 2;

/**
 * The command's usage text.
 *
 * @example
 * ```ts
 * console.log(VIZ_USAGE);
 * ```
 */
export const VIZ_USAGE = `Usage: meshos viz [daemon|maintenance|path/to/module.ts#exportName ...] [options]

Draws statecharts from XState machine definitions. With no machine named, draws every built-in one.
A module path without #exportName uses its only exported machine.

Options:
  --format mermaid|dot|svg  output format (default: mermaid)
  --out PATH                write to PATH instead of stdout; with several machines, PATH is a
                            folder that gets one <name>.<mmd|dot|svg> file per machine
  --highlight STATE         mark a state as current (dotted path, repeatable), e.g. running.normal
  --direction TB|LR         layout direction (default: the chart's own; TB for modules)
  -h, --help                show this help
`;

interface VizArguments {
  machines: string[];
  format: VizFormat;
  out: string | null;
  highlight: string[];
  direction: "TB" | "LR" | null;
  help: boolean;
}

interface NamedMachine {
  name: string;
  machine: AnyStateMachine;
  options: ChartOptions;
}

/**
 * Runs `meshos viz` with the arguments after `viz` and returns the exit code. Errors are
 * reported on `io.stderr` as `meshos viz: <argument>: received <value>, expected <what>`.
 *
 * @example
 * ```ts
 * const code = await runVizCommand(["daemon", "--format", "svg", "--out", "daemon.svg"]);
 * ```
 */
export async function runVizCommand(args: readonly string[], io: CommandIo = processIo()): Promise<ExitCode> {
  try {
    const parsed = parseVizArguments(args);
    if (parsed.help) {
      await io.stdout(VIZ_USAGE);
      return 0;
    }
    const names = parsed.machines.length > 0 ? parsed.machines : [...BUILTIN_CHART_NAMES];
    const machines: NamedMachine[] = [];
    for (const spec of names) machines.push(await loadMachine(spec, io.cwd));
    await emit(machines, parsed, io);
    return 0;
  } catch (caught) {
    const error = MeshOsSdkError.fromCaught(caught);
    const usage = error instanceof MeshOsSdkError && error.kind === "invalid_argument";
    const detail = error instanceof MeshOsSdkError ? error.detail : error.message;
    await io.stderr(`meshos viz: ${detail}\n${usage ? "Run `meshos viz --help` for usage.\n" : ""}`);
    return usage ? 2 : 1;
  }
}

/** The CLI's real streams and working folder. */
export function processIo(): CommandIo {
  const write = (stream: { write(text: string, done: () => void): unknown }, text: string) =>
    new Promise<void>((done) => stream.write(text, () => done()));
  return { cwd: process.cwd(), stdout: (text) => write(process.stdout, text), stderr: (text) => write(process.stderr, text) };
}


function parseVizArguments(args: readonly string[]): VizArguments {
  const parsed: VizArguments = { machines: [], format: "mermaid", out: null, highlight: [], direction: null, help: false };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === "-h" || arg === "--help") {
      parsed.help = true;
      continue;
    }
    if (!arg.startsWith("-")) {
      parsed.machines.push(arg);
      continue;
    }
    const equals = arg.indexOf("=");
    const flag = equals > 0 ? arg.slice(0, equals) : arg;
    const takeValue = (expected: string): string => {
      if (equals > 0) return arg.slice(equals + 1);
      const value = args[index + 1];
      if (value === undefined || (value.startsWith("-") && value.length > 1)) {
        const received = value === undefined ? "nothing" : `the option ${describeValue(value)}`;
        throw new MeshOsSdkError("invalid_argument", `${flag}: received ${received}, expected ${expected}`);
      }
      index++;
      return value;
    };
    switch (flag) {
      case "--format": {
        const value = takeValue("mermaid, dot or svg");
        if (!(value in FORMAT_EXTENSIONS)) throw invalid("--format", value, "mermaid, dot or svg");
        parsed.format = value as VizFormat;
        break;
      }
      case "--out":
        parsed.out = takeValue("a file or folder path");
        if (parsed.out === "") throw invalid("--out", "", "a file or folder path");
        break;
      case "--highlight":
        parsed.highlight.push(takeValue("a dotted state path such as running.normal"));
        break;
      case "--direction": {
        const value = takeValue("TB or LR");
        if (value !== "TB" && value !== "LR") throw invalid("--direction", value, "TB or LR");
        parsed.direction = value;
        break;
      }
      default:
        throw invalid("option", arg, "--format, --out, --highlight, --direction or --help");
    }
  }
  return parsed;
}

/** A built-in name, or `path/to/module.ts#exportName` (the export defaults to the only machine). */
async function loadMachine(spec: string, cwd: string): Promise<NamedMachine> {
  if ((BUILTIN_CHART_NAMES as readonly string[]).includes(spec)) {
    const { name, machine, options } = builtinChart(spec as BuiltinChartName);
    return { name, machine, options };
  }
  const hash = spec.lastIndexOf("#");
  const modulePath = hash >= 0 ? spec.slice(0, hash) : spec;
  const exportName = hash >= 0 ? spec.slice(hash + 1) : null;
  const expected = `${BUILTIN_CHART_NAMES.join(", ")} or path/to/module.ts#exportName`;
  if (!/[\\/.]/.test(modulePath)) throw invalid("machine", spec, expected);
  if (exportName === "") throw invalid("machine", spec, `an export name after "#" (${expected})`);
  const absolute = resolve(cwd, modulePath);
  const info = await stat(absolute).catch(() => null);
  if (!info?.isFile()) throw invalid("machine", spec, `${expected}; no file at ${absolute}`);
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(absolute).href);
  } catch (caught) {
    throw new Error(`machine ${JSON.stringify(spec)}: importing ${absolute} failed: ${String(caught)}`);
  }
  const machineExports = Object.keys(module).filter((key) => isStateMachine(module[key]));
  if (exportName === null) {
    if (machineExports.length !== 1) {
      throw invalid("machine", spec, `path#exportName naming one of its machine exports (${listOrNone(machineExports)})`);
    }
    return { name: machineExports[0], machine: module[machineExports[0]] as AnyStateMachine, options: {} };
  }
  if (!(exportName in module)) {
    throw invalid("machine", spec, `an export of ${modulePath} named ${exportName}; its machines: ${listOrNone(machineExports)}`);
  }
  if (!isStateMachine(module[exportName])) {
    throw invalid("machine", spec, `${exportName} to be an XState machine (createMachine/setup().createMachine), got ${describeKind(module[exportName])}`);
  }
  return { name: exportName, machine: module[exportName] as AnyStateMachine, options: {} };
}

/** Duck-typed so a machine built with the user's own copy of xstate is accepted too. */
function isStateMachine(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const candidate = value as { root?: { states?: unknown; path?: unknown }; id?: unknown; transition?: unknown };
  return typeof candidate.id === "string" && typeof candidate.transition === "function" &&
    typeof candidate.root?.states === "object" && Array.isArray(candidate.root?.path);
}

function describeKind(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an object with keys ${Object.keys(value).slice(0, 5).join(", ") || "(none)"}`;
  return typeof value;
}

function listOrNone(names: string[]): string {
  return names.length > 0 ? names.join(", ") : "none found";
}

async function render(entry: NamedMachine, parsed: VizArguments): Promise<string> {
  const options: ChartOptions = {
    ...entry.options,
    ...(parsed.direction ? { direction: parsed.direction } : {}),
    ...(parsed.highlight.length > 0 ? { highlight: parsed.highlight } : {}),
  };
  if (parsed.format === "mermaid") return toMermaid(entry.machine, options);
  if (parsed.format === "dot") return toDot(entry.machine, options);
  return await toSvg(entry.machine, options);
}

async function emit(machines: NamedMachine[], parsed: VizArguments, io: CommandIo): Promise<void> {
  const outputs: Array<{ name: string; text: string }> = [];
  for (const entry of machines) outputs.push({ name: entry.name, text: await render(entry, parsed) });
  if (parsed.out === null) {
    const header = (name: string) =>
      outputs.length === 1 ? "" : parsed.format === "mermaid" ? `%% ${name}\n` : parsed.format === "dot" ? `// ${name}\n` : `<!-- ${name} -->\n`;
    await io.stdout(outputs.map(({ name, text }) => header(name) + text).join("\n"));
    return;
  }
  const target = resolve(io.cwd, parsed.out);
  const files = outputs.length === 1
    ? [{ path: target, text: outputs[0].text }]
    : outputs.map(({ name, text }) => ({ path: join(target, `${name}.${FORMAT_EXTENSIONS[parsed.format]}`), text }));
  for (const file of files) {
    try {
      await mkdir(dirname(file.path), { recursive: true });
      await writeFile(file.path, file.text);
    } catch (caught) {
      throw new Error(`--out: could not write ${file.path}: ${String(caught)}`);
    }
    await io.stderr(`wrote ${file.path}\n`);
  }
}
