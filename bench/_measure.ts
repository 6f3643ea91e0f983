/**
 * A small, dependency-free timing loop: warm up, then time several samples of a fixed number of
 * operations and report the median. Numbers only; no assertions.
 *
 * @module
 */

/** One measured case. */
export interface Measurement {
  /** What was measured, e.g. `bun-ffi ring single push+pop (32 B)`. */
  name: string;
  /** Group for the report, e.g. `ring`. */
  group: string;
  /** Median nanoseconds per operation. */
  nsPerOp: number;
  /** Operations per second at the median. */
  opsPerSec: number;
  /** Every sample, ns per operation. */
  samples: number[];
  /** The ring backend measured (`bun-ffi`, `js`, ...), when there is one. */
  backend?: string;
  /** The case without the backend: rows with the same key are compared with the native one. */
  key?: string;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Timed samples (median is reported). Default 15. */
  samples?: number;
  /** Untimed runs first (JIT warm-up). Default 3. */
  warmup?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Times `run`, which performs `opsPerRun` operations, and returns the median cost per operation.
 *
 * @example
 * ```ts
 * const m = measure("noop", "demo", 1000, () => { for (let i = 0; i < 1000; i++); });
 * console.log(m.nsPerOp);
 * ```
 */
export function measure(
  name: string,
  group: string,
  opsPerRun: number,
  run: () => void,
  options: MeasureOptions = {},
): Measurement {
  const { samples = 15, warmup = 3 } = options;
  for (let i = 0; i < warmup; i++) run();
  const perOp: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    run();
    perOp.push(((performance.now() - start) * 1e6) / opsPerRun);
  }
  const nsPerOp = median(perOp);
  return { name, group, nsPerOp, opsPerSec: 1e9 / nsPerOp, samples: perOp };
}

/**
 * {@link measure} for work that must await (e.g. let a queue drain): `run` performs `opsPerRun`
 * operations and resolves when they are done.
 */
export async function measureAsync(
  name: string,
  group: string,
  opsPerRun: number,
  run: () => Promise<void>,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const { samples = 15, warmup = 3 } = options;
  for (let i = 0; i < warmup; i++) await run();
  const perOp: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await run();
    perOp.push(((performance.now() - start) * 1e6) / opsPerRun);
  }
  const nsPerOp = median(perOp);
  return { name, group, nsPerOp, opsPerSec: 1e9 / nsPerOp, samples: perOp };
}

/** The runtime running the benchmark, with its version. */
export function runtimeLabel(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  return "unknown";
}
