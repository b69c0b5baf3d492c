import { checkLimit, checkNumber } from '../_internal/check.js'
import { describeValue } from '../_internal/describe-value.js'
import { type Fused, fromGenerator } from './_fused.js'
import type { Operator } from './_types.js'

/** Options of {@link chunk}. */
export interface ChunkOptions {
  /**
   * The longest time, in ms, the first value of a chunk waits for the chunk to fill: when it
   * passes, the values gathered so far are yielded as a shorter chunk. The clock starts when
   * the first value of a chunk arrives, so no empty chunk is ever yielded. `false` or
   * `Infinity` waits for a full chunk.
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
 * timer uses `globalThis.setTimeout` as found when it is started, so fake timers work.
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
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`)
  }
  const { maxWait = Infinity } = options
  if (maxWait !== false) {
    checkNumber('options.maxWait', maxWait, true)
    if (maxWait < 0) {
      throw new RangeError(
        `Expected \`options.maxWait\` to be a non-negative number, Infinity or false, got ${describeValue(maxWait)}`,
      )
    }
  }
  if (maxWait === false || maxWait === Infinity) {
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
  let timer: unknown
  let ended = false
  const clear = () => {
    if (timer !== undefined) {
      globalThis.clearTimeout(timer as ReturnType<typeof setTimeout>)
      timer = undefined
    }
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
          timer = globalThis.setTimeout(resolve, maxWait, TIMEOUT)
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
