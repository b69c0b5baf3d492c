import { describeValue } from '../_internal/describe-value.js'
import { asyncDisposeSymbol, disposeSymbol } from '../_internal/symbols.js'
import type { AsyncContextManager, Failure } from './async-context-manager.js'
import { SuppressedError } from './suppressed-error.js'

/**
 * A resource that has been entered: the value the body gets and how to leave. `exit`
 * resolves `true` when it suppressed `failure`, and rejects with what should propagate
 * instead when it failed.
 */
export interface _Entered<T> {
  readonly value: T
  exit(failure: Failure | undefined): Promise<boolean>
}

/** Exit callbacks in the shape the stack and `withContext` run them. */
export type _Exit = (failure: Failure | undefined) => Promise<boolean>

/** Anything `withContext`, `enter` and `enterContext` accept. */
export type _Enterable<T> = AsyncContextManager<T, boolean | void> | AsyncDisposable | Disposable

export function _isContextManager(value: unknown): value is AsyncContextManager<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { enter?: unknown }).enter === 'function' &&
    typeof (value as { exit?: unknown }).exit === 'function'
  )
}

/**
 * Returns the disposal function TC39's `GetDisposeMethod` would pick for an async context:
 * `Symbol.asyncDispose`, else `Symbol.dispose` (whose result is not awaited), else undefined.
 */
export function _disposeMethodOf(value: unknown): (() => unknown) | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined
  const asyncMethod: unknown = (value as Record<symbol, unknown>)[asyncDisposeSymbol]
  if (asyncMethod !== undefined && asyncMethod !== null) {
    if (typeof asyncMethod !== 'function') return undefined
    return () => asyncMethod.call(value)
  }
  const syncMethod: unknown = (value as Record<symbol, unknown>)[disposeSymbol]
  if (syncMethod !== undefined && syncMethod !== null) {
    if (typeof syncMethod !== 'function') return undefined
    // As TC39's async wrapper of a sync method: a throw becomes a rejection, which is awaited.
    return () => {
      try {
        syncMethod.call(value)
      } catch (error) {
        return Promise.reject(error)
      }
      return undefined
    }
  }
  return undefined
}

/**
 * Wraps a disposal function in the disposal-style rule: it cannot see the in-flight error,
 * so if it throws while one is in flight both are kept, as `await using` keeps them.
 */
export function _disposalExit(dispose: () => unknown): _Exit {
  return async (failure) => {
    try {
      await dispose()
    } catch (error) {
      throw failure ? new SuppressedError(error, failure.error) : error
    }
    return false
  }
}

/** Wraps a context manager's `exit`: what it throws replaces the in-flight error. */
export function _managerExit(manager: AsyncContextManager<unknown>): _Exit {
  return async (failure) => Boolean(await manager.exit(failure))
}

/** Enters anything `withContext` accepts, choosing the protocol as documented there. */
export async function _enter<T>(resource: _Enterable<T>, what: string): Promise<_Entered<T>> {
  if (_isContextManager(resource)) {
    const value = (await resource.enter()) as T
    return { value, exit: _managerExit(resource) }
  }
  const dispose = _disposeMethodOf(resource)
  if (dispose === undefined) {
    throw new TypeError(
      `Expected ${what} to be an asynchronous context manager (enter and exit methods), an AsyncDisposable or a Disposable, got ${describeValue(resource)}${_missingHalf(resource)}`,
    )
  }
  return { value: resource as T, exit: _disposalExit(dispose) }
}

// Names the missing method of a half-made manager, as Python 3.13 does ("missed __exit__").
function _missingHalf(value: unknown): string {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return ''
  const hasEnter = typeof (value as { enter?: unknown }).enter === 'function'
  const hasExit = typeof (value as { exit?: unknown }).exit === 'function'
  if (hasEnter === hasExit) return ''
  return `, which has no ${hasEnter ? 'exit' : 'enter'} method`
}
