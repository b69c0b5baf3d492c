import { checkIterable } from '../_internal/check.js'
import { callNext, callReturn, openIterator } from './_concurrent.js'
import { fromSources } from './_fused-adapters.js'
import type { AnyIterable, AsyncPipeline } from './_types.js'

/**
 * Runs every source at once and yields their values as they are produced, in arrival order.
 * Each source has at most one value waiting to be taken, so a fast source cannot fill memory
 * while the consumer is slow. It ends when every source ended.
 *
 * The first source that throws ends the whole iteration: the other sources are closed with
 * `return()` (awaited), then the error is rethrown. Stopping early (`break`, `return()`)
 * closes every source that has not finished, once each, before `return()` resolves.
 *
 * @param sources - Async or sync iterables.
 * @returns A lazy iterator: the sources are opened on the first `next()`.
 * @throws `TypeError` at once if a source is not iterable.
 * @example
 * import { merge } from 'asyncwith/iter'
 *
 * for await (const value of merge([1, 2], ['a'])) console.log(value) // 1, 'a', 2 (some order)
 */
export function merge<Sources extends readonly AnyIterable<unknown>[]>(
  ...sources: Sources
): AsyncPipeline<Sources[number] extends AnyIterable<infer T> ? T : never> {
  sources.forEach((source, index) => {
    checkIterable(`sources[${index}]`, source)
  })
  return fromSources(sources, () => mergeIterator(sources)) as AsyncPipeline<never>
}

interface Arrival {
  readonly index: number
  readonly result?: IteratorResult<unknown>
  readonly failure?: { error: unknown }
}

async function* mergeIterator(sources: readonly AnyIterable<unknown>[]): AsyncGenerator<unknown> {
  const iterators: AsyncIterator<unknown>[] = []
  /** Sources that ended by themselves (finished or threw): they must not be closed. */
  const ended: boolean[] = []
  const arrivals: Arrival[] = []
  let wake: (() => void) | undefined
  const arrive = (arrival: Arrival): void => {
    // A source that finished or threw is closed already, even if the consumer never sees
    // its end because it stops first.
    if (arrival.failure !== undefined || arrival.result?.done) ended[arrival.index] = true
    arrivals.push(arrival)
    const resolve = wake
    wake = undefined
    resolve?.()
  }
  const pull = (index: number): void => {
    const promise = callNext(iterators[index]!)
    promise.then(
      (result) => arrive({ index, result }),
      (error: unknown) => arrive({ index, failure: { error } }),
    )
  }
  let failed = false
  try {
    for (const source of sources) {
      iterators.push(openIterator(source))
      ended.push(false)
    }
    let open = iterators.length
    for (let index = 0; index < iterators.length; index++) pull(index)
    while (open > 0) {
      const arrival = arrivals.shift()
      if (arrival === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        continue
      }
      if (arrival.failure !== undefined) {
        ended[arrival.index] = true
        failed = true
        throw arrival.failure.error
      }
      if (arrival.result!.done) {
        ended[arrival.index] = true
        open--
        continue
      }
      // Ask that source for its next value before handing this one over, so every source
      // keeps working while the consumer does (still at most one value waiting per source).
      pull(arrival.index)
      yield arrival.result!.value
    }
  } catch (error) {
    failed = true
    throw error
  } finally {
    const closing: Promise<unknown>[] = []
    for (let index = 0; index < iterators.length; index++) {
      if (!ended[index]) closing.push(callReturn(iterators[index]!))
    }
    const results = await Promise.allSettled(closing)
    // Values that arrive after the end are dropped; their promises are already handled.
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    // biome-ignore lint/correctness/noUnsafeFinally: a failing return() is the error of a clean exit, as in `for await`
    if (rejected !== undefined && !failed) throw rejected.reason
  }
}
