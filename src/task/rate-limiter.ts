import { checkSignal } from '../_internal/check.js'
import { describeValue } from '../_internal/describe-value.js'
import { onAbort } from '../_internal/on-abort.js'
import { now, startTimer, stopTimer, type TimerHandle } from '../_internal/timer.js'
import { type WaiterLink, WaiterList } from '../_internal/waiter-list.js'
import { WouldBlockError } from './errors.js'

/** Options for the {@link RateLimiter} constructor. */
export interface RateLimiterOptions {
  /** Tokens added every `per` milliseconds, continuously (not in one lump). */
  readonly rate: number
  /**
   * The period `rate` is counted over, in milliseconds.
   * @defaultValue `1000`
   */
  readonly per?: number
  /**
   * The most tokens the bucket holds, so the most takes that can happen back to back after a
   * quiet spell. The bucket starts full.
   * @defaultValue `rate`, or 1 if `rate` is smaller
   */
  readonly burst?: number
}

/** Options for {@link RateLimiter.take}. */
export interface TakeOptions {
  /**
   * Stops the wait: the promise rejects with `signal.reason`, unchanged, and no token is
   * taken; tokens handed over just before the abort, while the caller had not resumed yet,
   * go back to the bucket.
   */
  readonly signal?: AbortSignal
  /**
   * How many tokens to take: a positive number no larger than `burst`.
   * @defaultValue `1`
   */
  readonly cost?: number
}

/** A snapshot of a {@link RateLimiter}, as returned by {@link RateLimiter.statistics}. */
export interface RateLimiterStatistics {
  readonly rate: number
  readonly per: number
  readonly burst: number
  /** Tokens in the bucket right now (may be fractional). */
  readonly tokens: number
  /** Callers queued for tokens. */
  readonly waiting: number
}

interface _Waiter extends WaiterLink<_Waiter> {
  readonly cost: number
  readonly resolve: () => void
  removeListener: (() => void) | undefined
}

/** Float slack, in tokens, so rounding never costs an extra timer turn. */
const EPSILON = 1e-9

/**
 * A token bucket: `take()` resolves once it may start, so that starts average at most `rate`
 * per `per` milliseconds, with up to `burst` back to back after a quiet spell. Waiters are
 * served first in, first out: one at the head of the queue waiting for many tokens holds
 * back later, cheaper ones, so big costs never starve.
 *
 * A RateLimiter limits how many things *start* per unit of time, not how many run at once:
 * ten slow requests a second can pile up without bound. To bound concurrency, use
 * {@link Semaphore}, or both together.
 *
 * Tokens are computed from a monotonic clock when asked, and at most one timer runs, only
 * while someone waits. A late timer loses nothing: as in Go's `x/time/rate`, each waiter is
 * served as of the moment its tokens were ready, so the long-run rate holds on a busy event
 * loop; after a stall, the waiters that came due during it start together.
 *
 * @example
 * import { RateLimiter } from 'asyncwith/task'
 *
 * const limiter = new RateLimiter({ rate: 100, per: 1000, burst: 2 }) // 1 token per 10 ms
 * const started = Date.now()
 * for (let i = 0; i < 4; i++) await limiter.take()
 * console.log(Date.now() - started >= 15) // true: 2 at once, then 2 more 10 ms apart
 */
export class RateLimiter {
  readonly #rate: number
  readonly #per: number
  readonly #burst: number
  /** Tokens at time `#stamp`. */
  #tokens: number
  #stamp: number
  readonly #waiters = new WaiterList<_Waiter>()
  #timer: TimerHandle | undefined = undefined
  readonly #onTimer = (): void => {
    this.#timer = undefined
    this.#pump()
  }

  /**
   * @param options - `rate` (required), `per` and `burst`.
   * @throws {TypeError} If an option is not a number (or `options` is not an object).
   * @throws {RangeError} If `rate` or `per` is not a positive finite number, or `burst` is
   *   not a finite number of 1 or more.
   */
  constructor(options: RateLimiterOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`)
    }
    const rate = positive('rate', options.rate)
    const per = options.per === undefined ? 1000 : positive('per', options.per)
    const burst = options.burst === undefined ? Math.max(1, rate) : options.burst
    if (typeof burst !== 'number' || !Number.isFinite(burst) || burst < 1) {
      const message = `Expected \`burst\` to be a finite number of 1 or more, got ${describeValue(burst)}`
      throw typeof burst === 'number' ? new RangeError(message) : new TypeError(message)
    }
    this.#rate = rate
    this.#per = per
    this.#burst = burst
    this.#tokens = burst
    this.#stamp = now()
  }

  /**
   * Takes a snapshot of the limiter's state (Trio's `statistics()`).
   *
   * @returns `{ rate, per, burst, tokens, waiting }`, with `tokens` as of now.
   * @example
   * import { RateLimiter } from 'asyncwith/task'
   *
   * const limiter = new RateLimiter({ rate: 5, burst: 3 })
   * limiter.takeNowait()
   * console.log(limiter.statistics().tokens < 2.1) // true
   */
  statistics(): RateLimiterStatistics {
    this.#advance(now())
    return {
      rate: this.#rate,
      per: this.#per,
      burst: this.#burst,
      tokens: this.#tokens,
      waiting: this.#waiters.length,
    }
  }

  /**
   * Waits until `cost` tokens are in the bucket, behind everyone already waiting, and takes
   * them.
   *
   * If `options.signal` is already aborted, the promise rejects with `signal.reason` and
   * takes nothing; if it aborts while waiting, the caller leaves the queue (its timer, if it
   * was at the head, is cleared) and the promise rejects with `signal.reason`, unchanged.
   *
   * @param options - `signal` to stop waiting, `cost` in tokens.
   * @returns A promise that resolves once the tokens are taken.
   * @throws {TypeError} At once, if `options.signal` is not an `AbortSignal` or `cost` is not
   *   a number.
   * @throws {RangeError} At once, if `cost` is not positive and finite, or is more than
   *   `burst` (it could never be served).
   * @example
   * import { RateLimiter } from 'asyncwith/task'
   *
   * const limiter = new RateLimiter({ rate: 1000, burst: 10 })
   * for (const url of ['/a', '/b', '/c']) {
   *   await limiter.take()
   *   console.log('start', url)
   * }
   */
  take(options?: TakeOptions): Promise<void> {
    const signal = options === undefined ? undefined : checkSignal('signal', options.signal)
    const cost = this.#checkCost(options?.cost)
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (this.#waiters.length === 0) {
      this.#advance(now())
      if (this.#tokens + EPSILON >= cost) {
        this.#tokens -= cost
        return Promise.resolve()
      }
    }
    const waiting = new Promise<void>((resolve, reject) => {
      const waiter: _Waiter = { cost, resolve, removeListener: undefined }
      this.#waiters.push(waiter)
      if (signal !== undefined) {
        waiter.removeListener = onAbort(signal, () => {
          const wasHead = waiter === this.#waiters.head
          this.#waiters.remove(waiter)
          reject(signal.reason)
          if (wasHead) this.#restart()
        })
      }
      if (waiter === this.#waiters.head) this.#schedule(now())
    })
    if (signal === undefined) return waiting
    // Tokens handed over can still meet an abort before the caller resumes: they go back to
    // the bucket, as a Semaphore permit goes to the next waiter.
    return waiting.then(() => {
      if (!signal.aborted) return
      this.#advance(now())
      this.#tokens = Math.min(this.#burst, this.#tokens + cost)
      this.#restart()
      throw signal.reason
    })
  }

  /** The head changed or tokens came back: re-time the one timer from now. */
  #restart(): void {
    stopTimer(this.#timer)
    this.#timer = undefined
    this.#pump()
  }

  /**
   * Takes `cost` tokens without waiting.
   *
   * @param cost - How many tokens to take.
   * @throws {@link WouldBlockError} If the bucket holds fewer than `cost` tokens, or someone is
   *   already waiting (taking them would jump the queue). Nothing is taken then.
   * @throws {TypeError | RangeError} If `cost` is not a positive finite number of at most
   *   `burst`.
   * @example
   * import { isWouldBlockError, RateLimiter } from 'asyncwith/task'
   *
   * const limiter = new RateLimiter({ rate: 1, per: 60_000 }) // one a minute
   * limiter.takeNowait()
   * try {
   *   limiter.takeNowait()
   * } catch (error) {
   *   console.log(isWouldBlockError(error)) // true
   * }
   */
  takeNowait(cost = 1): void {
    this.#checkCost(cost)
    if (this.#waiters.length === 0) {
      this.#advance(now())
      if (this.#tokens + EPSILON >= cost) {
        this.#tokens -= cost
        return
      }
    }
    throw new WouldBlockError('RateLimiter has not enough tokens')
  }

  #checkCost(cost: unknown): number {
    if (cost === undefined) return 1
    const message = `Expected \`cost\` to be a positive finite number, got ${describeValue(cost)}`
    if (typeof cost !== 'number') throw new TypeError(message)
    if (!Number.isFinite(cost) || cost <= 0) throw new RangeError(message)
    if (cost > this.#burst) {
      throw new RangeError(
        `Expected \`cost\` to be at most \`burst\` (${this.#burst}), got ${describeValue(cost)}`,
      )
    }
    return cost
  }

  /**
   * Brings the bucket forward to time `t`, serving waiters at the moment their tokens were
   * ready, then refills up to `burst`. Serving at the ideal moment (not when a late timer
   * fired) keeps the tokens a busy event loop would otherwise lose to the `burst` cap.
   */
  #advance(t: number): void {
    const perToken = this.#per / this.#rate
    let waiter = this.#waiters.head
    while (waiter !== undefined) {
      const missing = waiter.cost - this.#tokens
      if (missing > EPSILON) {
        const ready = this.#stamp + missing * perToken
        if (ready > t) break
        this.#stamp = ready
        this.#tokens = waiter.cost
      }
      this.#tokens -= waiter.cost
      this.#waiters.remove(waiter)
      waiter.removeListener?.()
      waiter.resolve()
      waiter = this.#waiters.head
    }
    if (t > this.#stamp) {
      this.#tokens = Math.min(
        this.#burst,
        this.#tokens + ((t - this.#stamp) * this.#rate) / this.#per,
      )
      this.#stamp = t
    }
  }

  /** Serves whoever is ready now and sets the timer for the next head, if any. */
  #pump(): void {
    const t = now()
    this.#advance(t)
    this.#schedule(t)
  }

  /** Starts the one timer, for the head waiter, unless it runs already or no one waits. */
  #schedule(t: number): void {
    const waiter = this.#waiters.head
    if (waiter === undefined || this.#timer !== undefined) return
    const missing = Math.max(0, waiter.cost - this.#tokens)
    const ms = Math.max(0, Math.ceil((missing * this.#per) / this.#rate - (t - this.#stamp)))
    this.#timer = startTimer(this.#onTimer, ms)
  }
}

function positive(name: string, value: unknown): number {
  const message = `Expected \`${name}\` to be a positive finite number, got ${describeValue(value)}`
  if (typeof value !== 'number') throw new TypeError(message)
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(message)
  return value
}
