/**
 * `meshos viz`: built-ins and user modules in every format, files and folders with `--out`, and
 * bad arguments answered with exit code 2 and a message naming the argument, the value received
 * and what was expected. The real `bin/meshos.ts` is run once per case that needs a process.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtimeName, test } from "./_harness.ts";
import { type CommandIo, runVizCommand } from "../src/viz/viz_command.ts";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));

// A user's own machine, importing xstate by its bare name as a daemon author would. It lives under
// the project's (git-ignored) .tmp so that both runtimes resolve "xstate" from this project.
const USER_MODULE = `import { setup } from "xstate";
export const trafficLight = setup({ guards: { isNight: () => false } }).createMachine({
  id: "trafficLight",
  initial: "green",
  states: {
    green: { after: { 3000: "yellow" }, on: { EMERGENCY: { target: "red", guard: "isNight" } } },
    yellow: { after: { 1000: "red" } },
    red: { on: { GO: "green", OFF: "off" } },
    off: { type: "final" },
  },
});
export const notAMachine = { id: "nope" };
export const version = 3;
`;

async function userModuleDir(): Promise<string> {
  await mkdir(join(projectRoot, ".tmp"), { recursive: true });
  const dir = await mkdtemp(join(projectRoot, ".tmp", "viz-cli-"));
  await writeFile(join(dir, "traffic_light.ts"), USER_MODULE);
  return dir;
}

interface Captured {
  io: CommandIo;
  stdout: () => string;
  stderr: () => string;
}

function capture(cwd: string = projectRoot): Captured {
  let out = "";
  let err = "";
  return {
    io: { cwd, stdout: (text) => void (out += text), stderr: (text) => void (err += text) },
    stdout: () => out,
    stderr: () => err,
  };
}

/** Runs bin/meshos.ts in a child process of the runtime running this test. */
function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const runtimeArgs = runtimeName === "deno" ? ["run", "--allow-read", "--allow-write", "bin/meshos.ts"] : ["bin/meshos.ts"];
  const result = spawnSync(process.execPath, [...runtimeArgs, ...args], {
    cwd: projectRoot,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("meshos viz (process): a user's machine from a module path, as DOT", async () => {
  const dir = await userModuleDir();
  try {
    const modulePath = join(dir, "traffic_light.ts").slice(projectRoot.length);
    const result = runCli(["viz", `${modulePath}#trafficLight`, "--format", "dot"]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^digraph "trafficLight" \{/);
    for (const text of ['"green"', '"yellow"', '"red"', '"off"', "after 3000ms", "EMERGENCY [isNight]", "GO", "OFF"]) {
      assert.ok(result.stdout.includes(text), `missing ${text}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("meshos viz (process): bad arguments exit 2 with a message naming argument, value and expectation", () => {
  const format = runCli(["viz", "daemon", "--format", "png"]);
  assert.equal(format.status, 2);
  assert.match(format.stderr, /--format: received "png", expected mermaid, dot or svg/);
  assert.equal(format.stdout, "");
  const command = runCli(["vis"]);
  assert.equal(command.status, 2);
  assert.match(command.stderr, /command: received "vis", expected viz, inspect, demo, bench or --version/);
});

test("meshos viz: no machine named draws every built-in", async () => {
  const out = capture();
  assert.equal(await runVizCommand([], out.io), 0);
  assert.match(out.stdout(), /%% daemon\n---\ntitle: daemon\n---\nstateDiagram-v2/);
  assert.match(out.stdout(), /%% maintenance\n---\ntitle: maintenance\n---\nstateDiagram-v2/);
  assert.equal(out.stderr(), "");
});

test("meshos viz: --out writes one file, or one file per machine into a folder", async () => {
  const dir = await userModuleDir();
  try {
    const single = capture(dir);
    assert.equal(await runVizCommand(["maintenance", "--format", "svg", "--out", "charts/m.svg", "--highlight", "Recovery"], single.io), 0);
    const svg = await readFile(join(dir, "charts/m.svg"), "utf8");
    assert.match(svg, /<g id="state:Recovery" class="node state active">/);
    assert.match(single.stderr(), /wrote .*charts\/m\.svg/);

    const several = capture(dir);
    assert.equal(await runVizCommand(["daemon", "traffic_light.ts", "--format=dot", "--out", "all", "--direction", "LR"], several.io), 0);
    assert.match(await readFile(join(dir, "all/daemon.dot"), "utf8"), /rankdir=LR/);
    assert.match(await readFile(join(dir, "all/trafficLight.dot"), "utf8"), /^digraph "trafficLight"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("meshos viz: machine arguments that do not resolve exit 2 and say why", async () => {
  const dir = await userModuleDir();
  try {
    const cases: Array<[string[], RegExp]> = [
      [["deamon"], /machine: received "deamon", expected daemon, maintenance or path\/to\/module\.ts#exportName/],
      [["missing.ts#x"], /machine: received "missing\.ts#x", expected .*no file at .*missing\.ts/],
      [["traffic_light.ts#nope"], /machine: received "traffic_light\.ts#nope", expected an export of traffic_light\.ts named nope; its machines: trafficLight/],
      [["traffic_light.ts#notAMachine"], /expected notAMachine to be an XState machine .*got an object with keys id/],
      [["traffic_light.ts#"], /machine: received "traffic_light\.ts#", expected an export name after "#"/],
    ];
    for (const [args, message] of cases) {
      const out = capture(dir);
      assert.equal(await runVizCommand(args, out.io), 2, `exit code for ${args.join(" ")}`);
      assert.match(out.stderr(), message);
      assert.equal(out.stdout(), "");
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("meshos viz: bad options exit 2 and say what was expected", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["--format"], /--format: received nothing, expected mermaid, dot or svg/],
    [["--format", "--out", "x"], /--format: received the option "--out", expected mermaid, dot or svg/],
    [["--direction", "up"], /--direction: received "up", expected TB or LR/],
    [["--colour", "red"], /option: received "--colour", expected --format, --out, --highlight, --direction or --help/],
    [["--out="], /--out: received "", expected a file or folder path/],
  ];
  for (const [args, message] of cases) {
    const out = capture();
    assert.equal(await runVizCommand(args, out.io), 2, `exit code for ${args.join(" ")}`);
    assert.match(out.stderr(), message);
    assert.match(out.stderr(), /Run `meshos viz --help` for usage/);
  }
});

test("meshos viz: --help prints usage and exits 0; a module with one machine needs no #export", async () => {
  const help = capture();
  assert.equal(await runVizCommand(["--help"], help.io), 0);
  assert.match(help.stdout(), /Usage: meshos viz \[daemon\|maintenance\|path\/to\/module\.ts#exportName/);
  const dir = await userModuleDir();
  try {
    const out = capture(dir);
    assert.equal(await runVizCommand(["./traffic_light.ts"], out.io), 0, out.stderr());
    assert.match(out.stdout(), /green --> yellow : after 3000ms/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
