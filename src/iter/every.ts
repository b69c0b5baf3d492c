import { isThenable } from '../_internal/is-thenable.js'
import { STOP } from './_fused.js'
import { checkCallback, drive } from './_sink.js'
import type { AnyIterable } from './_types.js'

/**
 * Resolves to `false` as soon as `fn(value, index)` is falsy for a value, closing the source
 * without reading further; `true` when every value passed (or the source is empty). `fn` is
 * awaited when it returns a thenable.
 *
 * If `fn` throws or rejects, the source is closed (its `return()` is called once) and the
 * promise rejects with that error; if the source throws, the promise rejects with its error.
 *
 * @param source - An async iterable or a plain iterable.
 * @param fn - The predicate, called with each value and its zero-based index.
 * @returns A promise of whether every value passed.
 * @throws {@link TypeError} If `source` is not iterable or `fn` is not a function (the
 * promise rejects; an iterator `source` is closed first).
 * @example
 * import { every } from 'asyncwith/iter'
 *
 * const allPositive = await every([3, 1, 2], (n) => n > 0)
 * // allPositive: true
 */
export async function every<T>(
  source: AnyIterable<T>,
  fn: (value: T, index: number) => unknown,
): Promise<boolean> {
  await checkCallback(source, fn)
  let passed = true
  let index = 0
  const decide = (ok: unknown) => {
    if (ok) return undefined
    passed = false
    return STOP
  }
  await drive(source, (value) => {
    const result = fn(value as T, index++)
    return isThenable(result) ? Promise.resolve(result).then(decide) : decide(result)
  })
  return passed
}
