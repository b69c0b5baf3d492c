import { checkFunction } from '../_internal/check.js'
import { fuse, MAP, stage } from './_fused.js'
import type { Operator } from './_types.js'

/**
 * Transforms each value with `fn(value, index)`, awaiting `fn` only when it returns a
 * thenable (consecutive synchronous stages run in one loop, see `pipe`).
 *
 * Nothing runs before the first `next()`. If `fn` throws or rejects, the source is closed
 * (its `return()` is called once) and that error escapes; if the source throws, its error
 * escapes and it is not closed again. Breaking out of the loop closes the source.
 *
 * @param fn - Called with each value and its zero-based index; may return a promise.
 * @returns An operator for `pipe`, or to call on a source directly.
 * @throws {@link TypeError} If `fn` is not a function (when `map` is called).
 * @example
 * import { map, pipe, toArray } from 'asyncwith/iter'
 *
 * const doubled = await pipe([1, 2, 3], map((n) => n * 2), toArray)
 * // doubled: [2, 4, 6]
 */
export function map<T, U>(fn: (value: T, index: number) => U): Operator<T, Awaited<U>> {
  checkFunction('fn', fn)
  const spec = stage(MAP, fn)
  return (source) => fuse(source, [spec])
}
