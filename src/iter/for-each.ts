import { isThenable } from '../_internal/is-thenable.js'
import { checkCallback, drive } from './_sink.js'
import type { AnyIterable } from './_types.js'

/**
 * Calls `fn(value, index)` for each value of `source`, one at a time, awaiting `fn` when it
 * returns a thenable. For a pipe, use an arrow: `pipe(src, map(f), (it) => forEach(it, log))`.
 *
 * If `fn` throws or rejects, the source is closed (its `return()` is called once) and the
 * promise rejects with that error; if the source throws, the promise rejects with its error.
 *
 * @param source - An async iterable or a plain iterable.
 * @param fn - Called with each value and its zero-based index; its result is ignored.
 * @returns A promise that resolves once every value was handled.
 * @throws {@link TypeError} If `source` is not iterable or `fn` is not a function (the
 * promise rejects; an iterator `source` is closed first).
 * @example
 * import { forEach } from 'asyncwith/iter'
 *
 * const seen: string[] = []
 * await forEach(['a', 'b'], (letter, index) => {
 *   seen.push(`${index}:${letter}`)
 * })
 * // seen: ['0:a', '1:b']
 */
export async function forEach<T>(
  source: AnyIterable<T>,
  fn: (value: T, index: number) => unknown,
): Promise<void> {
  await checkCallback(source, fn)
  let index = 0
  await drive(source, (value) => {
    const result = fn(value as T, index++)
    if (isThenable(result)) return Promise.resolve(result).then(ignore)
    return undefined
  })
}

function ignore(): undefined {
  return undefined
}
