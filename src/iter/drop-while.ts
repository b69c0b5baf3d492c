import { checkFunction } from '../_internal/check.js'
import { DROP_WHILE, fuse, stage } from './_fused.js'
import type { Operator } from './_types.js'

/**
 * Skips values while `fn(value, index)` is truthy, then yields the first falsy one and
 * everything after it without calling `fn` again.
 *
 * Nothing runs before the first `next()`. If `fn` throws or rejects, the source is closed
 * (its `return()` is called once) and that error escapes; if the source throws, its error
 * escapes and it is not closed again. Breaking out of the loop closes the source.
 *
 * @param fn - The predicate, called with each value and its zero-based index while
 * dropping; may return a promise.
 * @returns An operator for `pipe`, or to call on a source directly.
 * @throws {@link TypeError} If `fn` is not a function (when `dropWhile` is called).
 * @example
 * import { dropWhile, pipe, toArray } from 'asyncwith/iter'
 *
 * const rest = await pipe([1, 2, 5, 1], dropWhile((n) => n < 3), toArray)
 * // rest: [5, 1]
 */
export function dropWhile<T>(fn: (value: T, index: number) => unknown): Operator<T, T> {
  checkFunction('fn', fn)
  const spec = stage(DROP_WHILE, fn)
  return (source) => fuse(source, [spec])
}
