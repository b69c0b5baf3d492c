import { checkFunction, checkLimit, checkSignal } from '../_internal/check.js'
import { onAbort } from '../_internal/on-abort.js'
import { disposeSymbol } from '../_internal/symbols.js'
import { type WaiterLink, WaiterList } from '../_internal/waiter-list.js'
import { WouldBlockError } from './errors.js'

/** Options for {@link Semaphore.acquire} and {@link Semaphore.run}. */
export interface AcquireOptions {
  /**
   * Stops the wait for a permit: the promise rejects with `signal.reason`, unchanged, and no
   * permit is taken. That holds even when a permit was handed over and the signal aborted
   * before the caller resumed: the permit goes to the next waiter (asyncio's
   * `test_acquire_no_hang`). Once the caller holds a permit, the signal no longer affects it.
   */
  readonly signal?: AbortSignal
}

/**
 * One permit taken from a {@link Semaphore}. Give it back with `release()`, or let `using`
 * do it: `using permit = await semaphore.acquire()`.
 */
export interface Permit extends Disposable {
  /**
   * Gives the permit back: to the oldest waiter if there is one, else to the semaphore.
   * Calling it again does nothing, so a permit can never be returned twice.
   */
  release(): void
  /** The same as `release()`, for `using`. */
  [Symbol.dispose](): void
}

/** A snapshot of a {@link Semaphore}, as returned by {@link Semaphore.statistics}. */
export interface SemaphoreStatistics {
  /** The total number of permits, as given to the constructor. */
  readonly permits: number
  /** Permits free right now. */
  readonly available: number
  /** Callers queued for a permit. */
  readonly waiting: number
}

/** A queued acquirer, in a linked list so an abort can unlink it in O(1). */
interface _Waiter extends WaiterLink<_Waiter> {
  /** Hands the permit over (resolves the waiter's promise). */
  readonly grant: () => void
  /** Removes the abort listener, if there is one. */
  removeListener: (() => void) | undefined
}

class _Permit implements Permit {
  #release: (() => void) | undefined

  constructor(release: () => void) {
    this.#release = release
  }

  release(): void {
    const release = this.#release
    if (release === undefined) return
    this.#release = undefined
    release()
  }

  [disposeSymbol](): void {
    this.release()
  }
}

/**
 * Lets at most `permits` callers hold a permit at once; the others wait in a queue, first in,
 * first out. A released permit goes straight to the oldest waiter, so a newcomer can never
 * take it first (no barging), and nobody starves.
 *
 * A Semaphore bounds how many things run *at once*, not how many start *per second*: ten
 * permits allow ten slow requests in flight, or thousands of fast ones a second. To limit a
 * rate, use {@link RateLimiter}.
 *
 * An aborted wait leaves the queue at once and rejects with `signal.reason`, unchanged; it
 * takes no permit and leaves no listener behind.
 *
 * @example
 * import { Semaphore } from 'asyncwith/task'
 *
 * const semaphore = new Semaphore(2)
 * const delays = [30, 10, 20]
 * const results = await Promise.all(
 *   delays.map((ms) => semaphore.run(() => new Promise((resolve) => setTimeout(resolve, ms, ms)))),
 * )
 * console.log(results) // [30, 10, 20], never more than 2 timers at once
 */
export class Semaphore {
  readonly #permits: number
  #available: number
  readonly #waiters = new WaiterList<_Waiter>()
  /** Gives one permit back; shared by every permit and `run()` call. */
  readonly #release = (): void => {
    const waiter = this.#waiters.shift()
    if (waiter === undefined) {
      this.#available++
      return
    }
    waiter.removeListener?.()
    waiter.grant()
  }
  readonly #releaseAndReturn = <T>(value: T): T => {
    this.#release()
    return value
  }
  readonly #releaseAndThrow = (error: unknown): never => {
    this.#release()
    throw error
  }

  /**
   * @param permits - How many holders at once: a positive integer.
   * @throws {TypeError} If `permits` is not a number.
   * @throws {RangeError} If `permits` is not a positive integer.
   */
  constructor(permits: number) {
    checkLimit('permits', permits, false)
    this.#permits = permits
    this.#available = permits
  }

  /** The total number of permits, as given to the constructor. */
  get permits(): number {
    return this.#permits
  }

  /** Permits free right now (0 whenever someone is waiting). */
  get available(): number {
    return this.#available
  }

  /** Callers queued for a permit right now. */
  get waiting(): number {
    return this.#waiters.length
  }

  /**
   * Takes a snapshot of the semaphore's state (Trio's `statistics()`).
   *
   * @returns `{ permits, available, waiting }`.
   * @example
   * import { Semaphore } from 'asyncwith/task'
   *
   * const semaphore = new Semaphore(3)
   * using permit = semaphore.acquireNowait()
   * console.log(semaphore.statistics()) // { permits: 3, available: 2, waiting: 0 }
   */
  statistics(): SemaphoreStatistics {
    return { permits: this.#permits, available: this.#available, waiting: this.#waiters.length }
  }

  /**
   * Waits for a permit and returns it. Waiters are served first in, first out.
   *
   * If `options.signal` is already aborted, the promise rejects with `signal.reason` and
   * takes nothing; if it aborts while waiting, the caller leaves the queue and the promise
   * rejects with `signal.reason`, unchanged.
   *
   * @param options - `signal` to stop waiting.
   * @returns A promise of a {@link Permit}; release it exactly once (`using` does that).
   * @throws {TypeError} At once, if `options.signal` is not an `AbortSignal`.
   * @example
   * import { Semaphore } from 'asyncwith/task'
   *
   * const semaphore = new Semaphore(1)
   * {
   *   using permit = await semaphore.acquire()
   *   console.log(semaphore.available) // 0
   * }
   * console.log(semaphore.available) // 1
   */
  acquire(options?: AcquireOptions): Promise<Permit> {
    const signal = options === undefined ? undefined : checkSignal('signal', options.signal)
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (this.#available > 0 && this.#waiters.length === 0) {
      this.#available--
      return Promise.resolve(new _Permit(this.#release))
    }
    if (signal === undefined) {
      return new Promise<Permit>((resolve, reject) => {
        this.#enqueue(() => resolve(new _Permit(this.#release)), signal, reject)
      })
    }
    // A permit handed over can still meet an abort before the caller resumes (asyncio's
    // test_acquire_no_hang): check again then, and pass the permit on rather than return it.
    return new Promise<void>((resolve, reject) => {
      this.#enqueue(resolve, signal, reject)
    }).then(() => {
      if (signal.aborted) {
        this.#release()
        throw signal.reason
      }
      return new _Permit(this.#release)
    })
  }

  /**
   * Takes a permit without waiting.
   *
   * @returns A {@link Permit}; release it exactly once (`using` does that).
   * @throws {@link WouldBlockError} If no permit is free, or someone is already waiting
   *   (taking it would jump the queue). Nothing is taken then.
   * @example
   * import { isWouldBlockError, Semaphore } from 'asyncwith/task'
   *
   * const semaphore = new Semaphore(1)
   * using permit = semaphore.acquireNowait()
   * try {
   *   semaphore.acquireNowait()
   * } catch (error) {
   *   console.log(isWouldBlockError(error)) // true
   * }
   */
  acquireNowait(): Permit {
    if (this.#available > 0 && this.#waiters.length === 0) {
      this.#available--
      return new _Permit(this.#release)
    }
    throw new WouldBlockError('Semaphore has no free permit')
  }

  /**
   * Runs `fn` while holding a permit: waits for one, calls `fn(signal)`, and gives the permit
   * back when `fn` settles, whether it returns, throws or rejects. The result (or error) of
   * `fn` is passed through unchanged.
   *
   * When a permit is free, `fn` is called synchronously, before `run()` returns. If
   * `options.signal` aborts while waiting, `fn` is never called and the promise rejects with
   * `signal.reason`; once `fn` has started, the signal is only passed on to it.
   *
   * @param fn - The work to do; it receives `options.signal`.
   * @param options - `signal` to stop waiting (also given to `fn`).
   * @returns A promise of what `fn` returns.
   * @throws {TypeError} At once, if `fn` is not a function or `options.signal` is not an
   *   `AbortSignal`.
   * @example
   * import { Semaphore } from 'asyncwith/task'
   *
   * const semaphore = new Semaphore(1)
   * const order: string[] = []
   * await Promise.all([
   *   semaphore.run(async () => { order.push('a start'); await null; order.push('a end') }),
   *   semaphore.run(async () => { order.push('b start') }),
   * ])
   * console.log(order) // ['a start', 'a end', 'b start']
   */
  run<T>(
    fn: (signal?: AbortSignal) => T | PromiseLike<T>,
    options?: AcquireOptions,
  ): Promise<Awaited<T>> {
    checkFunction('fn', fn)
    const signal = options === undefined ? undefined : checkSignal('signal', options.signal)
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (this.#available > 0 && this.#waiters.length === 0) {
      this.#available--
      return this.#call(fn, signal)
    }
    // Waiting: `fn` starts in a later microtask, not inside whoever called `release()`, so a
    // long queue of synchronously failing functions cannot grow the stack.
    return new Promise<void>((resolve, reject) => {
      this.#enqueue(resolve, signal, reject)
    }).then(() => {
      if (signal?.aborted) {
        // Aborted between the handoff and now: pass the permit on, do not start `fn`.
        this.#release()
        throw signal.reason
      }
      return this.#call(fn, signal)
    })
  }

  /** Calls `fn` with a permit already taken and releases it once `fn` settles. */
  #call<T>(
    fn: (signal?: AbortSignal) => T | PromiseLike<T>,
    signal: AbortSignal | undefined,
  ): Promise<Awaited<T>> {
    let result: T | PromiseLike<T>
    try {
      result = fn(signal)
    } catch (error) {
      this.#release()
      return Promise.reject(error)
    }
    return (Promise.resolve(result) as Promise<Awaited<T>>).then(
      this.#releaseAndReturn,
      this.#releaseAndThrow,
    )
  }

  #enqueue(
    grant: () => void,
    signal: AbortSignal | undefined,
    reject: (reason: unknown) => void,
  ): void {
    const waiter: _Waiter = { grant, removeListener: undefined }
    this.#waiters.push(waiter)
    if (signal !== undefined) {
      waiter.removeListener = onAbort(signal, () => {
        // The listener is removed before a handoff, so the waiter is still queued here.
        this.#waiters.remove(waiter)
        reject(signal.reason)
      })
    }
  }
}
