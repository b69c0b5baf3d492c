import { checkFunction } from '../_internal/check.js'
import { fuse, stage, TAP } from './_fused.js'
import type { Operator } from './_types.js'

/**
 * Calls `fn(value, index)` for each value and yields the value unchanged; if `fn` returns a
 * thenable, it is awaited before the value moves on.
 *
 * Nothing runs before the first `next()`. If `fn` throws or rejects, the source is closed
 * (its `return()` is called once) and that error escapes; if the source throws, its error
 * escapes and it is not closed again. Breaking out of the loop closes the source.
 *
 * @param fn - Called with each value and its zero-based index; its result is ignored.
 * @returns An operator for `pipe`, or to call on a source directly.
 * @throws {@link TypeError} If `fn` is not a function (when `tap` is called).
 * @example
 * import { pipe, tap, toArray } from 'asyncwith/iter'
 *
 * const seen: number[] = []
 * const values = await pipe([1, 2], tap((n) => seen.push(n)), toArray)
 * // values: [1, 2], seen: [1, 2]
 */
export function tap<T>(fn: (value: T, index: number) => unknown): Operator<T, T> {
  checkFunction('fn', fn)
  const spec = stage(TAP, fn)
  return (source) => fuse(source, [spec])
}
