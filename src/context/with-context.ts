import { isThenable } from '../_internal/is-thenable.js'
import { _enter, _isContextManager } from './_entered.js'
import type { AsyncContextManager, CanSuppress, EnterValue } from './async-context-manager.js'

/**
 * Python's `async with`: enters `manager`, runs `body` with the value, and always exits,
 * telling the exit whether `body` failed. Resolves to what `body` returned.
 *
 * It desugars to:
 * ```ts
 * const value = await manager.enter()
 * let result
 * try {
 *   result = await body(value)
 * } catch (error) {
 *   if (await manager.exit({ error })) return undefined // suppressed
 *   throw error
 * }
 * await manager.exit()
 * return result
 * ```
 * If `enter` fails, `exit` is not called. If `exit` throws, that error replaces the body's,
 * as a throwing `finally` would. When `exit` returns `true` the body's error is suppressed
 * and the result is `undefined`, which is why the result type includes `undefined` for
 * managers that can suppress.
 *
 * Also accepts any `AsyncDisposable` or `Disposable` (the object itself is the value): it is
 * disposed on the way out, and a disposal error while `body`'s error is in flight becomes a
 * `SuppressedError`, exactly as with `await using`.
 *
 * Prefer `withContext` over `await using` when the manager needs to see the body's error
 * (to roll back, to suppress, to log): disposal cannot see it.
 *
 * @param manager - An {@link AsyncContextManager}, `AsyncDisposable` or `Disposable`.
 * @param body - Runs with the entered value; may be async.
 * @returns What `body` returned, or `undefined` when its error was suppressed.
 * @throws {TypeError} If `manager` implements none of the three protocols.
 * @example
 * import { contextManager, withContext } from 'asyncwith/context'
 *
 * const transaction = contextManager(async function* () {
 *   console.log('begin')
 *   try {
 *     yield 'tx'
 *     console.log('commit')
 *   } catch (error) {
 *     console.log('rollback')
 *     throw error
 *   }
 * })
 * await withContext(transaction(), (tx) => console.log('using', tx))
 */
export function withContext<M extends AsyncContextManager<any, any>, R>(
  manager: M,
  body: (value: EnterValue<M>) => R | PromiseLike<R>,
): Promise<CanSuppress<M> extends true ? R | undefined : R>
export function withContext<D extends AsyncDisposable | Disposable, R>(
  resource: D,
  body: (value: D) => R | PromiseLike<R>,
): Promise<R>
export function withContext(
  manager: AsyncContextManager<unknown> | AsyncDisposable | Disposable,
  body: (value: unknown) => unknown,
): Promise<unknown> {
  if (typeof body !== 'function') {
    return Promise.reject(
      new TypeError(`Expected \`body\` to be a function, got \`${String(body)}\` (${typeof body})`),
    )
  }
  if (_isContextManager(manager)) return _withManager(manager, body)
  return _withEntered(manager, body)
}

// The common case, kept free of wrappers: it costs the same awaits as the hand-written
// try/finally it replaces.
async function _withManager(
  manager: AsyncContextManager<unknown>,
  body: (value: unknown) => unknown,
): Promise<unknown> {
  const value = await manager.enter()
  let result: unknown
  try {
    result = body(value)
    if (isThenable(result)) result = await result
  } catch (error) {
    if (await manager.exit({ error })) return undefined
    throw error
  }
  await manager.exit(undefined)
  return result
}

async function _withEntered(
  resource: AsyncDisposable | Disposable,
  body: (value: unknown) => unknown,
): Promise<unknown> {
  const entered = await _enter(resource, '`manager`')
  let result: unknown
  try {
    result = await body(entered.value)
  } catch (error) {
    if (await entered.exit({ error })) return undefined
    throw error
  }
  await entered.exit(undefined)
  return result
}
