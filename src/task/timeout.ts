import { checkSignal, checkTimeLimit } from '../_internal/check.js'
import { describeValue } from '../_internal/describe-value.js'
import { onAbort } from '../_internal/on-abort.js'
import { asyncDisposeSymbol, disposeSymbol } from '../_internal/symbols.js'
import { startTimer, stopTimer, type TimerHandle } from '../_internal/timer.js'
import { type AsyncContextManager, type Failure, TimeoutError } from '../context/index.js'

/** Options for {@link timeout} and {@link deadline}. */
export interface TimeoutOptions {
  /**
   * An outer signal, such as an enclosing scope's: when it aborts, this scope's signal aborts
   * with the same reason, and leaving the scope lets that reason through unchanged.
   */
  readonly signal?: AbortSignal
}

/**
 * A cancel scope with a deadline, made by {@link timeout} or {@link deadline}. Work inside the
 * scope passes `scope.signal` on; when the deadline passes, the signal aborts with a
 * {@link TimeoutError}, and leaving the scope turns the abort it caused into that
 * `TimeoutError`. Any other error (including an outer signal's reason) goes through
 * unchanged, and a body that finishes in time leaves no timer behind.
 *
 * It is an `AsyncContextManager` whose value is the scope itself (for `withContext`) and is
 * also `Disposable`/`AsyncDisposable` (for `using`). The clock starts when the scope is
 * created, as in Python's `asyncio.timeout()`.
 */
export class TimeoutScope
  implements AsyncContextManager<TimeoutScope, void>, AsyncDisposable, Disposable
{
  readonly #controller = new AbortController()
  #describe: () => string
  #deadline: number
  #timer: TimerHandle | undefined
  #removeOuter: (() => void) | undefined
  #expired = false
  #closed = false

  /** @internal Use {@link timeout} or {@link deadline}. */
  constructor(at: number, describe: () => string, signal: AbortSignal | undefined) {
    this.#deadline = at
    this.#describe = describe
    if (signal?.aborted) {
      this.#controller.abort(signal.reason)
      return
    }
    if (signal !== undefined) {
      this.#removeOuter = onAbort(signal, () => this.#abort(signal.reason))
    }
    this.#arm()
  }

  /** Aborts when the deadline passes (reason: a `TimeoutError`) or the outer signal aborts. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /** The deadline, in epoch milliseconds (`Date.now()` time); `Infinity` for none. */
  get deadline(): number {
    return this.#deadline
  }

  /** `true` once this scope's own deadline has passed and aborted its signal. */
  get expired(): boolean {
    return this.#expired
  }

  /**
   * Moves the deadline, as `asyncio.Timeout.reschedule` does. Has no effect once the signal
   * has aborted or the scope was left.
   *
   * @param at - The new deadline in epoch milliseconds, or `Infinity` for none.
   * @throws {TypeError | RangeError} If `at` is not a number or is `NaN`.
   */
  reschedule(at: number): void {
    checkDeadline(at)
    if (this.#controller.signal.aborted || this.#closed) return
    stopTimer(this.#timer)
    this.#deadline = at
    // The message names the deadline now, not the delay the scope was created with.
    this.#describe = () => describeDeadline(at)
    this.#arm()
  }

  /** Starts the clock (it already runs); gives the scope itself. */
  async enter(): Promise<TimeoutScope> {
    return this
  }

  /**
   * Leaves the scope: stops the timer, and turns the abort this scope caused into a
   * `TimeoutError`. Other errors pass through unchanged; it never suppresses.
   */
  async exit(failure?: Failure): Promise<void> {
    this.#close()
    if (failure === undefined || !this.#expired) return
    const reason = this.#controller.signal.reason as TimeoutError
    const { error } = failure
    if (error === reason) return // already the TimeoutError: let it through as it is
    if (causedBy(error, reason)) throw new TimeoutError(reason.message, { cause: error })
  }

  /** Leaves the scope without seeing the body's error (for `await using`). */
  async [asyncDisposeSymbol](): Promise<void> {
    this.#close()
  }

  /** Leaves the scope without seeing the body's error (for `using`). */
  [disposeSymbol](): void {
    this.#close()
  }

  #arm(): void {
    if (this.#deadline === Number.POSITIVE_INFINITY) return
    const fire = () => {
      this.#timer = undefined
      this.#expired = true
      this.#abort(new TimeoutError(this.#describe()))
    }
    const remaining = this.#deadline - Date.now()
    // A deadline that has already passed aborts at once, so the body's first signal-aware
    // step fails (trio's cancel scope with a past deadline), rather than a macrotask later.
    if (remaining <= 0) fire()
    else this.#timer = startTimer(fire, remaining)
  }

  #abort(reason: unknown): void {
    stopTimer(this.#timer)
    this.#timer = undefined
    this.#removeOuter?.()
    this.#removeOuter = undefined
    this.#controller.abort(reason)
  }

  #close(): void {
    this.#closed = true
    stopTimer(this.#timer)
    this.#timer = undefined
    this.#removeOuter?.()
    this.#removeOuter = undefined
  }
}

/**
 * A scope that times out `ms` milliseconds from now: Python's `asyncio.timeout(delay)` or
 * trio's `move_on_after`/`fail_after`, driven by an `AbortSignal`. Pass `scope.signal` to
 * the work inside; when time runs out it aborts with a {@link TimeoutError}, and leaving the
 * scope turns that abort into the `TimeoutError`. Another error, or an outer signal's reason,
 * passes through unchanged; a body that ends in time leaves no timer behind.
 *
 * Use it with `withContext` so the scope sees the body's error. With `using`, the error is
 * whatever the body threw (the signal's reason is itself the `TimeoutError`).
 *
 * @param ms - Milliseconds until the deadline (0 or more, `Infinity` for none).
 * @param options - `signal`: an outer signal whose abort this scope passes on.
 * @returns A {@link TimeoutScope}.
 * @throws {TypeError | RangeError} If `ms` is not a number of 0 or more.
 * @throws {@link TimeoutError} On leaving, if the deadline passed and the body failed because of it.
 * @example
 * import { withContext } from 'asyncwith/context'
 * import { sleep, timeout } from 'asyncwith/task'
 *
 * try {
 *   await withContext(timeout(10), ({ signal }) => sleep(1000, { signal }))
 * } catch (error) {
 *   console.log((error as Error).name) // 'TimeoutError'
 * }
 */
export function timeout(ms: number, options?: TimeoutOptions): TimeoutScope {
  checkTimeLimit('ms', ms)
  const signal = checkSignal('signal', options?.signal)
  return new TimeoutScope(Date.now() + ms, () => `Timed out after ${ms} ms`, signal)
}

/**
 * A scope that times out at the absolute time `at`: Python's `asyncio.timeout_at(when)`.
 * Behaves as {@link timeout} in every other way.
 *
 * @param at - The deadline in epoch milliseconds (as from `Date.now()`), a `Date`, or
 *   `Infinity` for none. A deadline in the past aborts at once.
 * @param options - `signal`: an outer signal whose abort this scope passes on.
 * @returns A {@link TimeoutScope}.
 * @throws {TypeError | RangeError} If `at` is not a number, a valid `Date` or `Infinity`.
 * @throws {@link TimeoutError} On leaving, if the deadline passed and the body failed because of it.
 * @example
 * import { withContext } from 'asyncwith/context'
 * import { deadline, sleep } from 'asyncwith/task'
 *
 * const result = await withContext(deadline(Date.now() + 1000), async ({ signal }) => {
 *   await sleep(5, { signal })
 *   return 'in time'
 * })
 * console.log(result) // 'in time'
 */
export function deadline(at: number | Date, options?: TimeoutOptions): TimeoutScope {
  const time = at instanceof Date ? at.getTime() : at
  checkDeadline(time, at)
  const signal = checkSignal('signal', options?.signal)
  return new TimeoutScope(time, () => describeDeadline(time), signal)
}

function describeDeadline(at: number): string {
  return `Timed out: the deadline ${new Date(at).toISOString()} passed`
}

function checkDeadline(time: unknown, given: unknown = time): void {
  const message = `Expected \`at\` to be epoch milliseconds, a valid Date or Infinity, got ${describeValue(given)}`
  if (typeof time !== 'number') throw new TypeError(message)
  if (Number.isNaN(time) || time === Number.NEGATIVE_INFINITY) throw new RangeError(message)
}

/**
 * Whether `error` is the scope's abort as some API reported it: the reason itself, an error
 * whose `cause` chain reaches it, or a DOMException-style `AbortError` (APIs that ignore the
 * reason). Only asked once this scope's own deadline fired.
 */
function causedBy(error: unknown, reason: unknown): boolean {
  let current = error
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    if (current === reason) return true
    if ((current as { name?: unknown }).name === 'AbortError') return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}
