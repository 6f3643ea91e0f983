/**
 * The node's own load, memory and disk, as its heartbeat reports them to peers.
 *
 * @module
 */

import { statfsSync } from "node:fs";
import { freemem, loadavg, totalmem } from "node:os";
import { describeValue, MeshOsSdkError } from "../errors/meshos_sdk_error.ts";

/** One reading of the host; a figure the host does not let us read is null. */
export interface HostStats {
  /** The 1-minute load average. */
  cpuLoad1m: number | null;
  memUsedBytes: bigint | null;
  memTotalBytes: bigint | null;
  /** Of the file system holding the node's data directory. */
  diskUsedBytes: bigint | null;
  diskTotalBytes: bigint | null;
}

/**
 * Reads the host now; `dataDir` names the file system whose disk use is reported. Never throws:
 * what cannot be read (Deno without `--allow-sys=loadavg,systemMemoryInfo`, a data dir that went
 * away) is null, and peers show it as unknown.
 *
 * @example
 * ```ts
 * readHostStats(".").memTotalBytes; // e.g. 25275973632n
 * ```
 */
export function readHostStats(dataDir: string): HostStats {
  const memory = attempt(() => ({ total: totalmem(), free: freemem() }));
  const disk = attempt(() => statfsSync(dataDir, { bigint: true }));
  return {
    cpuLoad1m: attempt(() => loadavg()[0]),
    memUsedBytes: memory && BigInt(memory.total - memory.free),
    memTotalBytes: memory && BigInt(memory.total),
    diskUsedBytes: disk && (disk.blocks - disk.bfree) * disk.bsize,
    diskTotalBytes: disk && disk.blocks * disk.bsize,
  };
}

function attempt<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/**
 * Checks the `dataDir` option: `invalid_config` unless it is a string naming a file system the
 * host can read. Without it, the current directory.
 */
export function resolveDataDir(value: unknown): string {
  if (value === undefined) return ".";
  if (typeof value !== "string" || value === "") {
    throw new MeshOsSdkError("invalid_config", `dataDir: expected a directory path; got ${describeValue(value)}`);
  }
  try {
    statfsSync(value);
  } catch (err) {
    throw new MeshOsSdkError("invalid_config", `dataDir: expected a readable directory; got ${describeValue(value)} (${(err as Error).message})`);
  }
  return value;
}
