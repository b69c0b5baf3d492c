import { checkMs, checkSignal } from '../_internal/check.js'
import { sleep as wait } from '../_internal/sleep.js'

/** Options for {@link sleep}. */
export interface SleepOptions {
  /** Stops the wait early: the promise rejects with `signal.reason`. */
  readonly signal?: AbortSignal
}

/**
 * Resolves after `ms` milliseconds. If `options.signal` aborts first, the timer is cleared
 * and the promise rejects with `signal.reason`, unchanged; an already-aborted signal rejects
 * at once. No timer or listener outlives the wait.
 *
 * @param ms - How long to wait, in milliseconds (0 or more).
 * @param options - `signal` to cancel the wait.
 * @returns A promise that resolves to `undefined` after `ms`.
 * @throws {TypeError | RangeError} If `ms` is not a finite number of 0 or more.
 * @example
 * import { sleep } from 'asyncwith/task'
 *
 * const started = Date.now()
 * await sleep(20)
 * console.log(Date.now() - started >= 19) // true
 */
export function sleep(ms: number, options?: SleepOptions): Promise<void> {
  checkMs('ms', ms)
  return wait(ms, checkSignal('signal', options?.signal))
}
