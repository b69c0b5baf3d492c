import { checkSignal } from '../_internal/check.js'
import { openIterator, raceNext, raceThrough } from './_concurrent.js'
import { fromGeneratorDirect } from './_fused-adapters.js'
import type { Operator } from './_types.js'

/**
 * Ends the iteration when `signal` aborts: the pending or next `next()` rejects with
 * `signal.reason`, unchanged. Use it for sources that take no signal of their own.
 *
 * An abort while a `next()` waits rejects it at once and calls the source's `return()` once
 * without awaiting it (a source stuck in an `await` cannot finish closing before that `await`
 * settles). An abort between values is seen by the next `next()`, which closes the source and
 * awaits its `return()` before rejecting. If `signal` is already aborted, the first `next()`
 * rejects without opening the source. The abort listener exists only while a `next()` waits.
 *
 * @param signal - The signal that ends the iteration.
 * @returns An operator that passes values through unchanged until the abort.
 * @throws `TypeError` at once when `signal` is not an `AbortSignal`.
 * @example
 * import { abortable } from 'asyncwith/iter'
 *
 * const controller = new AbortController()
 * try {
 *   for await (const n of abortable<number>(controller.signal)([1, 2, 3])) {
 *     if (n === 2) controller.abort()
 *     console.log(n) // 1, 2
 *   }
 * } catch (error) {
 *   console.log((error as Error).name) // 'AbortError'
 * }
 */
export function abortable<T>(signal: AbortSignal): Operator<T, T> {
  if (signal === undefined) {
    throw new TypeError('Expected `signal` to be an AbortSignal, got `undefined` (undefined)')
  }
  checkSignal('signal', signal)
  return (input) =>
    fromGeneratorDirect<T>(input, async function* abortableIterator(upstream) {
      const source = upstream as AsyncIterableIterator<T>
      if (signal.aborted) throw signal.reason
      const throwIfAborted = (): void => {
        if (signal.aborted) throw signal.reason
      }
      yield* raceThrough(
        openIterator(source),
        (iterator) => raceNext(iterator, undefined, undefined, signal),
        (error) => signal.aborted && error === signal.reason,
        throwIfAborted,
      )
    })
}
