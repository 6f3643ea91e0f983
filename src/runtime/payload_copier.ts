/**
 * Copies a payload out of ring memory before it is handed to `process()` (the ring slot is reused
 * once the batch is released). The ring hands over its bytes with an offset and a length
 * (`popBatchInPlace`), so no view is made just to copy. The fastest copy differs by engine —
 * measured on this project's 2-vCPU VMs, per 32-byte payload: JavaScriptCore (Bun) one `slice`
 * ≈ 50–80 ns, views into a shared chunk ≈ 130 ns; V8 (Deno) any fresh small `Uint8Array`
 * ≈ 600–900 ns, views into a shared 64 KiB chunk ≈ 50–100 ns. So Bun slices and Deno copies into
 * a chunk.
 *
 * @module
 */

const CHUNK_BYTES = 64 * 1024;
/** Up to this many bytes are copied with a loop (cheaper in V8 than making a source view). */
const LOOP_COPY_BYTES = 64;

/** Returns a copy of `bytes[offset, offset + length)` that outlives the ring slot. */
export type PayloadCopier = (bytes: Uint8Array, offset: number, length: number) => Uint8Array;

function sliceCopy(bytes: Uint8Array, offset: number, length: number): Uint8Array {
  return bytes.slice(offset, offset + length);
}

/**
 * Copies into 64 KiB chunks and hands out views; a chunk is freed when no payload in it is alive
 * (a daemon that keeps one payload keeps its chunk). Payloads over a quarter chunk get their own.
 */
function chunkCopier(): PayloadCopier {
  // The first chunk comes with the first payload: an idle daemon holds none.
  let chunk = new ArrayBuffer(0);
  let target = new Uint8Array(chunk);
  let at = CHUNK_BYTES;
  return (bytes, offset, length) => {
    if (length > CHUNK_BYTES / 4) return sliceCopy(bytes, offset, length);
    if (at + length > CHUNK_BYTES) {
      chunk = new ArrayBuffer(CHUNK_BYTES);
      target = new Uint8Array(chunk);
      at = 0;
    }
    if (length <= LOOP_COPY_BYTES) {
      for (let i = 0; i < length; i++) target[at + i] = bytes[offset + i];
    } else {
      target.set(bytes.subarray(offset, offset + length), at);
    }
    const copy = new Uint8Array(chunk, at, length);
    at += (length + 7) & ~7;
    return copy;
  };
}

/** The copier for the engine this runs on (see the module notes for the measurements). */
export function payloadCopier(): PayloadCopier {
  return "Bun" in globalThis ? sliceCopy : chunkCopier();
}
