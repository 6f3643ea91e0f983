/**
 * Logging: ns per line for `LogRing.append` on every backend that loads, for a daemon's
 * `handle.publishLog` through the SDK (event queue, then the node's log ring), and for
 * `console.log` of the same line. Run it with stdout sent to /dev/null (as `bench/run.sh` does)
 * so `console.log` is measured writing to /dev/null, not to a terminal; the measurements go to
 * `--out FILE`.
 *
 * Usage: `bun bench/log_bench.ts --out FILE > /dev/null` (or `deno run -A ...`) [--quick]
 */

import { Identity, MeshOsDaemonSdk } from "../mod.ts";
import { loadEveryBackend } from "../src/ffi/load.ts";
import { type Measurement, measure, measureAsync } from "./_measure.ts";
import { isQuick, writeReport } from "./_output.ts";

const quick = isQuick();
const LINES = quick ? 5_000 : 50_000;
/** publishLog lines queued before the queue (capacity 1024) is let drain. */
const BURST = 512;
const samples = quick ? 5 : 15;
const message = "daemon 42 handled event sensor.reading in 0.18 ms (queue depth 3)";
const daemonId = 42n;

const { loaded } = await loadEveryBackend();
const results: Measurement[] = [];
for (const backend of loaded) {
  const log = backend.createLogRing({ capacityRecords: 2048, maxMessageBytes: 1024 });
  results.push({
    ...measure(`${backend.name} log ring append`, "log", LINES, () => {
      const ts = Date.now();
      for (let i = 0; i < LINES; i++) log.append(2, daemonId, ts, message);
    }, { samples }),
    backend: backend.name,
    key: "log ring append",
  });
  log.close();
}

for (const backend of ["native", "js"] as const) {
  const sdk = await MeshOsDaemonSdk.start(undefined, { backend });
  const handle = await sdk.registerDaemon({ name: "logger", process: () => null }, Identity.generate());
  results.push({
    ...await measureAsync(`sdk handle.publishLog (${sdk.backend} log ring)`, "log", LINES, async () => {
      for (let i = 0; i < LINES; i += BURST) {
        for (let j = 0; j < BURST; j++) handle.publishLog("info", message);
        await Promise.resolve(); // the queue drains into the log ring in a microtask
      }
    }, { samples }),
    backend: sdk.backend,
    key: "publishLog",
  });
  if (sdk.snapshot().log.records.length === 0) throw new Error("publishLog wrote nothing");
  await sdk.shutdown();
}

results.push(measure("console.log (stdout to /dev/null)", "log", LINES, () => {
  for (let i = 0; i < LINES; i++) console.log(`${new Date().toISOString()} INFO [${daemonId}] ${message}`);
}, { samples }));
writeReport("log", results);
