import { checkBoolean, checkSignal } from '../_internal/check.js'
import { describeValue } from '../_internal/describe-value.js'
import { onAbort } from '../_internal/on-abort.js'
import type { AsyncPipeline } from '../iter/index.js'

/** Options for {@link asCompleted}. */
export interface AsCompletedOptions {
  /**
   * Stops the iteration: the pending (or next) `next()` rejects with `signal.reason`, and
   * the iteration ends. The inputs keep running: `asCompleted` does not own them.
   * @defaultValue `undefined`
   */
  readonly signal?: AbortSignal
  /**
   * Yield a {@link SettledResult} for every input instead of its value, so a rejection is
   * reported, not thrown (as `Promise.allSettled` does).
   * @defaultValue `false`
   */
  readonly settled?: boolean
}

/**
 * How one input of {@link asCompleted} settled, with `index`, its position in the input, so
 * a result can be matched with what produced it.
 */
export type SettledResult<T> =
  | { readonly status: 'fulfilled'; readonly value: T; readonly index: number }
  | { readonly status: 'rejected'; readonly reason: unknown; readonly index: number }

/**
 * Yields the results of promises (or Tasks, or any thenables) in the order they settle,
 * not the order they were given (Python's `asyncio.as_completed`). Plain values count as
 * already settled: they come first, in input order.
 *
 * `items` is read at once, when `asCompleted` is called (as Python does), and each input
 * gets one `then` callback that records when it settled; no polling. From then on every
 * input's rejection counts as handled, so none is ever reported as unhandled: iterate to
 * the end (or use `settled`) to see them all.
 *
 * By default, a rejection is thrown from `next()` at the point where it happened, and ends
 * the iteration. With `settled: true` nothing is thrown for an input: each one yields a
 * {@link SettledResult}. Stopping early (`break`, `return()`, an abort) does not cancel the
 * inputs, which `asCompleted` does not own: it only stops watching them. To cancel the rest,
 * give them a signal of yours (or spawn them in a `TaskGroup`) and abort it.
 *
 * @param items - An iterable of promises, thenables or plain values, read right away.
 * @param options - {@link AsCompletedOptions}.
 * @returns An async iterator (also `AsyncDisposable`) of the values, or of
 *   {@link SettledResult}s with `settled: true`.
 * @throws {TypeError} At once, if `items` is not iterable or an option has the wrong type;
 *   whatever iterating `items` throws, at once too.
 * @throws The first input's rejection reason, from `next()` (unless `settled` is `true`).
 * @throws `options.signal.reason` From `next()`, once the signal has aborted.
 * @example
 * import { asCompleted } from 'asyncwith/task'
 *
 * const wait = (ms: number, value: string) =>
 *   new Promise<string>((resolve) => setTimeout(resolve, ms, value))
 * for await (const value of asCompleted([wait(20, 'slow'), wait(1, 'fast'), 'now'])) {
 *   console.log(value) // 'now', 'fast', 'slow'
 * }
 * @example
 * import { asCompleted } from 'asyncwith/task'
 *
 * const inputs = [Promise.reject(new Error('boom')), Promise.resolve(1)]
 * for await (const result of asCompleted(inputs, { settled: true })) {
 *   console.log(result.index, result.status) // 0 'rejected', then 1 'fulfilled'
 * }
 */
export function asCompleted<T>(
  items: Iterable<T>,
  options: AsCompletedOptions & { readonly settled: true },
): AsyncPipeline<SettledResult<Awaited<T>>>
export function asCompleted<T>(
  items: Iterable<T>,
  options?: AsCompletedOptions & { readonly settled?: false | undefined },
): AsyncPipeline<Awaited<T>>
export function asCompleted<T>(
  items: Iterable<T>,
  options?: AsCompletedOptions,
): AsyncPipeline<Awaited<T> | SettledResult<Awaited<T>>>
export function asCompleted(
  items: Iterable<unknown>,
  options?: AsCompletedOptions,
): AsyncPipeline<unknown> {
  if (
    items === null ||
    items === undefined ||
    typeof (items as Iterable<unknown>)[Symbol.iterator] !== 'function'
  ) {
    throw new TypeError(`Expected \`items\` to be an iterable, got ${describeValue(items)}`)
  }
  const signal = checkSignal('signal', options?.signal)
  const settled =
    options?.settled === undefined ? undefined : checkBoolean('settled', options.settled)
  return new _AsCompleted(items, signal, settled === true)
}

interface _Waiter {
  resolve(result: IteratorResult<unknown>): void
  reject(error: unknown): void
}

const doneResult = (): IteratorResult<unknown> => ({ done: true, value: undefined })

class _AsCompleted implements AsyncIterableIterator<unknown>, AsyncDisposable {
  readonly #signal: AbortSignal | undefined
  readonly #settled: boolean
  readonly #total: number
  /** Results in settling order; `#read` is the next one to hand out. */
  readonly #arrived: (SettledResult<unknown> | undefined)[] = []
  #read = 0
  /** Pending `next()` calls, oldest first from `#served`. */
  #waiters: _Waiter[] = []
  #served = 0
  #yielded = 0
  #finished = false
  #removeListener: (() => void) | undefined

  constructor(items: Iterable<unknown>, signal: AbortSignal | undefined, settled: boolean) {
    this.#signal = signal
    this.#settled = settled
    let total = 0
    for (const item of items) {
      const index = total++
      // `Promise.resolve` adopts thenables safely (a `then` that throws, or calls back twice)
      // and handles the input's rejection from now on.
      Promise.resolve(item).then(
        (value: unknown) => this.#arrive({ status: 'fulfilled', value, index }),
        (reason: unknown) => this.#arrive({ status: 'rejected', reason, index }),
      )
    }
    this.#total = total
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#finished || this.#yielded === this.#total) {
      this.#finish()
      return Promise.resolve(doneResult())
    }
    const signal = this.#signal
    if (signal?.aborted) {
      this.#finish()
      return Promise.reject(signal.reason)
    }
    if (this.#read < this.#arrived.length && this.#waiters.length === this.#served) {
      return new Promise((resolve, reject) => this.#hand(this.#shiftArrived(), { resolve, reject }))
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject })
      if (signal !== undefined && this.#removeListener === undefined) {
        this.#removeListener = onAbort(signal, () => this.#abort(signal.reason))
      }
    })
  }

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    this.#finish()
    return Promise.resolve({ done: true, value })
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return()
  }

  #arrive(result: SettledResult<unknown>): void {
    // After the end the result is dropped; the input's rejection is handled all the same.
    if (this.#finished) return
    const waiter = this.#shiftWaiter()
    if (waiter === undefined) this.#arrived.push(result)
    else this.#hand(result, waiter)
  }

  /** Settles one `next()` with `result`, and ends the iteration when that was the last. */
  #hand(result: SettledResult<unknown>, waiter: _Waiter): void {
    if (!this.#settled && result.status === 'rejected') {
      this.#finish()
      waiter.reject(result.reason)
      return
    }
    this.#yielded++
    waiter.resolve({
      done: false,
      value: this.#settled ? result : (result as { value: unknown }).value,
    })
    if (this.#yielded === this.#total) this.#finish()
  }

  #abort(reason: unknown): void {
    const waiter = this.#shiftWaiter()
    this.#finish()
    waiter?.reject(reason)
  }

  /** Ends the iteration: pending `next()` calls resolve `done` and the listener goes. */
  #finish(): void {
    this.#finished = true
    this.#removeListener?.()
    this.#removeListener = undefined
    this.#arrived.length = 0
    this.#read = 0
    for (let waiter = this.#shiftWaiter(); waiter; waiter = this.#shiftWaiter()) {
      waiter.resolve(doneResult())
    }
  }

  #shiftArrived(): SettledResult<unknown> {
    const result = this.#arrived[this.#read]!
    this.#arrived[this.#read++] = undefined
    return result
  }

  #shiftWaiter(): _Waiter | undefined {
    if (this.#served === this.#waiters.length) return undefined
    const waiter = this.#waiters[this.#served]!
    this.#waiters[this.#served++] = undefined as never
    if (this.#served === this.#waiters.length) {
      this.#waiters = []
      this.#served = 0
      this.#removeListener?.()
      this.#removeListener = undefined
    }
    return waiter
  }
}
