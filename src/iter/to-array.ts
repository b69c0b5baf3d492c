import { drive } from './_sink.js'
import type { AnyIterable } from './_types.js'

/**
 * Collects every value of `source` into an array. It works as the last step of `pipe` too:
 * `pipe(src, map(f), toArray)`.
 *
 * The pipeline before it runs as one fused loop with no promise per value. If the source
 * or a stage throws, the promise rejects with that error (a stage's error closes the source
 * first).
 *
 * @param source - An async iterable or a plain iterable; it must be finite.
 * @returns A promise of the values, in order.
 * @throws {@link TypeError} If `source` is not iterable.
 * @example
 * import { range, toArray } from 'asyncwith/iter'
 *
 * const numbers = await toArray(range(3))
 * // numbers: [0, 1, 2]
 */
export async function toArray<T>(source: AnyIterable<T>): Promise<T[]> {
  const values: T[] = []
  await drive(source, (value) => {
    values.push(value as T)
  })
  return values
}
