import { checkFunction } from '../_internal/check.js'
import { FILTER, fuse, stage } from './_fused.js'
import type { Operator } from './_types.js'

/**
 * Keeps the values for which `fn(value, index)` is truthy, awaiting `fn` only when it
 * returns a thenable.
 *
 * Nothing runs before the first `next()`. If `fn` throws or rejects, the source is closed
 * (its `return()` is called once) and that error escapes; if the source throws, its error
 * escapes and it is not closed again. Breaking out of the loop closes the source.
 *
 * @param fn - The predicate, called with each value and its zero-based index; may return a
 * promise.
 * @returns An operator for `pipe`, or to call on a source directly.
 * @throws {@link TypeError} If `fn` is not a function (when `filter` is called).
 * @example
 * import { filter, pipe, toArray } from 'asyncwith/iter'
 *
 * const even = await pipe([1, 2, 3, 4], filter((n) => n % 2 === 0), toArray)
 * // even: [2, 4]
 */
export function filter<T, S extends T>(fn: (value: T, index: number) => value is S): Operator<T, S>
export function filter<T>(fn: (value: T, index: number) => unknown): Operator<T, T>
export function filter<T>(fn: (value: T, index: number) => unknown): Operator<T, T> {
  checkFunction('fn', fn)
  const spec = stage(FILTER, fn)
  return (source) => fuse(source, [spec])
}
