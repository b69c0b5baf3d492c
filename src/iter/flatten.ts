import { flatMapWith } from './_flatten.js'
import type { AnyIterable, Operator } from './_types.js'

/**
 * Yields every value of each iterable or async iterable the source yields, in order (one
 * level of flattening, one inner iterator at a time). `flatten()` is `flatMap((x) => x)`.
 *
 * Nothing runs before the first `next()`. Breaking out closes the current inner iterator and
 * then the source. A value that is not iterable (strings included, as in TC39 `flatMap`)
 * closes the source and throws a `TypeError`. Errors from the source or an inner iterator
 * escape unchanged.
 *
 * @returns An operator for `pipe`, or to call on a source directly.
 * @throws {@link TypeError} While iterating, if a value is a string or not iterable.
 * @example
 * import { flatten, pipe, toArray } from 'asyncwith/iter'
 *
 * const flat = await pipe([[1, 2], [3]], flatten(), toArray)
 * // flat: [1, 2, 3]
 */
export function flatten<T>(): Operator<AnyIterable<T>, T> {
  return (source) => flatMapWith<T>(source, undefined, 'each value')
}
