/**
 * What happened in the body, as an `exit` sees it: `undefined` when the body completed,
 * else `{ error }`. The wrapper means even `throw undefined` counts as a failure.
 */
export interface Failure {
  /** The value the body threw (usually, but not always, an `Error`). */
  readonly error: unknown
}

/**
 * The asynchronous context-manager protocol: Python's `__aenter__` and `__aexit__`.
 *
 * `enter()` acquires the resource and gives the value the body works with. `exit(failure)`
 * releases it; it sees the body's error and may suppress it by returning `true`. It must not
 * rethrow the error it was given (return a falsy value instead); throwing something else
 * replaces that error, as a `finally` block that throws does.
 *
 * The second type parameter says whether `exit` can suppress: managers whose `exit` returns
 * `Promise<void>` or `Promise<false>` never do, and {@link withContext} then types its result
 * without `| undefined`.
 *
 * @example
 * import { type AsyncContextManager, withContext } from 'asyncwith/context'
 *
 * const connection: AsyncContextManager<string, void> = {
 *   async enter() { console.log('Entering context'); return 'connection' },
 *   async exit() { console.log('Exiting context') },
 * }
 * await withContext(connection, (value) => console.log('Inside context with', value))
 */
export interface AsyncContextManager<T, E extends boolean | void = boolean | void> {
  /** Acquires the resource; its result is what the body receives. */
  enter(): Promise<T>
  /**
   * Releases the resource. `failure` is `undefined` when the body completed. Returning
   * `true` suppresses `failure.error`.
   */
  exit(failure?: Failure): Promise<E>
}

/** The value a manager's `enter()` resolves to. */
export type EnterValue<M> = M extends { enter(): infer R } ? Awaited<R> : never

/** `true` when `M`'s `exit` may return `true`, so a body's error may be suppressed. */
export type CanSuppress<M> = M extends { exit(...args: any[]): infer R }
  ? true extends Awaited<R>
    ? true
    : false
  : false
