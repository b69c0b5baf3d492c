import { checkFunction } from '../_internal/check.js'
import { fuse, SCAN, stage } from './_fused.js'
import type { Operator } from './_types.js'

/**
 * Yields the running accumulation `acc = fn(acc, value, index)` after each value: the
 * streaming form of `reduce`. Without `initial`, the first value is the first accumulator
 * (yielded as is) and `fn` starts at index 1, as `Array.prototype.reduce` does.
 *
 * Nothing runs before the first `next()`. If `fn` throws or rejects, the source is closed
 * (its `return()` is called once) and that error escapes; if the source throws, its error
 * escapes and it is not closed again. Breaking out of the loop closes the source.
 *
 * @param fn - Called with the accumulator, the value and its zero-based index; may return a
 * promise.
 * @param initial - The first accumulator. Passing `undefined` counts as passing a value.
 * @returns An operator for `pipe`, or to call on a source directly.
 * @throws {@link TypeError} If `fn` is not a function (when `scan` is called).
 * @example
 * import { pipe, scan, toArray } from 'asyncwith/iter'
 *
 * const totals = await pipe([1, 2, 3], scan((sum, n) => sum + n, 0), toArray)
 * // totals: [1, 3, 6]
 */
export function scan<T>(fn: (acc: T, value: T, index: number) => T | PromiseLike<T>): Operator<T, T>
export function scan<T, A>(
  fn: (acc: A, value: T, index: number) => A | PromiseLike<A>,
  initial: A,
): Operator<T, A>
export function scan(
  fn: (acc: unknown, value: unknown, index: number) => unknown,
  ...initial: [unknown?]
): Operator<unknown, unknown> {
  checkFunction('fn', fn)
  const spec = stage(SCAN, fn, 0, initial[0], initial.length > 0)
  return (source) => fuse(source, [spec])
}
