import { checkCount } from '../_internal/check.js'
import { DROP, fuse, stage } from './_fused.js'
import type { Operator } from './_types.js'

/**
 * Skips the first `count` values and yields the rest.
 *
 * Nothing runs before the first `next()`. Errors from the source escape unchanged; breaking
 * out of the loop closes the source (its `return()` is called once).
 *
 * @param count - How many values to skip: a non-negative integer, or `Infinity` (skips all).
 * @returns An operator for `pipe`, or to call on a source directly.
 * @throws {@link RangeError} If `count` is a negative, fractional or `NaN` number.
 * @throws {@link TypeError} If `count` is not a number.
 * @example
 * import { drop, pipe, toArray } from 'asyncwith/iter'
 *
 * const rest = await pipe([1, 2, 3, 4], drop(2), toArray)
 * // rest: [3, 4]
 */
export function drop<T>(count: number): Operator<T, T> {
  checkCount('count', count)
  const spec = stage(DROP, undefined, count)
  return (source) => fuse(source, [spec])
}
