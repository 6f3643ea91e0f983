/**
 * `meshos bench`: the queue core measured on this machine, now — every ring backend this runtime
 * loads (native, wasm, js) and a plain JavaScript array as the baseline, each pushing and popping
 * `--records` records of 32 bytes in batches of 256 (`pushBatch`, `popBatchInPlace`) in this
 * process; with `--hyperfine`, the same as whole programs under `hyperfine` (runtime start and
 * library load included), one command per backend, in one hyperfine call.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { type BackendChoice, loadBackend } from "../ffi/load.ts";
import { MeshOsSdkError, thrownText } from "../errors/meshos_sdk_error.ts";
import type { CommandIo, ExitCode } from "./viz_command.ts";
import { invalid } from "./cli_argument_error.ts";

/** What `meshos bench --help` prints. */
export const BENCH_USAGE = `Usage: meshos bench [--records <n>] [--hyperfine]

Pushes and pops <n> records of 32 B (default 1000000) in batches of 256 through every ring
backend this runtime loads and through a plain array, and prints ns per record and the rate.
--hyperfine runs the same as whole programs under hyperfine (startup included).
`;

const BATCH = 256;
const PAYLOAD_BYTES = 32;
const CHOICES = ["native", "wasm", "js", "array"] as const;
/** What `meshos bench` measures: a ring backend, or a plain array. */
export type BenchCase = (typeof CHOICES)[number];

interface BenchArguments {
  records: number;
  hyperfine: boolean;
  /** Internal: the one case a hyperfine command runs. */
  one: BenchCase | null;
  help: boolean;
}

/** Runs `meshos bench` with `args`; 0 done, 1 a backend or hyperfine failed, 2 bad arguments. */
export async function runBenchCommand(args: readonly string[], io: CommandIo): Promise<ExitCode> {
  let parsed: BenchArguments;
  try {
    parsed = parseBenchArguments(args);
  } catch (err) {
    await io.stderr(`meshos bench: ${err instanceof MeshOsSdkError ? err.detail : thrownText(err)}\n\n${BENCH_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    await io.stdout(BENCH_USAGE);
    return 0;
  }
  if (parsed.one !== null) {
    await runBenchCase(parsed.one, parsed.records);
    return 0;
  }
  if (parsed.hyperfine) return await runHyperfine(parsed.records, io);
  await io.stdout(`meshos bench: ${parsed.records} records of ${PAYLOAD_BYTES} B in batches of ${BATCH}, ${runtimeName()}\n`);
  await io.stdout(`${"backend".padEnd(10)} ${"ns/record".padStart(10)} ${"records/s".padStart(12)} ${"array ÷ this".padStart(13)}\n`);
  const rows: { name: string; ns: number }[] = [];
  let failed = false;
  for (const choice of CHOICES) {
    try {
      await runBenchCase(choice, Math.min(parsed.records, 100_000)); // warm-up
      const started = performance.now();
      const name = await runBenchCase(choice, parsed.records);
      rows.push({ name, ns: ((performance.now() - started) * 1e6) / parsed.records });
    } catch (err) {
      // A backend this runtime cannot load is reported; anything else failing is a failure.
      const unavailable = err instanceof MeshOsSdkError && err.kind === "backend_unavailable";
      if (!unavailable) failed = true;
      await io.stdout(`${choice.padEnd(10)} ${unavailable ? "unavailable" : "failed"}: ${err instanceof MeshOsSdkError ? err.detail : thrownText(err)}\n`);
    }
  }
  const array = rows.find((row) => row.name === "array")?.ns;
  for (const row of rows) {
    const rate = 1e9 / row.ns;
    const vs = array === undefined ? "" : `${(array / row.ns).toFixed(2)}×`;
    await io.stdout(`${row.name.padEnd(10)} ${row.ns.toFixed(1).padStart(10)} ${`${(rate / 1e6).toFixed(1)} M/s`.padStart(12)} ${vs.padStart(13)}\n`);
  }
  return failed ? 1 : 0;
}

/**
 * Pushes and pops `records` records of 32 B through `choice` in batches of 256 (`pushBatch`,
 * `popBatchInPlace`; "array": a plain array); resolves with the backend's name. The workload of
 * every `meshos bench` row, and of `bench/pipeline.ts` under hyperfine.
 */
export async function runBenchCase(choice: BenchCase, records: number): Promise<string> {
  const batch = Array.from({ length: BATCH }, (_, i) => new Uint8Array(PAYLOAD_BYTES).fill(i));
  let sum = 0;
  if (choice === "array") {
    const queue: Uint8Array[] = [];
    for (let i = 0; i < records; i += BATCH) {
      for (const payload of batch) queue.push(payload.slice());
      for (let next = queue.shift(); next; next = queue.shift()) sum += next[0];
    }
    if (records > 0 && sum === 0) throw new Error("no payload bytes seen");
    return "array";
  }
  const backend = await loadBackend(choice as BackendChoice);
  const ring = backend.createRing({ capacityBytes: 1 << 16, producers: "single" });
  try {
    for (let i = 0; i < records; i += BATCH) {
      if (ring.pushBatch(batch, 1) !== BATCH) throw new Error("the ring was full with nothing in flight");
      ring.popBatchInPlace(BATCH, (bytes, offset) => void (sum += bytes[offset]));
    }
  } finally {
    ring.close();
  }
  if (records > 0 && sum === 0) throw new Error("no payload bytes seen");
  return backend.name;
}

/** One hyperfine call over every case, each a whole `meshos bench --one <case>` program. */
async function runHyperfine(records: number, io: CommandIo): Promise<ExitCode> {
  const script = process.argv[1];
  const self = "Deno" in globalThis && !("Bun" in globalThis)
    ? `${process.execPath} run --allow-all ${script}`
    : `${process.execPath} ${script}`;
  const commands = CHOICES.map((choice) => `${self} bench --one ${choice} --records ${records}`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn("hyperfine", ["--style", "basic", "--warmup", "1", "--runs", "5", ...commands], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Uint8Array) => void io.stdout(String(chunk)));
    child.stderr.on("data", (chunk: Uint8Array) => void io.stderr(String(chunk)));
    child.once("error", (err) => {
      void io.stderr(`meshos bench: hyperfine could not be started (${err.message}); install it (apt-get install hyperfine)\n`);
      resolve(null);
    });
    child.once("exit", (status) => resolve(status));
  });
  return code === 0 ? 0 : 1;
}

function runtimeName(): string {
  const versions = process.versions as Record<string, string | undefined>;
  if ("Bun" in globalThis) return `bun ${versions.bun}`;
  if ("Deno" in globalThis) return `deno ${versions.deno}`;
  return `node ${process.versions.node}`;
}

function parseBenchArguments(args: readonly string[]): BenchArguments {
  const parsed: BenchArguments = { records: 1_000_000, hyperfine: false, one: null, help: false };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === "-h" || arg === "--help") parsed.help = true;
    else if (arg === "--hyperfine") parsed.hyperfine = true;
    else if (arg === "--records") {
      const value = Number(args[++index]);
      if (!Number.isSafeInteger(value) || value < BATCH) {
        throw invalid("--records", args[index], `a whole number of records ≥ ${BATCH}`);
      }
      parsed.records = value;
    } else if (arg === "--one") {
      const value = args[++index];
      if (!CHOICES.includes(value as BenchCase)) throw invalid("--one", value, CHOICES.join(", "));
      parsed.one = value as BenchCase;
    } else throw invalid("argument", arg, "--records <n>, --hyperfine or --help");
  }
  return parsed;
}
