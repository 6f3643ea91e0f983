/**
 * Bytes as text: lowercase hex (keys, signatures, command ids) and base64 (payloads and state in
 * JSON). Built a byte at a time, so a large buffer never becomes one call with a million
 * arguments (`String.fromCharCode(...bytes)` throws a RangeError there).
 *
 * @module
 */

/**
 * `bytes` as lowercase hex.
 *
 * @example
 * ```ts
 * bytesToHex(new Uint8Array([1, 255])); // "01ff"
 * ```
 */
export function bytesToHex(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}

/** The bytes of hex text (two digits per byte; the caller checks the text is hex). */
export function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** `count` random bytes as hex: ids nobody else will pick. */
export function randomHex(count: number): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(count)));
}

/** `bytes` as base64. */
export function bytesToBase64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/** The bytes of base64 text; throws for text that is not base64. */
export function base64ToBytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
