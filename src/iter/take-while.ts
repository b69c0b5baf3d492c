import { checkFunction } from '../_internal/check.js'
import { fuse, stage, TAKE_WHILE } from './_fused.js'
import type { Operator } from './_types.js'

/**
 * Yields values while `fn(value, index)` is truthy; at the first falsy result it closes the
 * source and stops (that value is not yielded).
 *
 * Nothing runs before the first `next()`. If `fn` throws or rejects, the source is closed
 * (its `return()` is called once) and that error escapes; if the source throws, its error
 * escapes and it is not closed again.
 *
 * @param fn - The predicate, called with each value and its zero-based index; may return a
 * promise.
 * @returns An operator for `pipe`, or to call on a source directly.
 * @throws {@link TypeError} If `fn` is not a function (when `takeWhile` is called).
 * @example
 * import { pipe, takeWhile, toArray } from 'asyncwith/iter'
 *
 * const small = await pipe([1, 2, 5, 1], takeWhile((n) => n < 3), toArray)
 * // small: [1, 2]
 */
export function takeWhile<T, S extends T>(
  fn: (value: T, index: number) => value is S,
): Operator<T, S>
export function takeWhile<T>(fn: (value: T, index: number) => unknown): Operator<T, T>
export function takeWhile<T>(fn: (value: T, index: number) => unknown): Operator<T, T> {
  checkFunction('fn', fn)
  const spec = stage(TAKE_WHILE, fn)
  return (source) => fuse(source, [spec])
}
