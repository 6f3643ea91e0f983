/**
 * A whole program for `hyperfine`: load one backend, push and pop 1 M records of 32 B in batches
 * of 256 (`pushBatch`, `popBatchInPlace`), exit — `meshos bench`'s workload (`runBenchCase`).
 * Measures startup (runtime + library load) plus sustained throughput together.
 *
 * Usage: `bun bench/pipeline.ts native|wasm|js|array [records]`
 */

import process from "node:process";
import { type BenchCase, runBenchCase } from "../src/viz/bench_command.ts";

await runBenchCase((process.argv[2] ?? "native") as BenchCase, Number(process.argv[3] ?? 1_000_000));
