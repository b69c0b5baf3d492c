import { checkFunction } from '../_internal/check.js'
import { describeValue } from '../_internal/describe-value.js'
import { asyncDisposeSymbol } from '../_internal/symbols.js'
import {
  _disposeMethodOf,
  type _Enterable,
  type _Exit,
  _enter,
  _isContextManager,
  _managerExit,
} from './_entered.js'
import type { AsyncContextManager, Failure } from './async-context-manager.js'
import { SuppressedError } from './suppressed-error.js'

/**
 * An exit-style callback for {@link AsyncExitStack.push}: it sees the error in flight
 * (`undefined` when there is none) and may return `true` to suppress it.
 */
export type ExitCallback = (failure?: Failure) => boolean | void | PromiseLike<boolean | void>

/**
 * A stack of cleanups run last in, first out: TC39's `AsyncDisposableStack` (same methods,
 * order and errors, so it is a drop-in replacement) plus Python's `AsyncExitStack`
 * (`enterContext` and `push`, whose exits can see and suppress the error in flight).
 *
 * Two kinds of entry, with two rules for an error thrown while unwinding:
 * - disposal-style (`use`, `adopt`, `defer`) cannot see the error in flight; if one throws
 *   while another error is in flight, both are kept as `SuppressedError(thrown, inFlight)`.
 * - exit-style (`enterContext`, `push`) sees it; what it throws replaces it, and returning
 *   `true` suppresses it, so the exits further out see no error.
 *
 * Use it with `withContext` to give exit-style entries the body's error, or with
 * `await using` when disposal-style entries are all you need. Once disposed it stays
 * disposed: adding to it throws a `ReferenceError`.
 *
 * @example
 * import { AsyncExitStack, withContext } from 'asyncwith/context'
 *
 * await withContext(new AsyncExitStack(), async (stack) => {
 *   for (const name of ['a', 'b']) stack.defer(() => console.log('closed', name))
 *   console.log('working')
 * }) // working, closed b, closed a
 */
export class AsyncExitStack
  implements AsyncContextManager<AsyncExitStack, boolean>, AsyncDisposable
{
  #exits: _Entry[] = []
  #disposed = false

  constructor() {
    // TC39's GetPrototypeFromConstructor falls back to the stack's own prototype when
    // NewTarget's `prototype` is not an object; class syntax alone would pick Object.prototype.
    if (new.target !== undefined && Object.getPrototypeOf(this) === Object.prototype) {
      const proto: unknown = new.target.prototype
      if ((typeof proto !== 'object' && typeof proto !== 'function') || proto === null) {
        Object.setPrototypeOf(this, AsyncExitStack.prototype)
      }
    }
  }

  /** `true` once the stack has been disposed, exited or moved from. */
  get disposed(): boolean {
    return this.#disposed
  }

  /**
   * Adds a resource to dispose of: its `Symbol.asyncDispose`, or else its `Symbol.dispose`.
   * `null` and `undefined` are accepted and ignored, as `await using` does.
   *
   * @param value - An `AsyncDisposable`, a `Disposable`, `null` or `undefined`.
   * @returns `value`, so it can be used inline.
   * @throws {ReferenceError} If the stack is already disposed.
   * @throws {TypeError} If `value` has no dispose method.
   * @example
   * import { AsyncExitStack } from 'asyncwith/context'
   *
   * await using stack = new AsyncExitStack()
   * const file = stack.use({ async [Symbol.asyncDispose]() { console.log('closed') } })
   */
  use<T extends AsyncDisposable | Disposable | null | undefined>(value: T): T {
    this.#assertUsable()
    // TC39 keeps an entry without a method for `null`/`undefined`: disposal then awaits once.
    if (value === null || value === undefined) {
      this.#exits.push({ dispose: undefined })
      return value
    }
    const dispose = _disposeMethodOf(value)
    if (dispose === undefined) {
      throw new TypeError(
        `Expected \`value\` to be an AsyncDisposable, a Disposable, null or undefined, got ${describeValue(value)}`,
      )
    }
    this.#exits.push({ dispose })
    return value
  }

  /**
   * Adds a value that is not disposable itself, with the function that cleans it up.
   *
   * @param value - Any value.
   * @param onDisposeAsync - Called as `onDisposeAsync(value)` when the stack is disposed.
   * @returns `value`.
   * @throws {ReferenceError} If the stack is already disposed.
   * @throws {TypeError} If `onDisposeAsync` is not a function.
   * @example
   * import { AsyncExitStack } from 'asyncwith/context'
   *
   * await using stack = new AsyncExitStack()
   * const timer = stack.adopt(setInterval(() => {}, 1000), clearInterval)
   */
  adopt<T>(value: T, onDisposeAsync: (value: T) => PromiseLike<void> | void): T {
    this.#assertUsable()
    checkFunction('onDisposeAsync', onDisposeAsync)
    this.#exits.push({ dispose: () => onDisposeAsync(value) })
    return value
  }

  /**
   * Adds a cleanup function, run when the stack is disposed.
   *
   * @param onDisposeAsync - Called with no arguments.
   * @throws {ReferenceError} If the stack is already disposed.
   * @throws {TypeError} If `onDisposeAsync` is not a function.
   * @example
   * import { AsyncExitStack } from 'asyncwith/context'
   *
   * await using stack = new AsyncExitStack()
   * stack.defer(() => console.log('cleaned up'))
   */
  defer(onDisposeAsync: () => PromiseLike<void> | void): void {
    this.#assertUsable()
    checkFunction('onDisposeAsync', onDisposeAsync)
    this.#exits.push({ dispose: () => onDisposeAsync() })
  }

  /**
   * Moves every entry to a new stack and marks this one disposed, so resources acquired
   * together can outlive the scope that acquired them (Python's `pop_all()`).
   *
   * @returns A new stack holding this stack's entries.
   * @throws {ReferenceError} If the stack is already disposed.
   * @example
   * import { AsyncExitStack } from 'asyncwith/context'
   *
   * async function openBoth() {
   *   await using stack = new AsyncExitStack()
   *   stack.defer(() => console.log('closed'))
   *   // ... if anything above throws, the stack cleans up; otherwise hand it over:
   *   return stack.move()
   * }
   * await (await openBoth()).disposeAsync() // closed
   */
  move(): AsyncExitStack {
    this.#assertUsable()
    const moved = new AsyncExitStack()
    moved.#exits = this.#exits
    this.#exits = []
    this.#disposed = true
    return moved
  }

  /**
   * Disposes the stack: runs every entry, last in first out, even when some throw. Calling
   * it again does nothing.
   *
   * @throws The error from unwinding: a single entry's error, or `SuppressedError`s nested
   *   from the first error outwards when several disposal-style entries fail.
   * @example
   * import { AsyncExitStack } from 'asyncwith/context'
   *
   * const stack = new AsyncExitStack()
   * stack.defer(() => console.log('done'))
   * await stack.disposeAsync() // done
   */
  disposeAsync(): Promise<void> {
    // Not `async`: the promise of an empty stack settles without an extra turn, as in TC39.
    if (typeof this !== 'object' || this === null || !(#exits in this)) {
      return Promise.reject(
        new TypeError(
          `Expected \`this\` to be an AsyncExitStack, got ${describeValue(this as unknown)}`,
        ),
      )
    }
    if (this.#disposed) return Promise.resolve()
    return this.#unwind(undefined, true) as Promise<unknown> as Promise<void>
  }

  /**
   * Enters a context manager and pushes its `exit`, which will see the error in flight and
   * may suppress it (Python's `enter_async_context`). An `AsyncDisposable` or `Disposable`
   * is accepted too and added as `use` would.
   *
   * @param manager - What to enter.
   * @returns The value `manager.enter()` resolved to (the object itself for a disposable).
   * @throws {ReferenceError} If the stack is already disposed.
   * @throws {TypeError} If `manager` implements none of the protocols.
   * @example
   * import { AsyncExitStack, nullContext } from 'asyncwith/context'
   *
   * await using stack = new AsyncExitStack()
   * const value = await stack.enterContext(nullContext('ready'))
   */
  async enterContext<T>(manager: AsyncContextManager<T, boolean | void>): Promise<T>
  async enterContext<D extends AsyncDisposable | Disposable>(resource: D): Promise<D>
  async enterContext(manager: _Enterable<unknown>): Promise<unknown> {
    this.#assertUsable()
    const entered = await _enter(manager, '`manager`')
    if (this.#disposed) {
      // Disposed while `enter` was pending: nothing would ever exit it, so do it now.
      await entered.exit(undefined)
      this.#assertUsable()
    }
    this.#exits.push(entered.exit)
    return entered.value
  }

  /**
   * Pushes an exit-style callback, or the `exit` of a manager that is already entered
   * (Python's `push_async_exit`). It receives the error in flight, returns `true` to
   * suppress it, and what it throws replaces it.
   *
   * @param exit - An {@link ExitCallback} or an object with an `exit` method.
   * @returns `exit`, unchanged.
   * @throws {ReferenceError} If the stack is already disposed.
   * @throws {TypeError} If `exit` is neither.
   * @example
   * import { AsyncExitStack, withContext } from 'asyncwith/context'
   *
   * await withContext(new AsyncExitStack(), (stack) => {
   *   stack.push((failure) => failure?.error instanceof RangeError) // suppress RangeErrors
   *   throw new RangeError('ignored')
   * })
   */
  push<E extends ExitCallback | AsyncContextManager<unknown, boolean | void>>(exit: E): E {
    this.#assertUsable()
    if (_isContextManager(exit)) this.#exits.push(_managerExit(exit))
    else if (typeof exit === 'function')
      this.#exits.push(async (failure) => Boolean(await exit(failure)))
    else {
      throw new TypeError(
        `Expected \`exit\` to be a function or an object with an exit method, got ${describeValue(exit)}`,
      )
    }
    return exit
  }

  /**
   * Part of the {@link AsyncContextManager} protocol: returns the stack itself.
   *
   * @throws {ReferenceError} If the stack is already disposed.
   */
  async enter(): Promise<this> {
    this.#assertUsable()
    return this
  }

  /**
   * Part of the {@link AsyncContextManager} protocol: unwinds the stack, last in first out,
   * passing the error in flight to each exit-style entry. Resolves `true` when the body's
   * error was suppressed, and rejects with whatever error remains when it is not the body's.
   *
   * @param failure - The body's error, or `undefined` if it completed.
   * @returns `true` if `failure` was suppressed.
   */
  async exit(failure?: Failure): Promise<boolean> {
    if (this.#disposed) return false
    const pending = await this.#unwind(failure, false)
    if (pending === undefined) return failure !== undefined
    if (failure !== undefined && pending.error === failure.error) return false
    throw pending.error
  }

  get [Symbol.toStringTag](): string {
    return 'AsyncExitStack'
  }

  /**
   * TC39's DisposeResources, with exit-style entries added. Disposal-style entries await
   * exactly where the spec does: each call that returned, and once at the end if only
   * `null`/`undefined` entries asked for an await, so outside jobs interleave as with the
   * native stack. With `rethrow`, the error left over is thrown instead of returned.
   */
  async #unwind(failure: Failure | undefined, rethrow: boolean): Promise<Failure | undefined> {
    this.#disposed = true
    const entries = this.#exits
    this.#exits = []
    let pending = failure
    let needsAwait = false
    let hasAwaited = false
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]!
      if (typeof entry === 'function') {
        hasAwaited = true
        try {
          if (await entry(pending)) pending = undefined
        } catch (error) {
          pending = { error }
        }
        continue
      }
      if (entry.dispose === undefined) {
        needsAwait = true
        continue
      }
      try {
        const result = entry.dispose()
        hasAwaited = true
        await result
      } catch (error) {
        pending = {
          error: pending === undefined ? error : new SuppressedError(error, pending.error),
        }
      }
    }
    if (needsAwait && !hasAwaited) await undefined
    if (rethrow && pending !== undefined) throw pending.error
    return rethrow ? undefined : pending
  }

  #assertUsable(): void {
    if (this.#disposed) {
      throw new ReferenceError(
        'This AsyncExitStack is already disposed; create a new stack to add more',
      )
    }
  }
}

export interface AsyncExitStack {
  /** The same function as {@link AsyncExitStack.disposeAsync}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

// TC39 makes `[Symbol.asyncDispose]` the very same function object as `disposeAsync`.
Object.defineProperty(AsyncExitStack.prototype, asyncDisposeSymbol, {
  value: AsyncExitStack.prototype.disposeAsync,
  writable: true,
  configurable: true,
})

/**
 * A disposal-style entry (`use`, `adopt`, `defer`; no method for `null`/`undefined`), or an
 * exit-style one (`enterContext`, `push`) that sees and may suppress the error in flight.
 */
type _Entry = { readonly dispose: (() => unknown) | undefined } | _Exit
