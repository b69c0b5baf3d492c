import { isThenable } from '../_internal/is-thenable.js'
import { STOP } from './_fused.js'
import { checkCallback, drive } from './_sink.js'
import type { AnyIterable } from './_types.js'

/**
 * Resolves to the first value for which `fn(value, index)` is truthy, closing the source
 * without reading further; `undefined` when no value passes. `fn` is awaited when it
 * returns a thenable.
 *
 * If `fn` throws or rejects, the source is closed (its `return()` is called once) and the
 * promise rejects with that error; if the source throws, the promise rejects with its error.
 *
 * @param source - An async iterable or a plain iterable.
 * @param fn - The predicate, called with each value and its zero-based index.
 * @returns A promise of the first passing value, or `undefined`.
 * @throws {@link TypeError} If `source` is not iterable or `fn` is not a function (the
 * promise rejects; an iterator `source` is closed first).
 * @example
 * import { find } from 'asyncwith/iter'
 *
 * const big = await find([3, 12, 40], (n) => n > 10)
 * // big: 12
 */
export function find<T, S extends T>(
  source: AnyIterable<T>,
  fn: (value: T, index: number) => value is S,
): Promise<S | undefined>
export function find<T>(
  source: AnyIterable<T>,
  fn: (value: T, index: number) => unknown,
): Promise<T | undefined>
export async function find<T>(
  source: AnyIterable<T>,
  fn: (value: T, index: number) => unknown,
): Promise<T | undefined> {
  await checkCallback(source, fn)
  let found: T | undefined
  let index = 0
  await drive(source, (value) => {
    const decide = (passed: unknown) => {
      if (!passed) return undefined
      found = value as T
      return STOP
    }
    const result = fn(value as T, index++)
    return isThenable(result) ? Promise.resolve(result).then(decide) : decide(result)
  })
  return found
}
