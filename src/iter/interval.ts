import { checkMs, checkSignal } from '../_internal/check.js'
import { asyncDisposeSymbol } from '../_internal/symbols.js'
import { startTimer, stopTimer, type TimerHandle } from '../_internal/timer.js'
import { DONE } from './_concurrent.js'
import type { AsyncPipeline } from './_types.js'

/** Options of {@link interval}. */
export interface IntervalOptions {
  /**
   * Ends the iteration: a waiting `next()` rejects with `signal.reason` unchanged (or the
   * next one does), and the timer is cleared.
   */
  readonly signal?: AbortSignal
}

class IntervalIterator implements AsyncIterableIterator<number> {
  readonly #ms: number
  readonly #signal: AbortSignal | undefined
  #count = 0
  #last: number | undefined
  #timer: TimerHandle | undefined
  #closed = false
  #failure: { error: unknown } | undefined
  readonly #resolvers: Array<(result: IteratorResult<number>) => void> = []
  readonly #rejecters: Array<(error: unknown) => void> = []

  constructor(ms: number, signal: AbortSignal | undefined) {
    this.#ms = ms
    this.#signal = signal
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** Closes the iterator, as `return()` does, so `await using` works on it. */
  async [asyncDisposeSymbol](): Promise<void> {
    await this.return()
  }

  next(): Promise<IteratorResult<number>> {
    if (this.#closed) {
      const failure = this.#failure
      this.#failure = undefined
      return failure === undefined ? Promise.resolve(DONE) : Promise.reject(failure.error)
    }
    if (this.#last === undefined) {
      if (this.#signal?.aborted) {
        this.#closed = true
        return Promise.reject(this.#signal.reason)
      }
      this.#last = Date.now()
      this.#signal?.addEventListener('abort', this.#onAbort)
    }
    const promise = new Promise<IteratorResult<number>>((resolve, reject) => {
      this.#resolvers.push(resolve)
      this.#rejecters.push(reject)
    })
    if (this.#timer === undefined) this.#schedule()
    return promise
  }

  return(): Promise<IteratorResult<number>> {
    this.#close()
    const resolvers = this.#resolvers.splice(0)
    this.#rejecters.length = 0
    for (const resolve of resolvers) resolve(DONE)
    const failure = this.#failure
    this.#failure = undefined
    return failure === undefined ? Promise.resolve(DONE) : Promise.reject(failure.error)
  }

  #schedule(): void {
    const delay = Math.max(0, this.#last! + this.#ms - Date.now())
    this.#timer = startTimer(this.#tick, delay)
  }

  readonly #tick = (): void => {
    this.#timer = undefined
    this.#last = Date.now()
    this.#rejecters.shift()
    this.#resolvers.shift()?.({ done: false, value: this.#count++ })
    if (this.#resolvers.length > 0) this.#schedule()
  }

  readonly #onAbort = (): void => {
    const error = this.#signal!.reason
    this.#close()
    const resolvers = this.#resolvers.splice(0)
    const rejecters = this.#rejecters.splice(0)
    if (rejecters.length === 0) this.#failure = { error }
    rejecters[0]?.(error)
    for (const resolve of resolvers.slice(1)) resolve(DONE)
  }

  #close(): void {
    this.#closed = true
    if (this.#timer !== undefined) stopTimer(this.#timer)
    this.#timer = undefined
    this.#signal?.removeEventListener('abort', this.#onAbort)
  }
}

/**
 * Yields 0, 1, 2, … one every `ms` milliseconds, forever, until the consumer stops or
 * `options.signal` aborts.
 *
 * The first value comes `ms` after the first `next()`, and each later one `ms` after the
 * previous one was produced; a consumer slower than `ms` gets the next value as soon as it
 * asks, never a burst of missed ticks (a timer loop, not `setInterval`). No timer runs while
 * nobody waits. `return()` clears the timer at once and resolves any waiting `next()` with
 * `done`. If `options.signal` is already aborted, the first `next()` rejects with its reason.
 * Timers come from the global `setTimeout` (read at call time), so fake timers drive it.
 *
 * @param ms - The period, in milliseconds.
 * @param options - `signal`.
 * @returns A lazy, endless iterator of tick numbers.
 * @throws `TypeError` or `RangeError` at once for a wrong `ms` or `signal`.
 * @example
 * import { interval } from 'asyncwith/iter'
 *
 * for await (const tick of interval(10)) {
 *   if (tick === 2) break
 *   console.log(tick) // 0, 1
 * }
 */
export function interval(ms: number, options?: IntervalOptions): AsyncPipeline<number> {
  checkMs('ms', ms)
  return new IntervalIterator(ms, checkSignal('signal', options?.signal))
}
