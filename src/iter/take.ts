import { checkCount } from '../_internal/check.js'
import { fuse, stage, TAKE } from './_fused.js'
import type { Operator } from './_types.js'

/**
 * Yields the first `count` values, then stops.
 *
 * The source is closed (its `return()` is called once) as soon as the `count`-th value is
 * delivered, without pulling one more: a `take(1)` followed by a single `next()` leaves
 * nothing open. `take(0)` pulls nothing and closes the source on the first `next()`.
 * Nothing runs before the first `next()`; errors from the source escape unchanged.
 *
 * @param count - How many values to yield: a non-negative integer, or `Infinity`.
 * @returns An operator for `pipe`, or to call on a source directly.
 * @throws {@link RangeError} If `count` is a negative, fractional or `NaN` number.
 * @throws {@link TypeError} If `count` is not a number.
 * @example
 * import { pipe, range, take, toArray } from 'asyncwith/iter'
 *
 * const firstThree = await pipe(range(0, Infinity), take(3), toArray)
 * // firstThree: [0, 1, 2]
 */
export function take<T>(count: number): Operator<T, T> {
  checkCount('count', count)
  const spec = stage(TAKE, undefined, count)
  return (source) => fuse(source, [spec])
}
