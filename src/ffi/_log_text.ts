/**
 * UTF-8 handling shared by the log rings: encode a message into a scratch buffer sized so that a
 * message longer than the limit always shows up as "more bytes than the limit", and cut at a code
 * point boundary exactly as `zig/src/log_ring.zig` does.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Scratch bytes a log ring needs for messages cut at `maxMessageBytes`: 4 spare for one code point. */
export function scratchBytesFor(maxMessageBytes: number): number {
  return maxMessageBytes + 4;
}

/**
 * Encodes `message` into `scratch` (length `maxMessageBytes + 4`) and returns the byte count
 * written. When the message is longer than `maxMessageBytes`, the count is above it: `encodeInto`
 * stops only when the next code point (≤ 4 bytes) does not fit in the 4 spare bytes.
 */
export function encodeMessage(message: string, scratch: Uint8Array): number {
  return encoder.encodeInto(message, scratch).written;
}

/** The longest prefix of `bytes[0..length]` of at most `maxBytes` that ends on a code point boundary. */
export function utf8CutLength(bytes: Uint8Array, length: number, maxBytes: number): number {
  if (length <= maxBytes) return length;
  let cut = maxBytes;
  // A byte 0b10xxxxxx continues a code point: back up until the cut starts a new one.
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
  return cut;
}

/** Decodes UTF-8 bytes (malformed sequences become U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** `message` with lone surrogates replaced by U+FFFD, as a UTF-8 round trip would give. */
export function wellFormed(message: string): string {
  const native = (message as { toWellFormed?: () => string }).toWellFormed;
  return native ? native.call(message) : decoder.decode(encoder.encode(message));
}
