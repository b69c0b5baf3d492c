/**
 * Base class of every error asyncwith creates for a runtime condition (a timeout, a closed
 * queue, a failed request). Programmer mistakes are built-in `TypeError`s and `RangeError`s
 * instead.
 *
 * Match on `code` rather than `instanceof`: two installed copies of asyncwith have two
 * different classes, but the same codes.
 *
 * @example
 * import { AsyncWithError, isAsyncWithError } from 'asyncwith/context'
 *
 * try {
 *   throw new AsyncWithError('Something asynchronous went wrong')
 * } catch (error) {
 *   if (isAsyncWithError(error)) console.log(error.code) // ASYNCWITH_ERROR
 * }
 */
export class AsyncWithError extends Error {
  override readonly name: string = 'AsyncWithError'
  /** A stable identifier such as `ASYNCWITH_TIMEOUT`; it never changes between versions. */
  readonly code: string = 'ASYNCWITH_ERROR'
}

/**
 * Tells whether `value` is an error created by asyncwith, by its `code`, so it also works
 * across duplicate installs.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` starts with `ASYNCWITH_`.
 * @example
 * import { isAsyncWithError } from 'asyncwith/context'
 *
 * isAsyncWithError(new Error('plain')) // false
 */
export function isAsyncWithError(value: unknown): value is AsyncWithError {
  if (!(value instanceof Error)) return false
  const code: unknown = (value as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('ASYNCWITH_')
}

/**
 * Thrown when a time limit of asyncwith's own passed: a `timeout` scope whose deadline fired
 * (`asyncwith/task`), an iteration whose next value took too long (`timeoutEach`), or a
 * request phase (`asyncwith/http`, as its `HttpTimeoutError` subclass). An outer
 * `AbortSignal` never becomes a `TimeoutError`: its reason is rethrown unchanged.
 *
 * Match on `code` (`'ASYNCWITH_TIMEOUT'`) or with {@link isTimeoutError}, not `instanceof`.
 *
 * @example
 * import { TimeoutError } from 'asyncwith/context'
 *
 * const error = new TimeoutError('Timed out after 10 ms')
 * console.log(error.code) // 'ASYNCWITH_TIMEOUT'
 */
export class TimeoutError extends AsyncWithError {
  override readonly name = 'TimeoutError'
  override readonly code = 'ASYNCWITH_TIMEOUT'
}

/**
 * Tells whether `value` is a {@link TimeoutError}, by its `code`, so it also works across
 * duplicate installs of asyncwith.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_TIMEOUT'`.
 * @example
 * import { isTimeoutError, TimeoutError } from 'asyncwith/context'
 *
 * isTimeoutError(new TimeoutError('Timed out')) // true
 * isTimeoutError(new Error('Timed out')) // false
 */
export function isTimeoutError(value: unknown): value is TimeoutError {
  return value instanceof Error && (value as { code?: unknown }).code === 'ASYNCWITH_TIMEOUT'
}
