/**
 * A byte view's true extent, read through the built-in typed-array getters rather than the
 * object's own properties: a `Uint8Array` whose `length`, `byteLength`, `byteOffset` or `buffer`
 * was redefined (or a subclass overriding them) cannot make the runtime read or stage bytes that
 * are not its own — the ring backends pass these sizes to native code, which trusts them.
 *
 * @module
 */

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;

function intrinsicGetter<T>(name: string): (view: ArrayBufferView) => T {
  const getter = Object.getOwnPropertyDescriptor(TypedArrayPrototype, name)?.get;
  if (!getter) throw new Error(`byte_view: %TypedArray%.prototype.${name} has no getter`);
  return (view) => getter.call(view) as T;
}

/**
 * The number of bytes `view` really spans.
 *
 * @example
 * ```ts
 * const liar = new Uint8Array(1);
 * Object.defineProperty(liar, "length", { value: 1 << 20 });
 * byteLengthOf(liar); // 1
 * ```
 */
export const byteLengthOf: (view: Uint8Array) => number = intrinsicGetter("byteLength");

/** Where `view` really starts in its buffer. */
export const byteOffsetOf: (view: Uint8Array) => number = intrinsicGetter("byteOffset");

/** The buffer `view` really covers. */
export const bufferOf: (view: Uint8Array) => ArrayBufferLike = intrinsicGetter("buffer");

/** A `DataView` over exactly the bytes of `view`. */
export function dataViewOf(view: Uint8Array): DataView {
  return new DataView(bufferOf(view), byteOffsetOf(view), byteLengthOf(view));
}
