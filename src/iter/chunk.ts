import { checkLimit, checkOptions, checkTimeLimit } from '../_internal/check.js'
import { startTimer, stopTimer, type TimerHandle } from '../_internal/timer.js'
import type { Fused } from './_fused.js'
import { fromGenerator } from './_fused-adapters.js'
import type { Operator } from './_types.js'

/** Options of {@link chunk}. */
export interface ChunkOptions {
  /**
   * The longest time, in ms, the first value of a chunk waits for the chunk to fill: when it
   * passes, the values gathered so far are yielded as a shorter chunk. The clock starts when
   * the first value of a chunk arrives, so no empty chunk is ever yielded. `Infinity` waits
   * for a full chunk (`false` is still accepted for it, but deprecated: "no limit" is spelled
   * `Infinity` across asyncwith).
   * @defaultValue `Infinity`
   */
  readonly maxWait?: number | false
}

const TIMEOUT: unique symbol = Symbol('timeout')

/**
 * Groups values into arrays of `size` values (the last one may be shorter), and with
 * `maxWait` yields a shorter chunk rather than hold a value longer than `maxWait` ms.
 *
 * Nothing runs before the first `next()`. When the source ends, the remaining values are
 * yielded as a last chunk; when the source throws, its error escapes and values gathered
 * for the unfinished chunk are dropped. Breaking out closes the source (waiting for a
 * `next()` that is already in flight, as async generators do) and clears the timer. The
 * timer uses `globalThis.setTimeout` as found when it is started, so fake timers work, and
 * waits of more than 2^31 - 1 ms are chained rather than firing at once.
 *
 * @param size - The chunk size: a positive integer, or `Infinity` (one chunk, or chunks cut
 * by `maxWait` only).
 * @param options - See {@link ChunkOptions}.
 * @returns An operator for `pipe`, or to call on a source directly.
 * @throws {@link RangeError} If `size` is not a positive integer or `Infinity`, or
 * `maxWait` is negative or `NaN`.
 * @throws {@link TypeError} If `size` or `maxWait` is not a number.
 * @example
 * import { chunk, pipe, toArray } from 'asyncwith/iter'
 *
 * const rows = await pipe([1, 2, 3, 4, 5], chunk(2, { maxWait: 100 }), toArray)
 * // rows: [[1, 2], [3, 4], [5]]
 */
export function chunk<T>(size: number, options: ChunkOptions = {}): Operator<T, T[]> {
  checkLimit('size', size)
  checkOptions('options', options)
  const given = options.maxWait ?? Number.POSITIVE_INFINITY
  const maxWait =
    given === false ? Number.POSITIVE_INFINITY : checkTimeLimit('options.maxWait', given)
  if (maxWait === Number.POSITIVE_INFINITY) {
    return (source) =>
      fromGenerator<T[]>(source, async function* chunked(upstream) {
        let buffer: T[] = []
        for await (const value of upstream as AsyncIterable<T>) {
          buffer.push(value)
          if (buffer.length >= size) {
            const full = buffer
            buffer = []
            yield full
          }
        }
        if (buffer.length > 0) yield buffer
      })
  }
  return (source) =>
    fromGenerator<T[]>(source, (upstream) => chunkWithin(upstream as Fused<T>, size, maxWait))
}

async function* chunkWithin<T>(
  upstream: Fused<T>,
  size: number,
  maxWait: number,
): AsyncGenerator<T[], void, undefined> {
  // A `next()` still in flight when a chunk is cut by time; the next chunk starts with it.
  let pending: Promise<IteratorResult<T>> | undefined
  let timer: TimerHandle | undefined
  let ended = false
  const clear = () => {
    stopTimer(timer)
    timer = undefined
  }
  try {
    for (;;) {
      const first = await (pending ?? upstream.next())
      pending = undefined
      if (first.done) {
        ended = true
        return
      }
      const buffer: T[] = [first.value]
      if (buffer.length < size) {
        const expired = new Promise<typeof TIMEOUT>((resolve) => {
          timer = startTimer(() => resolve(TIMEOUT), maxWait)
        })
        while (buffer.length < size) {
          pending = upstream.next()
          const result = await Promise.race([pending, expired])
          if (result === TIMEOUT) break
          pending = undefined
          if (result.done) {
            ended = true
            clear()
            yield buffer
            return
          }
          buffer.push(result.value)
        }
        clear()
      }
      yield buffer
    }
  } catch (error) {
    // Only the source can throw here, and a source that threw is already closed.
    ended = true
    throw error
  } finally {
    clear()
    if (!ended) {
      // Cut short by the consumer. A `next()` in flight must not reject unhandled;
      // `return()` queues behind it, so the source is closed exactly once.
      pending?.catch(() => {})
      await upstream.return()
    }
  }
}
