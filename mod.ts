/**
 * MeshOS daemon-author SDK for Deno and Bun.
 *
 * @example
 * ```ts
 * import { Identity, MeshOsDaemonSdk } from "@meshos/sdk";
 *
 * await using sdk = await MeshOsDaemonSdk.start();
 * const handle = await sdk.registerDaemon({ name: "echo", process: (event) => [event.payload] }, Identity.generate());
 * await handle.publishLog("info", "echo daemon up");
 * const control = await handle.nextControl(100n); // null: nothing yet
 * await handle.gracefulShutdown(50n);
 * ```
 *
 * @module
 */

export { MeshOsDaemonSdk, DEFAULT_CONTROL_CAPACITY } from "./src/sdk/meshos_daemon_sdk.ts";
export type { MeshOsDaemonSdkOptions } from "./src/sdk/meshos_daemon_sdk.ts";
export type { DaemonDescriptor, RegisterDaemonOptions, WorkerDaemonOptions } from "./src/contract/daemon_spec.ts";
export { MeshOsDaemonHandle, DEFAULT_GRACE_MS } from "./src/sdk/meshos_daemon_handle.ts";
export { MeshOsAdmin } from "./src/sdk/meshos_admin.ts";
export { MeshOsOperator } from "./src/sdk/meshos_operator.ts";
export type { AuditQuery, LiveFeed } from "./src/sdk/meshos_operator.ts";
export type { MeshFailure, MeshLogLine } from "./src/bus/mesh_telemetry.ts";
export { OperatorIdentity } from "./src/identity/operator_identity.ts";
export type { AuditRecord, CommitRecord, OperatorCommandKind } from "./src/bus/operator_command.ts";
export { MeshOsSdkError } from "./src/errors/meshos_sdk_error.ts";
export type { MeshOsSdkErrorKind } from "./src/errors/meshos_sdk_error.ts";
export { Identity } from "./src/identity/identity.ts";
export { ManualClock, systemClock } from "./src/runtime/clock.ts";
export type { Clock } from "./src/runtime/clock.ts";
export { LoggingDispatcher } from "./src/runtime/action_dispatcher.ts";
export type { ActionDispatcher, MeshOsAction, MeshOsActionKind } from "./src/runtime/action_dispatcher.ts";
export type { BackendName } from "./src/ffi/ring_backend.ts";
export type { BackendFallback } from "./src/ffi/load.ts";
export type { Milliseconds } from "./src/contract/milliseconds.ts";
export { SDK_VERSION } from "./src/contract/sdk_version.ts";
export type { MeshOsBusOption } from "./src/bus/open_mesh_bus.ts";
export type { MeshBusKind, MeshBusStats } from "./src/bus/mesh_bus.ts";
export type {
  ActionSnapshot,
  DaemonSnapshot,
  DeadLetterSnapshot,
  LogRecordSnapshot,
  MaintenanceStateName,
  PeerRow,
  RuntimeSnapshot,
} from "./src/runtime/runtime_snapshot.ts";
export type {
  CapabilityAdvert,
  CapabilitySetJs,
  CausalEvent,
  DaemonOutputs,
  DaemonControl,
  DaemonControlBackpressureOff,
  DaemonControlBackpressureOn,
  DaemonControlDrainFinish,
  DaemonControlDrainStart,
  DaemonControlShutdown,
  DaemonControlUnknown,
  DaemonHealth,
  LogLevel,
  MaintenanceState,
  MaintenanceStateActive,
  MaintenanceStateDrainFailed,
  MaintenanceStateEntering,
  MaintenanceStateExiting,
  MaintenanceStateRecovery,
  MaintenanceStateSteady,
  MaintenanceStateUnknown,
  MeshOsConfig,
  MeshOsDaemon,
  MetadataView,
  PeerHealth,
  PeerMaintenance,
  PeerSnapshot,
} from "./src/contract/types.ts";
