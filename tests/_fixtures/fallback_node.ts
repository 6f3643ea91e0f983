// Run by tests/backend_fallback_test.ts with the native library out of reach: starts three SDKs
// (two with the notice, one without) and prints what each says about its backend.
import { MeshOsDaemonSdk } from "../../mod.ts";

for (const backendNotice of [true, true, false]) {
  const sdk = await MeshOsDaemonSdk.start({}, { backendNotice });
  const snapshot = sdk.snapshot();
  const logged = snapshot.log.records.filter((r) => r.message.includes("passed over")).map((r) => `${r.level} ${r.message}`);
  console.log(JSON.stringify({ backend: sdk.backend, fallbacks: sdk.backendFallbacks, snapshot: snapshot.backendFallbacks, logged }));
  await sdk.shutdown();
}
