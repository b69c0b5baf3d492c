/**
 * Shared by the translations of CPython's test_contextlib.py and test_contextlib_async.py:
 * Python's exception classes as JavaScript Error classes, and `_TestBaseExitStack`, the
 * ExitStack tests that CPython runs against both `ExitStack` (TestExitStack) and
 * `AsyncExitStack` (TestAsyncExitStack inherits them). asyncwith has one stack for both, so
 * the suite runs twice: with plain callbacks and `function*` managers (as CPython writes it),
 * and with `async` callbacks and `async function*` managers.
 *
 * Mapping: `with self.exit_stack() as stack` → `withContext(new AsyncExitStack(), …)`;
 * `stack.callback(f, *args)` → `stack.defer(() => f(...args))`; `stack.push(exit)` →
 * `stack.push(exit)`; `stack.enter_context(cm)` → `await stack.enterContext(cm)`;
 * `stack.close()` → `await stack.disposeAsync()`; `stack.pop_all()` → `stack.move()`;
 * `@contextmanager` → `contextManager(function* …)`; `raise X from e` → `new X(…, { cause: e })`.
 * Python chains an exception raised while another is handled through `__context__`;
 * JavaScript has none. Where a disposal-style entry (`defer`) throws while an error is in
 * flight, the pair is a `SuppressedError(thrown, inFlight)`, TC39's form of `__context__`.
 * Where exit-style code (`exit`, a generator manager, `push`) throws, the new error replaces
 * the old one with no link, as a JavaScript `finally` that throws does: those `__context__`
 * assertions are translated to what asyncwith documents (README, "Where asyncwith differs").
 *
 * Not translated: test_instance_docs (docstrings), test_exit_exception_traceback's frame list
 * (Python tracebacks; its `__context__` half is translated), `_exit_callbacks` identity checks
 * (CPython internals; the order they imply is checked through the calls made).
 */
import {
  AsyncExitStack,
  contextManager,
  type Failure,
  isSuppressedError,
  SuppressedError,
  withContext,
} from 'asyncwith/context'
import { describe, expect, it } from 'vitest'
import { rejectionOf } from './context-log.js'

export class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError'
}
export class ValueError extends Error {
  override name = 'ValueError'
}
export class LookupError extends Error {
  override name = 'LookupError'
}
export class KeyError extends LookupError {
  override name = 'KeyError'
}
export class IndexError extends LookupError {
  override name = 'IndexError'
}
export class AttributeError extends Error {
  override name = 'AttributeError'
}
export class NameError extends Error {
  override name = 'NameError'
}
export class RuntimeError extends Error {
  override name = 'RuntimeError'
}
export class StopIteration extends Error {
  override name = 'StopIteration'
}
export class StopAsyncIteration extends Error {
  override name = 'StopAsyncIteration'
}

/** `1/0`: JavaScript divides by zero without an error, so the body throws it explicitly. */
export function divideByZero(): never {
  throw new ZeroDivisionError('division by zero')
}

/** How the suite writes callbacks and generator managers. */
export interface Flavour {
  readonly name:
    | 'plain callbacks and function* managers'
    | 'async callbacks and async function* managers'
  /** A callback as the flavour writes it: `f` itself, or an async function calling it. */
  fn<A extends unknown[], R>(f: (...args: A) => R): (...args: A) => R | Promise<R>
  /** `@contextmanager` over `body`: a `function*` manager, or an `async function*` one. */
  cm<A extends unknown[], T>(
    body: (...args: A) => Generator<T, unknown, undefined>,
  ): (...args: A) => ReturnType<ReturnType<typeof contextManager<A, T>>>
}

export const plain: Flavour = {
  name: 'plain callbacks and function* managers',
  fn: (f) => f,
  cm: (body) => contextManager(body),
}

export const asynchronous: Flavour = {
  name: 'async callbacks and async function* managers',
  fn:
    (f) =>
    async (...args) =>
      f(...args),
  cm: (body) =>
    contextManager(async function* (...args) {
      return yield* body(...args)
    }),
}

/** The ExitStack tests CPython shares between ExitStack and AsyncExitStack. */
export function describeBaseExitStack(flavour: Flavour): void {
  const { fn, cm } = flavour

  describe(`_TestBaseExitStack (${flavour.name})`, () => {
    it('test_no_resources', async () => {
      const stack = new AsyncExitStack()
      await withContext(stack, () => {})
      expect(stack.disposed).toBe(true)
    })

    it('test_callback', async () => {
      // Python passes *args and **kwds through callback(); JavaScript closes over them. The
      // keyword forms are positional objects here.
      const expected: unknown[][] = [
        [],
        [1],
        [1, 2],
        [{ example: 1 }],
        [1, { example: 1 }],
        [1, 2, { example: 1 }],
        [1, 2, { self: 3, callback: 4 }],
      ]
      let result: unknown[][] = []
      const exit = fn((...args: unknown[]) => {
        result.push(args)
      })
      await withContext(new AsyncExitStack(), (stack) => {
        for (const args of [...expected].reverse()) {
          const f = stack.defer(() => exit(...args))
          // Python's callback() returns the function; TC39's defer() returns undefined
          // (README, "Where asyncwith differs").
          expect(f).toBeUndefined()
        }
      })
      expect(result).toEqual(expected)

      result = []
      await withContext(new AsyncExitStack(), (stack) => {
        // stack.callback(arg=1): no callback given.
        expect(() => stack.defer(undefined as unknown as () => void)).toThrow(TypeError)
        // self.exit_stack.callback(arg=2): called without a stack.
        expect(() =>
          Reflect.apply(AsyncExitStack.prototype.defer, undefined, [() => exit(2)]),
        ).toThrow(TypeError)
        // stack.callback(callback=_exit, arg=3) has no JavaScript form: no keyword arguments.
      })
      expect(result).toEqual([])
    })

    it('test_push', async () => {
      const seen: string[] = []
      let entered = 0
      const expectExc = fn((failure?: Failure) => {
        seen.push(failure?.error instanceof ZeroDivisionError ? 'exc' : `not exc: ${failure}`)
      })
      const suppressExc = fn((_failure?: Failure) => true)
      const expectOk = fn((failure?: Failure) => {
        seen.push(failure === undefined ? 'ok' : 'not ok')
      })
      class ExitCM {
        constructor(readonly check: (failure?: Failure) => unknown) {}
        async enter(): Promise<void> {
          entered++ // Should not be called!
        }
        async exit(failure?: Failure): Promise<void> {
          await this.check(failure)
        }
      }
      await withContext(new AsyncExitStack(), (stack) => {
        expect(stack.push(expectOk)).toBe(expectOk)
        const cm1 = new ExitCM(expectOk)
        expect(stack.push(cm1)).toBe(cm1)
        expect(stack.push(suppressExc)).toBe(suppressExc)
        const cm2 = new ExitCM(expectExc)
        expect(stack.push(cm2)).toBe(cm2)
        expect(stack.push(expectExc)).toBe(expectExc)
        expect(stack.push(expectExc)).toBe(expectExc)
        divideByZero()
      })
      expect(seen).toEqual(['exc', 'exc', 'exc', 'ok', 'ok'])
      expect(entered).toBe(0)
    })

    it('test_enter_context', async () => {
      const result: number[] = []
      const testCM = {
        async enter() {
          result.push(1)
        },
        async exit() {
          result.push(3)
        },
      }
      await withContext(new AsyncExitStack(), async (stack) => {
        stack.defer(fn(() => void result.push(4))) // Registered first => cleaned up last
        await stack.enterContext(testCM)
        result.push(2)
      })
      expect(result).toEqual([1, 2, 3, 4])
    })

    it('test_enter_context_errors', async () => {
      const calls: string[] = []
      const lacksEnterAndExit = {}
      const lacksEnter = {
        async exit() {
          calls.push('exit')
        },
      }
      const lacksExit = {
        async enter() {
          calls.push('enter')
        },
      }
      await withContext(new AsyncExitStack(), async (stack) => {
        for (const manager of [lacksEnterAndExit, lacksEnter, lacksExit]) {
          const error = await rejectionOf(stack.enterContext(manager as never))
          expect(error).toBeInstanceOf(TypeError)
          expect((error as Error).message).toMatch(/context manager/)
        }
      })
      // Nothing was entered, and nothing was pushed for the stack to exit.
      expect(calls).toEqual([])
    })

    it('test_close', async () => {
      const result: number[] = []
      await withContext(new AsyncExitStack(), async (stack) => {
        stack.defer(fn(() => void result.push(1)))
        await stack.disposeAsync()
        result.push(2)
      })
      expect(result).toEqual([1, 2])
    })

    it('test_pop_all', async () => {
      const result: number[] = []
      let newStack: AsyncExitStack | undefined
      await withContext(new AsyncExitStack(), (stack) => {
        stack.defer(fn(() => void result.push(3)))
        newStack = stack.move()
        result.push(1)
      })
      result.push(2)
      await newStack?.disposeAsync()
      expect(result).toEqual([1, 2, 3])
    })

    it('test_exit_raise', async () => {
      const error = new ZeroDivisionError()
      const caught = await rejectionOf(
        withContext(new AsyncExitStack(), (stack) => {
          stack.push(fn(() => false))
          throw error
        }),
      )
      expect(caught).toBe(error)
    })

    it('test_exit_suppress', async () => {
      const result = await withContext(new AsyncExitStack(), (stack) => {
        stack.push(fn(() => true))
        divideByZero()
      })
      expect(result).toBeUndefined()
    })

    it('test_exit_exception_traceback', async () => {
      // The frame list is Python's; the other half: the callback's ValueError keeps the
      // body's ZeroDivisionError (`__context__`), as a SuppressedError.
      const raiseExc = fn((exc: Error) => {
        throw exc
      })
      const body = new ZeroDivisionError()
      const value = new ValueError()
      const exc = await rejectionOf(
        withContext(new AsyncExitStack(), (stack) => {
          stack.defer(() => raiseExc(value))
          throw body
        }),
      )
      expect(exc).toBeInstanceOf(SuppressedError)
      expect((exc as SuppressedError).error).toBe(value)
      expect((exc as SuppressedError).suppressed).toBe(body)
    })

    it('test_exit_exception_chaining_reference', async () => {
      // Nested `with` statements, no stack: what asyncwith's own nesting does, for the stack
      // tests below to compare with.
      const raiseExc = (exc: Error) => ({
        enter: async () => undefined,
        exit: async () => {
          throw exc
        },
      })
      const raiseExcWithContext = (outer: Error, inner: Error) => ({
        enter: async () => undefined,
        exit: async () => {
          try {
            throw inner
          } catch {
            throw outer
          }
        },
      })
      let savedDetails: Failure | undefined
      const suppressExc = {
        enter: async () => undefined,
        exit: async (failure?: Failure) => {
          savedDetails = failure
          return true
        },
      }
      const [index, key, attribute, value, zero] = [
        new IndexError(),
        new KeyError(),
        new AttributeError(),
        new ValueError(),
        new ZeroDivisionError(),
      ]
      const exc = await rejectionOf(
        withContext(raiseExc(index), () =>
          withContext(raiseExcWithContext(key, attribute), () =>
            withContext(suppressExc, () =>
              withContext(raiseExc(value), () => {
                throw zero
              }),
            ),
          ),
        ),
      )
      expect(exc).toBe(index)
      // Python: exc.__context__ is KeyError, whose __context__ is AttributeError. An error an
      // exit throws replaces the one in flight, with no link (README, "Where asyncwith differs").
      expect((exc as Error).cause).toBeUndefined()
      expect(key.cause).toBeUndefined()
      // Check the inner exceptions
      expect(savedDetails?.error).toBe(value)
    })

    it('test_exit_exception_chaining', async () => {
      // Ensure exception chaining matches the reference behaviour
      const raiseExc = fn((exc: Error) => {
        throw exc
      })
      let savedDetails: Failure | undefined
      const suppressExc = fn((failure?: Failure) => {
        savedDetails = failure
        return true
      })
      const [index, key, attribute, value, zero] = [
        new IndexError(),
        new KeyError(),
        new AttributeError(),
        new ValueError(),
        new ZeroDivisionError(),
      ]
      const exc = await rejectionOf(
        withContext(new AsyncExitStack(), (stack) => {
          stack.defer(() => raiseExc(index))
          stack.defer(() => raiseExc(key))
          stack.defer(() => raiseExc(attribute))
          stack.push(suppressExc)
          stack.defer(() => raiseExc(value))
          throw zero
        }),
      )
      // IndexError, __context__ KeyError, __context__ AttributeError, __context__ None.
      expect(isSuppressedError(exc)).toBe(true)
      const outer = exc as SuppressedError
      expect(outer.error).toBe(index)
      expect(outer.suppressed).toBeInstanceOf(SuppressedError)
      const middle = outer.suppressed as SuppressedError
      expect(middle.error).toBe(key)
      // Inner exceptions were suppressed
      expect(middle.suppressed).toBe(attribute)
      // Check the inner exceptions: ValueError with __context__ ZeroDivisionError.
      const inner = savedDetails?.error as SuppressedError
      expect(inner).toBeInstanceOf(SuppressedError)
      expect(inner.error).toBe(value)
      expect(inner.suppressed).toBe(zero)
    })

    it('test_exit_exception_explicit_none_context', async () => {
      // Ensure ExitStack chaining matches actual nested `with` statements regarding explicit
      // __context__ = None: the manager's own error comes out alone, with no link.
      class MyException extends Error {}
      const myCm = cm(function* () {
        try {
          yield
        } catch {
          throw new MyException()
        }
      })
      const myCmWithExitStack = contextManager(async function* () {
        // `with self.exit_stack() as stack:` around a `yield`, desugared as `async with`
        // (withContext takes a callback, which cannot yield for the generator).
        const stack = await new AsyncExitStack().enter()
        try {
          await stack.enterContext(myCm())
          yield stack
        } catch (error) {
          if (await stack.exit({ error })) return
          throw error
        }
        await stack.exit()
      })
      for (const make of [myCm, myCmWithExitStack]) {
        const exc = await rejectionOf(
          withContext(make(), () => {
            throw new IndexError()
          }),
        )
        expect(exc).toBeInstanceOf(MyException)
        expect((exc as Error).cause).toBeUndefined()
      }
    })

    it('test_exit_exception_non_suppressing', async () => {
      // http://bugs.python.org/issue19092
      const raiseExc = fn((exc: Error) => {
        throw exc
      })
      const suppressExc = fn(() => true)
      const index = new IndexError()
      let exc = await rejectionOf(
        withContext(new AsyncExitStack(), (stack) => {
          stack.defer(fn(() => undefined))
          stack.defer(() => raiseExc(index))
        }),
      )
      expect(exc).toBe(index)

      const key = new KeyError()
      exc = await rejectionOf(
        withContext(new AsyncExitStack(), (stack) => {
          stack.defer(() => raiseExc(key))
          stack.push(suppressExc)
          stack.defer(() => raiseExc(new IndexError()))
        }),
      )
      expect(exc).toBe(key)
    })

    it('test_exit_exception_with_correct_context', async () => {
      // http://bugs.python.org/issue20317
      const getsTheContextRight = cm(function* (exc: Error) {
        try {
          yield
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: the test is a finally that raises
          throw exc
        }
      })
      const [exc1, exc2, exc3, exc4] = [1, 2, 3, 4].map((n) => new Error(String(n)))
      const exc = await rejectionOf(
        withContext(new AsyncExitStack(), async (stack) => {
          await stack.enterContext(getsTheContextRight(exc4!))
          await stack.enterContext(getsTheContextRight(exc3!))
          await stack.enterContext(getsTheContextRight(exc2!))
          throw exc1
        }),
      )
      expect(exc).toBe(exc4)
      // Python: exc4.__context__ is exc3, then exc2, then exc1. A generator's `finally` that
      // throws replaces the error, in JavaScript as in asyncwith's exit-style entries.
      expect((exc as Error).cause).toBeUndefined()
      expect(isSuppressedError(exc)).toBe(false)
    })

    it('test_exit_exception_with_existing_context', async () => {
      // Addresses a lack of test coverage discovered after checking in a fix for issue 20317
      // that still contained debugging code.
      const raiseNested = fn((inner: Error, outer: Error) => {
        try {
          throw inner
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: the test is a finally that raises
          throw outer
        }
      })
      const [exc1, exc2, exc3, exc4, exc5] = [1, 2, 3, 4, 5].map((n) => new Error(String(n)))
      const exc = await rejectionOf(
        withContext(new AsyncExitStack(), (stack) => {
          stack.defer(() => raiseNested(exc4!, exc5!))
          stack.defer(() => raiseNested(exc2!, exc3!))
          throw exc1
        }),
      )
      // Python: exc5 → exc4 → exc3 → exc2 → exc1. JavaScript's own `finally` drops exc4 and
      // exc2 inside raise_nested; the stack keeps every error that reached it.
      expect(exc).toBeInstanceOf(SuppressedError)
      expect((exc as SuppressedError).error).toBe(exc5)
      const inner = (exc as SuppressedError).suppressed as SuppressedError
      expect(inner).toBeInstanceOf(SuppressedError)
      expect(inner.error).toBe(exc3)
      expect(inner.suppressed).toBe(exc1)
    })

    it('test_body_exception_suppress', async () => {
      const result = await withContext(new AsyncExitStack(), (stack) => {
        stack.push(fn(() => true))
        divideByZero()
      })
      expect(result).toBeUndefined()
    })

    it('test_exit_exception_chaining_suppress', async () => {
      const result = await withContext(new AsyncExitStack(), (stack) => {
        stack.push(fn(() => true))
        stack.push(fn(() => divideByZero()))
        stack.push(
          fn(() => {
            throw new KeyError('1')
          }),
        )
        return 'done'
      })
      // No error comes out: the exits' own errors were suppressed. The body had completed,
      // so its result stands (Python's with statement has no result to compare).
      expect(result).toBe('done')
    })

    it('test_excessive_nesting', async () => {
      // The original implementation would die with RecursionError here
      let calls = 0
      await withContext(new AsyncExitStack(), (stack) => {
        for (let i = 0; i < 10_000; i++) stack.defer(fn(() => void calls++))
      })
      expect(calls).toBe(10_000)
    })

    it('test_instance_bypass', async () => {
      // Python looks special methods up on the type, so instance attributes do not make a
      // context manager. JavaScript has no such split; non-function `enter`/`exit` do not.
      const example = { enter: {}, exit: {} }
      const stack = new AsyncExitStack()
      const error = await rejectionOf(stack.enterContext(example as never))
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(/context manager/)
      // Python's push() takes the object as a callback and fails only when it is called;
      // asyncwith checks at once (README, "Where asyncwith differs").
      expect(() => stack.push(example as never)).toThrow(TypeError)
    })

    it('test_dont_reraise_RuntimeError', async () => {
      // https://bugs.python.org/issue27122
      class UniqueException extends Error {}
      class UniqueRuntimeError extends RuntimeError {}
      const second = cm(function* () {
        try {
          yield 1
        } catch (exc) {
          throw new UniqueException('new exception', { cause: exc })
        }
      })
      const first = cm(function* () {
        try {
          yield 1
        } catch (exc) {
          // biome-ignore lint/complexity/noUselessCatch: the test is a manager that re-raises
          throw exc
        }
      })
      // The UniqueRuntimeError should be caught by second()'s exception handler which chain
      // raised a new UniqueException.
      const exc = await rejectionOf(
        withContext(new AsyncExitStack(), async (stack) => {
          await stack.enterContext(second())
          await stack.enterContext(first())
          throw new UniqueRuntimeError('please no infinite loop.')
        }),
      )
      expect(exc).toBeInstanceOf(UniqueException)
      const cause = (exc as Error).cause as Error
      expect(cause).toBeInstanceOf(UniqueRuntimeError)
      expect(cause.cause).toBeUndefined()
      expect(isSuppressedError(exc)).toBe(false)
    })
  })
}
