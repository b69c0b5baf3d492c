import { isThenable } from '../_internal/is-thenable.js'
import { STOP } from './_fused.js'
import { checkCallback, drive } from './_sink.js'
import type { AnyIterable } from './_types.js'

/**
 * Resolves to `true` as soon as `fn(value, index)` is truthy for a value, closing the source
 * without reading further; `false` when the source ends first (or is empty). `fn` is awaited
 * when it returns a thenable.
 *
 * If `fn` throws or rejects, the source is closed (its `return()` is called once) and the
 * promise rejects with that error; if the source throws, the promise rejects with its error.
 *
 * @param source - An async iterable or a plain iterable.
 * @param fn - The predicate, called with each value and its zero-based index.
 * @returns A promise of whether some value passed.
 * @throws {@link TypeError} If `source` is not iterable or `fn` is not a function (the
 * promise rejects; an iterator `source` is closed first).
 * @example
 * import { some } from 'asyncwith/iter'
 *
 * const hasNegative = await some([3, -1, 2], (n) => n < 0)
 * // hasNegative: true
 */
export async function some<T>(
  source: AnyIterable<T>,
  fn: (value: T, index: number) => unknown,
): Promise<boolean> {
  await checkCallback(source, fn)
  let found = false
  let index = 0
  const decide = (passed: unknown) => {
    if (!passed) return undefined
    found = true
    return STOP
  }
  await drive(source, (value) => {
    const result = fn(value as T, index++)
    return isThenable(result) ? Promise.resolve(result).then(decide) : decide(result)
  })
  return found
}
