import { checkIterable } from '../_internal/check.js'
import { fromGenerator } from './_fused-adapters.js'
import type { AnyIterable, Operator } from './_types.js'

/**
 * Yields every value of the source, then every value of each of `sources` in turn.
 *
 * Each source is opened only when the previous one has finished. Nothing runs before the
 * first `next()`. Breaking out closes the source being read (and, before the first
 * `next()`, the first source if it is an iterator); sources not reached yet are not touched,
 * as with `itertools.chain`, so pass iterables rather than iterators when that matters.
 * Errors from any source escape unchanged.
 *
 * @param sources - Iterables or async iterables to read after the source.
 * @returns An operator for `pipe`, or to call on a source directly.
 * @throws {@link TypeError} If one of `sources` is not iterable (when `concat` is called).
 * @example
 * import { concat, pipe, toArray } from 'asyncwith/iter'
 *
 * const all = await pipe([1, 2], concat([3], [4, 5]), toArray)
 * // all: [1, 2, 3, 4, 5]
 */
export function concat<T, U = T>(...sources: AnyIterable<U>[]): Operator<T, T | U> {
  sources.forEach((source, index) => {
    checkIterable(`sources[${index}]`, source)
  })
  const rest = [...sources]
  return (source) =>
    fromGenerator<T | U>(source, async function* concatenated(upstream) {
      yield* upstream as AsyncIterable<T>
      for (const next of rest) yield* next
    })
}
