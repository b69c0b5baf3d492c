import { checkFunction } from '../_internal/check.js'
import { asyncDisposeSymbol } from '../_internal/symbols.js'
import {
  type ConcurrentContext,
  ContextScope,
  callReturn,
  DONE,
  LazyContext,
  type MapConcurrentOptions,
  openIterator,
  type ResolvedConcurrentOptions,
  resolveConcurrentOptions,
} from './_concurrent.js'
import { EMPTY, Ring } from './_concurrent-ring.js'
import { closeIfIterator } from './_fused.js'
import type { AnyIterable, Operator } from './_types.js'

const IDLE = 0
const RUNNING = 1
const CLOSING = 2
const CLOSED = 3

interface Slot<U> {
  context: LazyContext | undefined
  readonly fulfilled: (value: U) => void
  readonly rejected: (error: unknown) => void
}

/**
 * The iterator behind {@link mapConcurrent}: an explicit state machine so that the hot path
 * (a value arrives, a callback settles, a consumer waits) allocates as little as possible.
 */
class MapConcurrentIterator<T, U> implements AsyncIterableIterator<U> {
  readonly #fn: (value: T, context: ConcurrentContext) => U | PromiseLike<U>
  readonly #concurrency: number
  readonly #backpressure: number
  readonly #ordered: boolean
  readonly #signal: AbortSignal | undefined
  #source: AnyIterable<T> | undefined
  #iterator: AsyncIterator<T> | undefined = undefined

  #state = IDLE
  /** The source finished or threw: it must not be closed. */
  #sourceEnded = false
  #pulling = false
  /** Values taken from the source (the next input index). */
  #started = 0
  /** Results handed to the consumer (the next key to yield). */
  #consumed = 0
  /** Completion counter, the ring key in unordered mode. */
  #completions = 0
  #inFlight = 0
  readonly #ring: Ring<U>
  /**
   * Pending `next()` calls, in call order: the first one in `#resolve`/`#reject` (the usual
   * case: `for await` has one at a time), any later ones in the arrays.
   */
  #waiting = 0
  #resolve: ((result: IteratorResult<U>) => void) | undefined = undefined
  #reject: ((error: unknown) => void) | undefined = undefined
  readonly #resolvers: Array<(result: IteratorResult<U>) => void> = []
  readonly #rejecters: Array<(error: unknown) => void> = []
  /** The one executor every waiting `next()` uses, so waiting allocates no closure. */
  readonly #enqueue = (
    resolve: (result: IteratorResult<U>) => void,
    reject: (error: unknown) => void,
  ): void => {
    if (this.#waiting++ === 0) {
      this.#resolve = resolve
      this.#reject = reject
    } else {
      this.#resolvers.push(resolve)
      this.#rejecters.push(reject)
    }
  }

  /** Settles the oldest waiting `next()`. */
  #settleWaiter(result: IteratorResult<U> | undefined, error?: unknown): void {
    const resolve = this.#resolve!
    const reject = this.#reject!
    if (--this.#waiting === 0) {
      this.#resolve = undefined
      this.#reject = undefined
    } else {
      this.#resolve = this.#resolvers.shift()
      this.#reject = this.#rejecters.shift()
    }
    if (result !== undefined) resolve(result)
    else reject(error)
  }
  /** Free settlement handlers, one pair per concurrency slot ever used. */
  readonly #slots: Slot<U>[] = []

  /** The callbacks' signals. */
  readonly #scope = new ContextScope()
  /** The failure that ended the iteration, until a `next()` or `return()` reports it. */
  #failure: { error: unknown } | undefined = undefined
  #returnPromise: Promise<unknown> | undefined = undefined
  #returnError: { error: unknown } | undefined = undefined
  #closeWaiters: Array<() => void> = []

  constructor(
    source: AnyIterable<T>,
    fn: (value: T, context: ConcurrentContext) => U | PromiseLike<U>,
    options: ResolvedConcurrentOptions,
  ) {
    this.#source = source
    this.#fn = fn
    this.#concurrency = options.concurrency
    this.#backpressure = options.backpressure
    this.#ordered = options.ordered
    this.#signal = options.signal
    this.#ring = new Ring<U>(Math.min(options.backpressure, 1024))
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** Closes the iterator, as `return()` does, so `await using` works on it. */
  async [asyncDisposeSymbol](): Promise<void> {
    await this.return()
  }

  next(): Promise<IteratorResult<U>> {
    const state = this.#state
    if (state === RUNNING) {
      if (this.#waiting === 0) {
        const value = this.#ring.take(this.#consumed)
        if (value !== EMPTY) {
          this.#consumed++
          this.#fill()
          return Promise.resolve({ done: false, value })
        }
        if (this.#sourceEnded && this.#inFlight === 0) {
          this.#finish()
          return Promise.resolve(DONE)
        }
      }
      return new Promise(this.#enqueue)
    }
    if (state === IDLE) return this.#begin()
    if (state === CLOSING) {
      return new Promise(this.#enqueue)
    }
    const failure = this.#failure
    if (failure !== undefined) {
      this.#failure = undefined
      return Promise.reject(failure.error)
    }
    return Promise.resolve(DONE)
  }

  return(value?: unknown): Promise<IteratorResult<U>> {
    const done = { done: true as const, value: value as U }
    if (this.#state === IDLE) {
      // As TC39 iterator helpers do: closing before the first next() closes a source that is
      // itself an iterator, without opening anything.
      this.#state = CLOSED
      const source = this.#source
      this.#source = undefined
      return closeIfIterator(source).then(() => done)
    }
    if (this.#state === RUNNING) this.#close(undefined, true)
    return new Promise<IteratorResult<U>>((resolve, reject) => {
      const settle = () => {
        const failure = this.#failure ?? this.#returnError
        this.#failure = undefined
        this.#returnError = undefined
        if (failure !== undefined) reject(failure.error)
        else resolve(done)
      }
      if (this.#state === CLOSED) settle()
      else this.#closeWaiters.push(settle)
    })
  }

  async throw(error?: unknown): Promise<IteratorResult<U>> {
    try {
      await this.return()
    } catch {
      // The error thrown in replaces a failure from closing, as in a generator's `finally`.
    }
    throw error
  }

  #begin(): Promise<IteratorResult<U>> {
    const signal = this.#signal
    if (signal?.aborted) {
      this.#state = CLOSED
      this.#source = undefined
      return Promise.reject(signal.reason)
    }
    const source = this.#source!
    this.#source = undefined
    try {
      this.#iterator = openIterator(source)
    } catch (error) {
      this.#state = CLOSED
      return Promise.reject(error)
    }
    this.#state = RUNNING
    signal?.addEventListener('abort', this.#onAbort)
    const promise = new Promise<IteratorResult<U>>(this.#enqueue)
    this.#fill()
    return promise
  }

  /** Pulls from the source while a slot is free. */
  #fill(): void {
    if (
      this.#pulling ||
      this.#sourceEnded ||
      this.#state !== RUNNING ||
      this.#inFlight >= this.#concurrency ||
      this.#started - this.#consumed >= this.#backpressure
    ) {
      return
    }
    this.#pulling = true
    let promise: PromiseLike<IteratorResult<T>> | IteratorResult<T>
    try {
      promise = this.#iterator!.next()
    } catch (error) {
      this.#onSourceError(error)
      return
    }
    if (typeof (promise as PromiseLike<unknown>).then === 'function') {
      ;(promise as PromiseLike<IteratorResult<T>>).then(this.#onSourceResult, this.#onSourceError)
    } else {
      Promise.resolve(promise).then(this.#onSourceResult, this.#onSourceError)
    }
  }

  readonly #onSourceResult = (result: IteratorResult<T>): void => {
    this.#pulling = false
    if (result.done) {
      this.#sourceEnded = true
      if (this.#state === RUNNING) this.#drain()
      else this.#maybeClosed()
      return
    }
    if (this.#state !== RUNNING) return
    this.#start(result.value)
    this.#fill()
  }

  readonly #onSourceError = (error: unknown): void => {
    this.#pulling = false
    this.#sourceEnded = true
    if (this.#state === RUNNING) this.#close({ error }, false)
    else this.#maybeClosed()
  }

  readonly #onAbort = (): void => {
    if (this.#state === RUNNING) this.#close({ error: this.#signal!.reason }, true)
  }

  #start(value: T): void {
    const context = new LazyContext(this.#started++, this.#scope)
    this.#inFlight++
    let result: U | PromiseLike<U>
    try {
      result = this.#fn(value, context)
    } catch (error) {
      this.#settled(context, undefined, { error })
      return
    }
    if (
      result !== null &&
      (typeof result === 'object' || typeof result === 'function') &&
      typeof (result as PromiseLike<U>).then === 'function'
    ) {
      // Settlement handlers are made once per concurrency slot, not once per item.
      const slot = this.#slots.pop() ?? this.#makeSlot()
      slot.context = context
      ;(result as PromiseLike<U>).then(slot.fulfilled, slot.rejected)
    } else {
      this.#settled(context, result as U, undefined)
    }
  }

  #makeSlot(): Slot<U> {
    const slot: Slot<U> = {
      context: undefined,
      fulfilled: (value: U) => {
        const context = slot.context!
        slot.context = undefined
        this.#slots.push(slot)
        this.#settled(context, value, undefined)
      },
      rejected: (error: unknown) => {
        const context = slot.context!
        slot.context = undefined
        this.#slots.push(slot)
        this.#settled(context, undefined, { error })
      },
    }
    return slot
  }

  #settled(
    context: LazyContext,
    value: U | undefined,
    failure: { error: unknown } | undefined,
  ): void {
    this.#inFlight--
    this.#scope.release(context)
    if (this.#state !== RUNNING) {
      // Closing: results are dropped and later errors were already superseded.
      this.#maybeClosed()
      return
    }
    if (failure !== undefined) {
      this.#close(failure, true)
      return
    }
    const key = this.#ordered ? context.index : this.#completions++
    if (key === this.#consumed && this.#waiting > 0) {
      // The hot path: someone is waiting for exactly this result.
      this.#consumed++
      this.#settleWaiter({ done: false, value: value as U })
      if (this.#waiting > 0 || this.#sourceEnded) this.#drain()
      else this.#fill()
      return
    }
    this.#ring.set(key, value as U, this.#consumed)
    this.#drain()
  }

  /** Hands ready results to waiting consumers, then ends the iteration if nothing is left. */
  #drain(): void {
    while (this.#waiting > 0) {
      const value = this.#ring.take(this.#consumed)
      if (value === EMPTY) break
      this.#consumed++
      this.#settleWaiter({ done: false, value })
    }
    if (this.#sourceEnded && this.#inFlight === 0 && !this.#ring.has(this.#consumed)) {
      if (this.#waiting > 0) this.#finish()
    } else {
      this.#fill()
    }
  }

  /** Normal end: the source finished and every result was taken. */
  #finish(): void {
    this.#state = CLOSED
    this.#signal?.removeEventListener('abort', this.#onAbort)
    this.#iterator = undefined
    while (this.#waiting > 0) this.#settleWaiter(DONE)
  }

  /**
   * Ends early: records `failure` (if any), aborts every live callback, closes the source
   * when `closeSource` and it did not end by itself, and settles once all of it settled.
   */
  #close(failure: { error: unknown } | undefined, closeSource: boolean): void {
    this.#state = CLOSING
    this.#failure = failure
    this.#signal?.removeEventListener('abort', this.#onAbort)
    // Abort reason: the failure itself, the outer signal's reason, or a plain AbortError.
    this.#scope.abortAll(failure?.error)
    this.#ring.clear()
    if (closeSource && !this.#sourceEnded && this.#iterator !== undefined) {
      const isReturn = failure === undefined
      this.#returnPromise = callReturn(this.#iterator).then(
        () => {
          this.#returnPromise = undefined
          this.#maybeClosed()
        },
        (error: unknown) => {
          // A failing return() is reported only when nothing else failed, as in `for await`.
          if (isReturn) this.#returnError = { error }
          this.#returnPromise = undefined
          this.#maybeClosed()
        },
      )
    }
    this.#maybeClosed()
  }

  #maybeClosed(): void {
    if (this.#state !== CLOSING || this.#inFlight > 0 || this.#returnPromise !== undefined) return
    this.#state = CLOSED
    this.#iterator = undefined
    while (this.#waiting > 0) {
      const failure = this.#failure
      if (failure !== undefined) {
        this.#failure = undefined
        this.#settleWaiter(undefined, failure.error)
      } else {
        this.#settleWaiter(DONE)
      }
    }
    const closeWaiters = this.#closeWaiters.splice(0)
    for (const settle of closeWaiters) settle()
  }
}

/**
 * Maps every value with an async callback, running up to `concurrency` callbacks at once,
 * and yields the results in input order (`ordered: true`, the default) or as they complete.
 *
 * Nothing runs until the first `next()`. It then pulls ahead of the consumer, but never holds
 * more than `backpressure` results (running plus finished-but-not-taken), so a slow consumer
 * or a slow first item stops the pulling instead of growing a buffer.
 *
 * The first failure ends the iteration, as in p-map: when a callback throws or rejects, or the
 * source throws, every other callback's `signal` aborts (its reason is that error), the source
 * is closed with `return()` (not when it threw itself), and the pending or next `next()`
 * rejects with that error, only once every in-flight callback settled. Results not yet taken
 * are dropped; later errors are ignored. A failure that happened while the consumer was not
 * waiting is reported by the next `next()`, or by `return()`, so it is never lost.
 *
 * Stopping early (`break`, `return()`, a throw in the loop body) aborts every in-flight
 * callback's signal, calls the source's `return()` once, and `return()` resolves after all of
 * them settled: no work keeps running after the loop is left. `return()` also resolves any
 * `next()` still pending with `done`. `options.signal` works the same way, except that the
 * iteration rejects with `signal.reason` unchanged. If `options.signal` is already aborted,
 * the first `next()` rejects with its reason without opening the source.
 *
 * @param fn - Called as `fn(value, { index, signal })`; may return a value or a promise.
 * @param options - `concurrency`, `ordered`, `backpressure`, `signal`.
 * @returns An operator: give it a source to get the lazy iterator of results.
 * @throws `TypeError` when `fn` is not a function or an option has the wrong type, and
 * `RangeError` when `concurrency` or `backpressure` is not a positive integer or `Infinity`
 * (or `backpressure` is below `concurrency`), both at once, when the operator is created.
 * @example
 * import { mapConcurrent } from 'asyncwith/iter'
 *
 * const double = mapConcurrent(async (n: number) => n * 2, { concurrency: 4 })
 * for await (const n of double([1, 2, 3])) console.log(n) // 2, 4, 6
 */
export function mapConcurrent<T, U>(
  fn: (value: T, context: ConcurrentContext) => U | PromiseLike<U>,
  options?: MapConcurrentOptions,
): Operator<T, Awaited<U>> {
  checkFunction('fn', fn)
  const resolved = resolveConcurrentOptions(options)
  return (source) =>
    new MapConcurrentIterator<T, Awaited<U>>(
      source,
      fn as (value: T, context: ConcurrentContext) => Awaited<U> | PromiseLike<Awaited<U>>,
      resolved,
    )
}
