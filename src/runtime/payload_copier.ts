/**
 * Copies a payload out of ring memory before it is handed to `process()` (the ring slot is reused
 * once the batch is released). The fastest way differs by engine — measured on this project's
 * 2-vCPU VMs, per 32-byte copy: JavaScriptCore (Bun) `new Uint8Array(n)` + `set` ≈ 50 ns, views
 * into a shared chunk ≈ 130 ns; V8 (Deno) a fresh small `Uint8Array` ≈ 600–900 ns, views into a
 * shared 64 KiB chunk ≈ 50–100 ns. So Bun copies into a fresh array and Deno into a chunk.
 *
 * @module
 */

const CHUNK_BYTES = 64 * 1024;

/** Returns a copy of `view` that outlives the ring slot it points into. */
export type PayloadCopier = (view: Uint8Array) => Uint8Array;

/** One fresh array per payload. */
function copyFresh(view: Uint8Array): Uint8Array {
  const copy = new Uint8Array(view.length);
  copy.set(view);
  return copy;
}

/**
 * Copies into 64 KiB chunks and hands out views; a chunk is freed when no payload in it is alive
 * (a daemon that keeps one payload keeps its chunk). Larger payloads get their own buffer.
 */
function chunkCopier(): PayloadCopier {
  let chunk = new ArrayBuffer(CHUNK_BYTES);
  let bytes = new Uint8Array(chunk);
  let offset = 0;
  return (view) => {
    const length = view.length;
    if (length > CHUNK_BYTES / 4) return copyFresh(view);
    if (offset + length > CHUNK_BYTES) {
      chunk = new ArrayBuffer(CHUNK_BYTES);
      bytes = new Uint8Array(chunk);
      offset = 0;
    }
    bytes.set(view, offset);
    const copy = new Uint8Array(chunk, offset, length);
    offset += (length + 7) & ~7;
    return copy;
  };
}

/** The copier for the engine this runs on (see the module notes for the measurements). */
export function payloadCopier(): PayloadCopier {
  return "Bun" in globalThis ? copyFresh : chunkCopier();
}
