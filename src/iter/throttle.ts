import { checkLimit, checkMs, checkSignal } from '../_internal/check.js'
import { sleep } from '../_internal/sleep.js'
import { callReturn, openIterator } from './_concurrent.js'
import { fromGeneratorDirect } from './_fused-adapters.js'
import type { Operator } from './_types.js'

/** Options of {@link throttle}. */
export interface ThrottleOptions {
  /** Ends a wait early: the `next()` rejects with `signal.reason` unchanged. */
  readonly signal?: AbortSignal
}

/**
 * Lets at most `limit` values through in any `interval` milliseconds, by delaying them: no
 * value is dropped (this is a rate limit on a pull-based source, not RxJS's lossy
 * `throttle`). When the limit is reached, the next `next()` takes one value from the source
 * and holds it until the window allows it, so the source is read at most one value ahead of
 * the rate, and the iteration ends as soon as the source ends (no wait after the last value).
 *
 * If `options.signal` aborts during a wait, the timer is cleared and the `next()` rejects
 * with `signal.reason` after closing the source; if it is already aborted, the first `next()`
 * rejects without opening the source. Stopping early closes the source with `return()` once.
 * Timers come from the global `setTimeout` (read at call time) and time from `Date.now()`, so
 * fake timers drive it.
 *
 * @param limit - How many values per window: a positive integer.
 * @param interval - The window, in milliseconds.
 * @param options - `signal`.
 * @returns An operator that passes values through unchanged, at most at that rate.
 * @throws `TypeError` or `RangeError` at once for a wrong `limit`, `interval` or `signal`.
 * @example
 * import { throttle } from 'asyncwith/iter'
 *
 * for await (const n of throttle(2, 100)([1, 2, 3])) console.log(n) // 1, 2, then 3 after 100 ms
 */
export function throttle<T>(
  limit: number,
  interval: number,
  options?: ThrottleOptions,
): Operator<T, T> {
  checkLimit('limit', limit, false)
  checkMs('interval', interval)
  const signal = checkSignal('signal', options?.signal)
  return (input) =>
    fromGeneratorDirect<T>(input, async function* throttleIterator(upstream) {
      const source = upstream as AsyncIterableIterator<T>
      if (signal?.aborted) throw signal.reason
      const iterator = openIterator(source)
      /** When the last `limit` values went out, oldest first. */
      const times: number[] = []
      let ended = false
      try {
        while (true) {
          if (signal?.aborted) throw signal.reason
          // Ask first, wait after: the iteration ends as soon as the source does, instead of
          // sleeping out a window for a value that never comes.
          let result: IteratorResult<T>
          try {
            result = await iterator.next()
          } catch (error) {
            ended = true
            throw error
          }
          if (result.done) {
            ended = true
            return
          }
          if (times.length >= limit) {
            const wait = times[0]! + interval - Date.now()
            if (wait > 0) await sleep(wait, signal)
            times.shift()
          }
          times.push(Date.now())
          yield result.value
        }
      } finally {
        if (!ended) await callReturn(iterator)
      }
    })
}
