import { AsyncWithError } from '../context/index.js'

/**
 * Thrown when you use something that was already closed: spawning into a {@link TaskGroup}
 * that has finished, or putting into (or getting from an empty) {@link Queue} after
 * `close()`. It means "you closed it", not "it broke".
 *
 * Match on `code` (`'ASYNCWITH_CLOSED'`) or with {@link isClosedError}.
 *
 * @example
 * import { ClosedError } from 'asyncwith/task'
 *
 * const error = new ClosedError('Queue is closed')
 * console.log(error.code) // 'ASYNCWITH_CLOSED'
 */
export class ClosedError extends AsyncWithError {
  override readonly name = 'ClosedError'
  override readonly code = 'ASYNCWITH_CLOSED'
}

/**
 * Tells whether `value` is a {@link ClosedError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_CLOSED'`.
 * @example
 * import { ClosedError, isClosedError } from 'asyncwith/task'
 *
 * isClosedError(new ClosedError('closed')) // true
 */
export function isClosedError(value: unknown): value is ClosedError {
  return value instanceof Error && (value as { code?: unknown }).code === 'ASYNCWITH_CLOSED'
}

/**
 * Thrown when a single-use scope is entered a second time: a {@link TimeoutScope} that is
 * active (entered and not left) or has finished, or a {@link TaskGroup} entered twice. As in
 * asyncio, a scope is made for one block; create a new one for each.
 *
 * Match on `code` (`'ASYNCWITH_ALREADY_ENTERED'`) or with {@link isAlreadyEnteredError}.
 *
 * @example
 * import { withContext } from 'asyncwith/context'
 * import { isAlreadyEnteredError, timeout } from 'asyncwith/task'
 *
 * const scope = timeout(1000)
 * await withContext(scope, () => 'first block')
 * try {
 *   await withContext(scope, () => 'second block')
 * } catch (error) {
 *   console.log(isAlreadyEnteredError(error)) // true
 * }
 */
export class AlreadyEnteredError extends AsyncWithError {
  override readonly name = 'AlreadyEnteredError'
  override readonly code = 'ASYNCWITH_ALREADY_ENTERED'
}

/**
 * Tells whether `value` is an {@link AlreadyEnteredError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_ALREADY_ENTERED'`.
 * @example
 * import { AlreadyEnteredError, isAlreadyEnteredError } from 'asyncwith/task'
 *
 * isAlreadyEnteredError(new AlreadyEnteredError('entered')) // true
 */
export function isAlreadyEnteredError(value: unknown): value is AlreadyEnteredError {
  return (
    value instanceof Error && (value as { code?: unknown }).code === 'ASYNCWITH_ALREADY_ENTERED'
  )
}

/**
 * Thrown by the non-blocking twins (`acquireNowait`, `takeNowait`, `putNowait`,
 * `getNowait`) when the waiting version would have had to wait. Nothing changed when it is
 * thrown: no permit, token or item was taken.
 *
 * Match on `code` (`'ASYNCWITH_WOULD_BLOCK'`) or with {@link isWouldBlockError}.
 *
 * @example
 * import { WouldBlockError } from 'asyncwith/task'
 *
 * const error = new WouldBlockError('Semaphore has no permit free')
 * console.log(error.code) // 'ASYNCWITH_WOULD_BLOCK'
 */
export class WouldBlockError extends AsyncWithError {
  override readonly name = 'WouldBlockError'
  override readonly code = 'ASYNCWITH_WOULD_BLOCK'
}

/**
 * Tells whether `value` is a {@link WouldBlockError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_WOULD_BLOCK'`.
 * @example
 * import { isWouldBlockError } from 'asyncwith/task'
 *
 * isWouldBlockError(new Error('busy')) // false
 */
export function isWouldBlockError(value: unknown): value is WouldBlockError {
  return value instanceof Error && (value as { code?: unknown }).code === 'ASYNCWITH_WOULD_BLOCK'
}

/**
 * Thrown by a {@link TaskGroup} when its body or any of its tasks failed. It is always an
 * `AggregateError`, even for a single failure, so a handler has one shape to deal with.
 * `errors` holds every failure exactly once: the body's own error first, if it threw, then
 * the tasks' errors in the order they failed. Tasks that only stopped because the group
 * aborted them are not failures and are not listed.
 *
 * Match on `code` (`'ASYNCWITH_TASK_GROUP'`) or with {@link isTaskGroupError}.
 *
 * @example
 * import { TaskGroupError } from 'asyncwith/task'
 *
 * const error = new TaskGroupError([new Error('a'), new Error('b')])
 * console.log(error.errors.length, error.code) // 2 'ASYNCWITH_TASK_GROUP'
 */
export class TaskGroupError extends AggregateError {
  override readonly name = 'TaskGroupError'
  /** Always `'ASYNCWITH_TASK_GROUP'`. */
  readonly code = 'ASYNCWITH_TASK_GROUP'

  /**
   * @param errors - The failures, the body's error first.
   * @param message - Defaults to a count of the failures and the first one's message.
   */
  constructor(errors: readonly unknown[], message?: string) {
    super(errors, message ?? describeFailures(errors))
  }
}

/**
 * Tells whether `value` is a {@link TaskGroupError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `AggregateError` whose `code` is `'ASYNCWITH_TASK_GROUP'`.
 * @example
 * import { isTaskGroupError, TaskGroupError } from 'asyncwith/task'
 *
 * isTaskGroupError(new TaskGroupError([new Error('x')])) // true
 */
export function isTaskGroupError(value: unknown): value is TaskGroupError {
  return (
    value instanceof AggregateError && (value as { code?: unknown }).code === 'ASYNCWITH_TASK_GROUP'
  )
}

function describeFailures(errors: readonly unknown[]): string {
  const count = errors.length === 1 ? '1 failure' : `${errors.length} failures`
  const first = errors[0]
  const detail =
    first instanceof Error
      ? `${first.name}: ${first.message}`
      : first === undefined
        ? ''
        : String(first)
  return detail === ''
    ? `TaskGroup ended with ${count}`
    : `TaskGroup ended with ${count}; first: ${detail}`
}
