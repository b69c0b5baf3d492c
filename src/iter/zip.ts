import { checkIterable } from '../_internal/check.js'
import { callNext, callReturn, openIterator } from './_concurrent.js'
import { fromSources } from './_fused-adapters.js'
import type { AnyIterable, AsyncPipeline } from './_types.js'

/**
 * Yields tuples of one value from each source, `[a0, b0]`, `[a1, b1]`, …, asking all the
 * sources for their next value at once, and stops as soon as the shortest source ends.
 *
 * When one source ends or throws, the others are closed with `return()` (awaited; the
 * source that ended or threw is not), and a thrown error is rethrown. Stopping early closes
 * every source once, before `return()` resolves. A value another source produced in the same
 * round as the end is dropped.
 *
 * @param sources - Async or sync iterables.
 * @returns A lazy iterator of tuples: the sources are opened on the first `next()`.
 * @throws `TypeError` at once if a source is not iterable.
 * @example
 * import { zip } from 'asyncwith/iter'
 *
 * for await (const [n, s] of zip([1, 2, 3], ['a', 'b'])) console.log(n, s) // 1 'a', 2 'b'
 */
export function zip<T extends readonly unknown[]>(
  ...sources: { readonly [K in keyof T]: AnyIterable<T[K]> }
): AsyncPipeline<T> {
  sources.forEach((source, index) => {
    checkIterable(`sources[${index}]`, source)
  })
  const list = sources as readonly AnyIterable<unknown>[]
  return fromSources(list, () => zipIterator(list)) as AsyncPipeline<never>
}

async function* zipIterator(sources: readonly AnyIterable<unknown>[]): AsyncGenerator<unknown[]> {
  const iterators: AsyncIterator<unknown>[] = []
  const ended: boolean[] = []
  let failed = false
  try {
    for (const source of sources) {
      iterators.push(openIterator(source))
      ended.push(false)
    }
    if (iterators.length === 0) return
    while (true) {
      const results = await Promise.allSettled(iterators.map(callNext))
      const values: unknown[] = []
      let failure: { error: unknown } | undefined
      let done = false
      results.forEach((result, index) => {
        if (result.status === 'rejected') {
          ended[index] = true
          failure ??= { error: result.reason }
        } else if (result.value.done) {
          ended[index] = true
          done = true
        } else {
          values.push(result.value.value)
        }
      })
      if (failure !== undefined) throw failure.error
      if (done) return
      yield values
    }
  } catch (error) {
    failed = true
    throw error
  } finally {
    const results = await Promise.allSettled(
      iterators.filter((_, index) => !ended[index]).map(callReturn),
    )
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    // biome-ignore lint/correctness/noUnsafeFinally: a failing return() is the error of a clean exit, as in `for await`
    if (rejected !== undefined && !failed) throw rejected.reason
  }
}
