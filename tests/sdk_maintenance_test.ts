// Node maintenance through the public API (product decision 14): the drain completes by itself.
import assert from "node:assert/strict";
import { Identity, LoggingDispatcher } from "../mod.ts";
import type { DaemonControl, MeshOsDaemonHandle } from "../mod.ts";
import { test } from "./_harness.ts";
import { echoDaemon, startManual } from "./_sdk_fixtures.ts";

/** A daemon loop that acknowledges DrainStart with exit() and records what it saw. */
function drainingLoop(handle: MeshOsDaemonHandle, seen: DaemonControl[]): Promise<void> {
  return (async () => {
    for await (const event of handle.controlEvents()) {
      seen.push(event);
      if (event.kind === "DrainStart") await handle.exit();
      if (event.kind === "Shutdown") break;
    }
  })();
}

test("a drain with two cooperating daemons ends in Maintenance and sends DrainFinish", async () => {
  const dispatcher = new LoggingDispatcher();
  const { sdk, clock } = await startManual({ thisNode: 100n }, { dispatcher });
  const handles = await Promise.all(["a", "b"].map((n) => sdk.registerDaemon(echoDaemon(n), Identity.generate())));
  const seen: DaemonControl[][] = [[], []];
  const loops = handles.map((h, i) => drainingLoop(h, seen[i]));
  sdk.admin.enterMaintenance({ drainForMs: 5_000 });
  assert.equal(sdk.snapshot().maintenance.state, "EnteringMaintenance");
  await clock.advance(0); // the daemons acknowledge; the last acknowledgement completes the drain
  assert.deepEqual(sdk.snapshot().daemons.map((d) => d.lifecycle), ["drained", "drained"]);
  assert.equal(sdk.snapshot().maintenance.state, "Maintenance");
  for (const s of seen) assert.deepEqual(s, [{ kind: "DrainStart", gracePeriodMs: 5_000n }, { kind: "DrainFinish" }]);
  const commits = dispatcher.log().filter((a) => a.kind === "commit_maintenance_transition").map((a) => a.detail);
  assert.deepEqual(commits, ["Active → EnteringMaintenance", "EnteringMaintenance → Maintenance"]);

  sdk.admin.exitMaintenance();
  await clock.advance(100);
  assert.equal(sdk.snapshot().maintenance.state, "Recovery");
  assert.deepEqual(sdk.snapshot().daemons.map((d) => d.lifecycle), ["running.normal", "running.normal"]);
  await clock.advance(300_000);
  assert.equal(sdk.snapshot().maintenance.state, "Active");
  await sdk.shutdown();
  await Promise.all(loops);
});

test("a daemon that ignores DrainStart makes the drain fail at the deadline", async () => {
  const { sdk, clock } = await startManual();
  const handle = await sdk.registerDaemon(echoDaemon("stubborn"), Identity.generate());
  sdk.admin.enterMaintenance({ drainForMs: 1_000 });
  await clock.advance(900);
  assert.equal(sdk.snapshot().maintenance.state, "EnteringMaintenance");
  assert.equal(sdk.snapshot().maintenance.deadlineRemainingMs, 100);
  await clock.advance(100);
  const snap = sdk.snapshot();
  assert.equal(snap.maintenance.state, "DrainFailed");
  assert.equal(snap.maintenance.reason, "drain deadline elapsed after 1000ms");
  assert.deepEqual(await handle.nextControl(0n), { kind: "DrainStart", gracePeriodMs: 1_000n });
  assert.deepEqual(await handle.nextControl(0n), { kind: "DrainFinish" });
  const meta = await handle.refreshMetadata();
  assert.deepEqual(meta.maintenanceState, { kind: "DrainFailed", sinceMs: 0n, reason: "drain deadline elapsed after 1000ms" });
  await sdk.shutdown();
});

test("Exiting waits for every daemon to run healthy before Recovery", async () => {
  const { sdk, clock } = await startManual();
  let health: "healthy" | "unhealthy" = "unhealthy";
  const handle = await sdk.registerDaemon({ ...echoDaemon(), health: () => health }, Identity.generate());
  sdk.admin.enterMaintenance({ drainForMs: 100 });
  await clock.advance(100);
  assert.equal(sdk.snapshot().maintenance.state, "DrainFailed");
  sdk.admin.exitMaintenance();
  await clock.advance(500);
  assert.equal(sdk.snapshot().maintenance.state, "ExitingMaintenance");
  health = "healthy";
  await clock.advance(100);
  assert.equal(sdk.snapshot().maintenance.state, "Recovery");
  const meta = await handle.refreshMetadata();
  assert.equal(meta.maintenanceState.kind, "Recovery");
  await sdk.shutdown();
});
