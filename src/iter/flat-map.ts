import { checkFunction } from '../_internal/check.js'
import { flatMapWith } from './_flatten.js'
import type { AnyIterable, Operator } from './_types.js'

/**
 * Maps each value to an iterable or async iterable with `fn(value, index)` and yields every
 * value of each result in turn (one level of flattening, one inner iterator at a time).
 *
 * Nothing runs before the first `next()`. Breaking out closes the current inner iterator and
 * then the source. If `fn` throws, rejects or returns something that is not iterable (a
 * string counts as not iterable, as in TC39 `flatMap`), the source is closed and a
 * `TypeError` (or `fn`'s error) escapes. Errors from the source or an inner iterator escape
 * unchanged.
 *
 * @param fn - Called with each value and its zero-based index; returns an array, iterable,
 * async iterable, or a promise of one.
 * @returns An operator for `pipe`, or to call on a source directly.
 * @throws {@link TypeError} If `fn` is not a function (when `flatMap` is called), or, while
 * iterating, if it returns a string or a non-iterable.
 * @example
 * import { flatMap, pipe, toArray } from 'asyncwith/iter'
 *
 * const pairs = await pipe([1, 2], flatMap((n) => [n, n * 10]), toArray)
 * // pairs: [1, 10, 2, 20]
 */
export function flatMap<T, U>(
  fn: (value: T, index: number) => AnyIterable<U> | PromiseLike<AnyIterable<U>>,
): Operator<T, U> {
  checkFunction('fn', fn)
  return (source) =>
    flatMapWith<U>(source, fn as (value: unknown, index: number) => unknown, 'the result of `fn`')
}
