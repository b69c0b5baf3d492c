import { checkSignal, checkTimeLimit } from '../_internal/check.js'
import { describeValue } from '../_internal/describe-value.js'
import { onAbort } from '../_internal/on-abort.js'
import { asyncDisposeSymbol, disposeSymbol } from '../_internal/symbols.js'
import { startTimer, stopTimer, type TimerHandle } from '../_internal/timer.js'
import {
  type AsyncContextManager,
  type Failure,
  isTimeoutError,
  TimeoutError,
} from '../context/index.js'
import { AlreadyEnteredError } from './errors.js'

/** Options for {@link timeout} and {@link deadline}. */
export interface TimeoutOptions {
  /**
   * An outer signal, such as an enclosing scope's: when it aborts, this scope's signal aborts
   * with the same reason, and leaving the scope lets that reason through unchanged. An outer
   * scope's `TimeoutError` arrives as a cancellation instead: a DOMException named
   * `AbortError` whose `cause` is that `TimeoutError`, so code in here cannot mistake it for
   * this scope's own timeout; the outer scope turns it back into its `TimeoutError`.
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
 * Nested scopes behave as asyncio's and trio's: only the scope whose own deadline passed
 * raises `TimeoutError`. Inside an inner scope, an outer scope's expiry is a cancellation
 * (an `AbortError` whose `cause` is the outer `TimeoutError`), which a `catch` for
 * `TimeoutError` does not match; when both share one deadline, both are `expired` and only
 * the outer one raises. A scope is single-use: entering it again, while it is active or
 * after it finished, throws {@link AlreadyEnteredError}.
 *
 * It is an `AsyncContextManager` whose value is the scope itself (for `withContext`) and is
 * also `Disposable`/`AsyncDisposable` (for `using`). The clock starts when the scope is
 * created, as in Python's `asyncio.timeout()`.
 */
export class TimeoutScope
  implements AsyncContextManager<TimeoutScope, void>, AsyncDisposable, Disposable
{
  readonly #controller = new AbortController()
  readonly #outer: AbortSignal | undefined
  #describe: () => string
  #deadline: number
  #timer: TimerHandle | undefined
  #removeOuter: (() => void) | undefined
  #expired = false
  /** `true` when this scope's own deadline aborted the signal (not an outer abort). */
  #firedFirst = false
  #entered = false
  #closed = false

  /** @internal Use {@link timeout} or {@link deadline}. */
  constructor(at: number, describe: () => string, signal: AbortSignal | undefined) {
    this.#deadline = at
    this.#describe = describe
    this.#outer = signal
    scopes.set(this.#controller.signal, this)
    if (signal?.aborted) {
      this.#controller.abort(insideView(signal.reason))
      return
    }
    if (signal !== undefined) {
      this.#removeOuter = onAbort(signal, () => this.#abort(insideView(signal.reason)))
    }
    this.#arm()
  }

  /**
   * Aborts when the deadline passes (reason: a `TimeoutError`) or the outer signal aborts
   * (its reason; an outer `TimeoutError` arrives as an `AbortError` with it as `cause`).
   */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /** The deadline, in epoch milliseconds (`Date.now()` time); `Infinity` for none. */
  get deadline(): number {
    return this.#deadline
  }

  /**
   * `true` once this scope's own deadline has passed while it was active, even if an outer
   * abort came first (two nested scopes with one deadline both report `expired`).
   */
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

  /**
   * Starts the clock (it already runs); gives the scope itself. A scope is single-use, as
   * in asyncio: it can be entered once.
   *
   * @throws {@link AlreadyEnteredError} If the scope is active (entered and not left yet) or
   *   has finished (left, or disposed by `using`).
   */
  async enter(): Promise<TimeoutScope> {
    if (this.#closed) {
      throw new AlreadyEnteredError(
        'This timeout scope has already finished; a scope is single-use, so create a new timeout() or deadline() for each block',
      )
    }
    if (this.#entered) {
      throw new AlreadyEnteredError(
        'This timeout scope is already active; a scope is single-use, so create a new timeout() or deadline() for each block',
      )
    }
    this.#entered = true
    return this
  }

  /**
   * Leaves the scope: stops the timer, and turns the abort this scope's own deadline caused
   * into a `TimeoutError`. Other errors, an outer abort included, pass through unchanged;
   * when an outer scope aborted too (one shared deadline), only the outer one raises. It
   * never suppresses.
   */
  async exit(failure?: Failure): Promise<void> {
    this.#close()
    if (failure === undefined) return
    const reason = this.#controller.signal.reason
    const { error } = failure
    // An outer abort (or none): its reason, or the cancellation standing for an outer
    // TimeoutError, goes on unchanged; the scope it belongs to raises the TimeoutError.
    if (!this.#firedFirst) return
    const outer = this.#outer
    // An enclosing scope whose deadline is no later has passed too, even if Node has not run
    // its timer yet (ours ran first): it expires now, so only it raises (asyncio's
    // test_nested_timeouts).
    const outerScope = outer === undefined ? undefined : scopes.get(outer)
    if (
      outerScope !== undefined &&
      !outerScope.#closed &&
      !outerScope.signal.aborted &&
      outerScope.#deadline <= this.#deadline
    ) {
      outerScope.#expire()
    }
    if (outer?.aborted) {
      // Our deadline and an outer one both passed: the outer scope raises, so leave here as
      // the cancellation the outer abort is, seen from inside.
      if (causedBy(error, reason)) throw insideView(outer.reason)
      return
    }
    if (error === reason) return // already the TimeoutError: let it through as it is
    // The cancellation a scope inside saw: this scope's own TimeoutError again.
    if (error === views.get(reason as object)) throw reason
    const ownReason = reason as TimeoutError
    if (causedBy(error, reason)) throw new TimeoutError(ownReason.message, { cause: error })
  }

  /** Leaves the scope without seeing the body's error (for `await using`). */
  async [asyncDisposeSymbol](): Promise<void> {
    this.#close()
  }

  /** Leaves the scope without seeing the body's error (for `using`). */
  [disposeSymbol](): void {
    this.#close()
  }

  #passed(): boolean {
    if (Date.now() >= this.#deadline) return true
    const reason = this.#outer?.aborted ? this.#outer.reason : undefined
    // The outer reason is a TimeoutError, or the cancellation standing for one further out.
    const error = isTimeoutError(reason)
      ? reason
      : (reason as { cause?: unknown } | undefined)?.cause
    const outerDeadline = isTimeoutError(error) ? expiredAt.get(error) : undefined
    return outerDeadline !== undefined && outerDeadline >= this.#deadline
  }

  #arm(): void {
    if (this.#deadline === Number.POSITIVE_INFINITY) return
    const remaining = this.#deadline - Date.now()
    // A deadline that has already passed aborts at once, so the body's first signal-aware
    // step fails (trio's cancel scope with a past deadline), rather than a macrotask later.
    if (remaining <= 0) this.#expire()
    else this.#timer = startTimer(() => this.#expire(), remaining)
  }

  #expire(): void {
    stopTimer(this.#timer)
    this.#timer = undefined
    this.#expired = true
    if (this.#controller.signal.aborted) return // an outer abort came first
    this.#firedFirst = true
    const reason = new TimeoutError(this.#describe())
    expiredAt.set(reason, this.#deadline)
    this.#abort(reason)
  }

  #abort(reason: unknown): void {
    // An outer abort leaves our timer running, so `expired` still tells if our own deadline
    // passes while the scope is active; leaving stops it.
    if (this.#firedFirst) {
      stopTimer(this.#timer)
      this.#timer = undefined
    }
    this.#removeOuter?.()
    this.#removeOuter = undefined
    this.#controller.abort(reason)
  }

  #close(): void {
    if (this.#closed) return
    this.#closed = true
    // A deadline that passed while its timer had not run yet (one deadline shared with an
    // outer scope whose timer ran first) still counts as expired.
    // Node may run a timer a millisecond before `Date.now()` reaches its deadline, so an
    // outer scope's expiry at the same or a later deadline counts as ours having passed.
    if (this.#controller.signal.aborted && this.#passed()) this.#expired = true
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

/**
 * What an outer abort looks like inside this scope: the same reason, except that an outer
 * scope's `TimeoutError` becomes a cancellation (a DOMException named `AbortError`, with the
 * `TimeoutError` as `cause`). So a `catch` for `TimeoutError` inside cannot swallow the outer
 * scope's expiry; leaving the outer scope turns it back into that `TimeoutError`
 * (asyncio's test_nested_timeouts, trio's cancel scopes).
 */
function insideView(reason: unknown): unknown {
  if (!isTimeoutError(reason)) return reason
  const cached = views.get(reason)
  if (cached !== undefined) return cached
  const view = new DOMException(
    `An enclosing scope timed out (${reason.message}), so this scope was cancelled`,
    'AbortError',
  )
  Object.defineProperty(view, 'cause', { value: reason, writable: true, configurable: true })
  views.set(reason, view)
  return view
}

/** The scope each scope signal belongs to, to find an enclosing scope from `options.signal`. */
const scopes = new WeakMap<AbortSignal, TimeoutScope>()

/** The deadline each scope's own TimeoutError stands for. */
const expiredAt = new WeakMap<object, number>()

/** One cancellation per outer TimeoutError, so every scope inside sees the same object. */
const views = new WeakMap<object, DOMException>()

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
