import { isThenable } from '../_internal/is-thenable.js'
import { checkCallback, drive } from './_sink.js'
import type { AnyIterable } from './_types.js'

/**
 * Folds `source` into one value with `acc = fn(acc, value, index)`, as
 * `Array.prototype.reduce` does: without `initial`, the first value is the first accumulator
 * and `fn` starts at index 1. `fn` is awaited when it returns a thenable. For a pipe, use an
 * arrow: `pipe(src, map(f), (it) => reduce(it, add, 0))`.
 *
 * If `fn` throws or rejects, the source is closed (its `return()` is called once) and the
 * promise rejects with that error; if the source throws, the promise rejects with its error.
 *
 * @param source - An async iterable or a plain iterable; it must be finite.
 * @param fn - Called with the accumulator, the value and its zero-based index.
 * @param initial - The first accumulator. Passing `undefined` counts as passing a value.
 * @returns A promise of the final accumulator.
 * @throws {@link TypeError} If `source` is not iterable, `fn` is not a function, or `source`
 * is empty and no `initial` was given (the promise rejects).
 * @example
 * import { range, reduce } from 'asyncwith/iter'
 *
 * const total = await reduce(range(1, 5), (sum, n) => sum + n, 0)
 * // total: 10
 */
export function reduce<T>(
  source: AnyIterable<T>,
  fn: (acc: T, value: T, index: number) => T | PromiseLike<T>,
): Promise<T>
export function reduce<T, A>(
  source: AnyIterable<T>,
  fn: (acc: A, value: T, index: number) => A | PromiseLike<A>,
  initial: A,
): Promise<A>
export async function reduce(
  source: AnyIterable<unknown>,
  fn: (acc: unknown, value: unknown, index: number) => unknown,
  ...initial: [unknown?]
): Promise<unknown> {
  await checkCallback(source, fn)
  let hasAcc = initial.length > 0
  let acc = initial[0]
  let index = 0
  const store = (value: unknown) => {
    acc = value
  }
  await drive(source, (value) => {
    if (!hasAcc) {
      hasAcc = true
      acc = value
      index++
      return undefined
    }
    const result = fn(acc, value, index++)
    if (isThenable(result)) return Promise.resolve(result).then(store)
    acc = result
    return undefined
  })
  if (!hasAcc) throw new TypeError('Cannot reduce an empty source without an initial value')
  return acc
}
