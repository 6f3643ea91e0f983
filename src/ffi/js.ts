/**
 * The pure-TypeScript backend: always available, no permissions, no native code. Record rings live
 * in a `SharedArrayBuffer` (see {@link JsRecordRing.attach} for Workers).
 *
 * @module
 */

import { JsLogRing } from "./js_log_ring.ts";
import { JsRecordRing } from "./js_record_ring.ts";
import type { LogRing, LogRingOptions, RecordRing, RecordRingOptions, RingBackend } from "./ring_backend.ts";

export { JsLogRing } from "./js_log_ring.ts";
export { JsRecordRing } from "./js_record_ring.ts";

/**
 * Builds the pure-TypeScript backend.
 *
 * @example
 * ```ts
 * const backend = createJsBackend();
 * const ring = backend.createRing({ capacityBytes: 1 << 16, producers: "single" });
 * ring.tryPush(new TextEncoder().encode("hello"));
 * ```
 */
export function createJsBackend(): RingBackend {
  return {
    name: "js",
    createRing(options: RecordRingOptions): RecordRing {
      return JsRecordRing.create(options);
    },
    createLogRing(options: LogRingOptions): LogRing {
      return JsLogRing.create(options);
    },
  };
}
