import { asyncDisposeSymbol } from '../_internal/symbols.js'
import { _enter, _isContextManager } from './_entered.js'
import type { AsyncContextManager } from './async-context-manager.js'

/**
 * An entered context for `await using`: `value` is what `enter()` gave, and disposing it
 * calls the manager's `exit()` once.
 */
export interface EnteredContext<T> extends AsyncDisposable {
  /** The value the manager's `enter()` resolved to. */
  readonly value: T
}

/**
 * Enters `manager` and returns a handle for `await using`, so a context manager can be
 * used with JavaScript's own syntax:
 * ```ts
 * await using tx = await enter(transaction())
 * ```
 * Disposal calls `exit()` with no failure, because `await using` does not tell a disposer
 * whether the block threw (a TC39 design choice). A manager that must see the error, to roll
 * back or to suppress it, belongs in {@link withContext} instead. A disposal error while the
 * block's error is in flight becomes a `SuppressedError` (the runtime does that).
 *
 * Disposing the handle a second time does nothing.
 *
 * @param manager - An {@link AsyncContextManager}, `AsyncDisposable` or `Disposable` (whose
 *   value is the object itself).
 * @returns A handle with `value` and `[Symbol.asyncDispose]`.
 * @throws {TypeError} If `manager` implements none of the three protocols.
 * @example
 * import { enter, nullContext } from 'asyncwith/context'
 *
 * {
 *   await using handle = await enter(nullContext(42))
 *   console.log(handle.value) // 42
 * }
 */
export function enter<T>(
  manager: AsyncContextManager<T, boolean | void>,
): Promise<EnteredContext<T>>
export function enter<D extends AsyncDisposable | Disposable>(
  resource: D,
): Promise<EnteredContext<D>>
export async function enter(
  manager: AsyncContextManager<unknown> | AsyncDisposable | Disposable,
): Promise<EnteredContext<unknown>> {
  if (_isContextManager(manager)) return new _EnteredManager(manager, await manager.enter())
  const entered = await _enter(manager, '`manager`')
  return new _EnteredManager(
    { enter: async () => entered.value, exit: entered.exit },
    entered.value,
  )
}

class _EnteredManager<T> implements EnteredContext<T> {
  #manager: AsyncContextManager<unknown> | undefined
  readonly value: T

  constructor(manager: AsyncContextManager<unknown>, value: T) {
    this.#manager = manager
    this.value = value
  }

  async [asyncDisposeSymbol](): Promise<void> {
    const manager = this.#manager
    if (manager === undefined) return
    this.#manager = undefined
    await manager.exit(undefined)
  }
}
