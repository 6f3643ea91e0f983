/**
 * Where a benchmark writes its measurements: the file after `--out`, else stdout (as JSON).
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import process from "node:process";
import type { Measurement } from "./_measure.ts";
import { runtimeLabel } from "./_measure.ts";

/** One benchmark's output file. */
export interface BenchReport {
  runtime: string;
  bench: string;
  results: Measurement[];
}

/** Writes `results` as JSON to `--out FILE` (or stdout). */
export function writeReport(bench: string, results: Measurement[]): void {
  const report: BenchReport = { runtime: runtimeLabel(), bench, results };
  const json = JSON.stringify(report, null, 1);
  const at = process.argv.indexOf("--out");
  if (at >= 0 && process.argv[at + 1]) writeFileSync(process.argv[at + 1], json);
  else console.log(json);
}

/** Whether `--quick` was passed (fewer records and samples, for a smoke run). */
export function isQuick(): boolean {
  return process.argv.includes("--quick");
}
