/**
 * The error `await using` throws when disposal fails while another error is already in
 * flight: `error` is the one thrown while disposing, `suppressed` the one it displaced.
 *
 * This is the runtime's own `SuppressedError` where it has one (Node.js 24, current
 * browsers), and a spec-shaped ponyfill elsewhere; the global is never patched. Code that
 * down-levels `await using` (TypeScript, esbuild) creates its own look-alike on old runtimes,
 * so test with {@link isSuppressedError} rather than `instanceof`.
 *
 * @example
 * import { SuppressedError } from 'asyncwith/context'
 *
 * const error = new SuppressedError(new Error('close failed'), new Error('body failed'))
 * console.log(error.error.message, '/', error.suppressed.message) // close failed / body failed
 */
export type SuppressedError = globalThis.SuppressedError
export const SuppressedError: SuppressedErrorConstructor =
  (globalThis as { SuppressedError?: SuppressedErrorConstructor }).SuppressedError ?? _ponyfill()

function _ponyfill(): SuppressedErrorConstructor {
  // A function rather than a class so that, like the built-in, it works with and without
  // `new`. `Reflect.construct` gives a genuine error object (with the internal error slot and
  // a stack), and `error` and `suppressed` are own non-enumerable properties, as specified.
  function SuppressedError(
    this: unknown,
    error: unknown,
    suppressed: unknown,
    message?: string,
  ): SuppressedError {
    // GetPrototypeFromConstructor: read NewTarget's `prototype` first, and fall back to ours
    // (not Error's) when it is not an object.
    const proto: unknown = (new.target ?? SuppressedError).prototype
    const self: SuppressedError = Reflect.construct(
      Error,
      message === undefined ? [] : [message],
      SuppressedError,
    )
    if (proto !== SuppressedError.prototype && isObject(proto)) Object.setPrototypeOf(self, proto)
    Object.defineProperty(self, 'error', { value: error, writable: true, configurable: true })
    Object.defineProperty(self, 'suppressed', {
      value: suppressed,
      writable: true,
      configurable: true,
    })
    return self
  }
  SuppressedError.prototype = Object.create(Error.prototype, {
    constructor: { value: SuppressedError, writable: true, configurable: true },
    name: { value: 'SuppressedError', writable: true, configurable: true },
    message: { value: '', writable: true, configurable: true },
  })
  // Like every built-in error constructor's, `prototype` is fixed.
  Object.defineProperty(SuppressedError, 'prototype', { writable: false })
  Object.setPrototypeOf(SuppressedError, Error)
  return SuppressedError as unknown as SuppressedErrorConstructor
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' || typeof value === 'function') && value !== null
}

/**
 * Tells whether `value` is a `SuppressedError`, whoever made it: the runtime, this
 * library's ponyfill, or a compiler's helper for down-levelled `await using`.
 *
 * @param value - Anything caught.
 * @returns `true` for an `Error` named `SuppressedError` that has `error` and `suppressed`.
 * @example
 * import { isSuppressedError, SuppressedError } from 'asyncwith/context'
 *
 * isSuppressedError(new SuppressedError(1, 2)) // true
 */
export function isSuppressedError(value: unknown): value is SuppressedError {
  return (
    value instanceof Error &&
    value.name === 'SuppressedError' &&
    'error' in value &&
    'suppressed' in value
  )
}
