/**
 * What a view really is, asked of the engine: the getters of `%TypedArray%.prototype` and
 * `DataView.prototype` read a view's internal slots, whatever its prototype chain says. A typed array
 * whose prototype was swapped (`Object.setPrototypeOf(view, DataView.prototype)`), or an object made
 * with `Object.create(Uint8Array.prototype)`, cannot make a check here see another kind, length or
 * buffer than the native call will.
 */

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object

function getter(prototype: object, key: PropertyKey): (this: unknown) => unknown {
  return Object.getOwnPropertyDescriptor(prototype, key)!.get! as (this: unknown) => unknown
}

const kindGetter = getter(TypedArrayPrototype, Symbol.toStringTag)
const typedLength = getter(TypedArrayPrototype, 'length')
const typedByteLength = getter(TypedArrayPrototype, 'byteLength')
const typedByteOffset = getter(TypedArrayPrototype, 'byteOffset')
const typedBuffer = getter(TypedArrayPrototype, 'buffer')
const viewByteLength = getter(DataView.prototype, 'byteLength')
const viewByteOffset = getter(DataView.prototype, 'byteOffset')
const viewBuffer = getter(DataView.prototype, 'buffer')

/** The kind of a typed array (`'Int32Array'`; a `Buffer` is `'Uint8Array'`), `undefined` for anything else. */
export function typedArrayKindOf(value: unknown): string | undefined {
  return kindGetter.call(value) as string | undefined
}

/** Whether `value` is a typed array (not a `DataView`). */
export function isTypedArray(value: unknown): value is Exclude<ArrayBufferView, DataView> {
  return kindGetter.call(value) !== undefined
}

/** The elements of a typed array. */
export function elementCountOf(view: ArrayBufferView): number {
  return typedLength.call(view) as number
}

/** The bytes of a view (`ArrayBuffer.isView` holds). A `DataView` of a detached buffer throws the engine's TypeError. */
export function byteLengthOf(view: ArrayBufferView): number {
  return (isTypedArray(view) ? typedByteLength.call(view) : viewByteLength.call(view)) as number
}

/** Where a view starts in its buffer. */
export function byteOffsetOf(view: ArrayBufferView): number {
  return (isTypedArray(view) ? typedByteOffset.call(view) : viewByteOffset.call(view)) as number
}

/** The buffer a view is on. */
export function bufferOf(view: ArrayBufferView): ArrayBufferLike {
  return (isTypedArray(view) ? typedBuffer.call(view) : viewBuffer.call(view)) as ArrayBufferLike
}

/** The bytes of a typed array, for the hot path that already knows it is one. */
export function typedByteLengthOf(view: ArrayBufferView): number {
  return typedByteLength.call(view) as number
}
