import { checkTimeLimit } from '../_internal/check.js'
import { TimeoutError } from '../context/index.js'
import { openIterator, raceNext, raceThrough } from './_concurrent.js'
import { fromGeneratorDirect } from './_fused-adapters.js'
import type { Operator } from './_types.js'

/**
 * Fails the iteration with a {@link TimeoutError} when the source takes longer than `ms` to
 * produce its next value. The clock runs only while a `next()` is waiting for the source:
 * time the consumer spends on a value does not count, and every value gets a fresh `ms`.
 *
 * When the time is up, the pending `next()` rejects at once (the error's `cause` is
 * undefined: the limit was this operator's own) and the source's `return()` is called once.
 * That `return()` is not awaited, because a source stuck in an `await` cannot finish closing
 * until that `await` settles; give the source a signal if it must stop sooner. On every other
 * exit (the source ends or throws, the consumer stops) the timer is cleared, and stopping
 * early awaits the source's `return()`. Timers come from the global `setTimeout`, read at call
 * time, so fake timers drive it.
 *
 * The root entry `asyncwith` exports this operator as `timeoutEach`, because there `timeout`
 * is the task layer's cancel scope.
 *
 * @param ms - The longest wait for one value, in milliseconds; `Infinity` means no limit.
 * `false` is still accepted for `Infinity` but deprecated: "no limit" is spelled `Infinity`
 * across asyncwith.
 * @returns An operator that passes values through unchanged.
 * @throws `TypeError` or `RangeError` at once when `ms` is not a number of 0 or more.
 * @example
 * import { timeout } from 'asyncwith/iter'
 *
 * for await (const n of timeout(1000)([1, 2])) console.log(n) // 1, 2
 */
export function timeout<T>(ms: number | false): Operator<T, T> {
  const limit = ms === false ? Number.POSITIVE_INFINITY : checkTimeLimit('ms', ms)
  return (input) =>
    fromGeneratorDirect<T>(input, async function* timeoutIterator(upstream) {
      const source = upstream as AsyncIterableIterator<T>
      if (limit === Number.POSITIVE_INFINITY) {
        yield* source
        return
      }
      let timedOut: TimeoutError | undefined
      const onTimeout = (): unknown => {
        timedOut = new TimeoutError(`Timed out after ${ms} ms waiting for the next value`)
        return timedOut
      }
      yield* raceThrough(
        openIterator(source),
        (iterator) => raceNext(iterator, limit, onTimeout, undefined),
        (error) => error !== undefined && error === timedOut,
      )
    })
}
