/**
 * CPython's Lib/test/test_contextlib_async.py, test by test (3.12 and 3.13; where 3.14 rewrote
 * a test, both versions are checked), against asyncwith/context.
 *
 * Mapping: `async with cm as x: body` → `withContext(cm, (x) => body)`, or, around a `yield`
 * in an async generator, `await using h = await enter(cm)`; `@asynccontextmanager` →
 * `contextManager(async function* …)`; `__aenter__()`/`__aexit__(t, v, tb)` →
 * `enter()`/`exit({ error: v })` (`exit()` for no error); an `__aexit__` returning True →
 * `exit` resolving `true`; Python's RuntimeError for a misbehaving generator → `TypeError`
 * (README, contextManager); exception classes → Error classes of the same names
 * (test/_helpers/cpython-contextlib.ts); `raise X from e` → `new X(…, { cause: e })`;
 * `aclosing` calls `aclose()` → asyncwith's calls `return()`, the JavaScript iterator's close;
 * `AsyncExitStack.push_async_callback(f, *args)` → `defer(() => f(...args))`,
 * `push_async_exit` → `push`, `enter_async_context` → `enterContext`, `aclose` → `disposeAsync`.
 * A decorated function (`@cm()` on an async def) → the function's body inside
 * `withContext(factory(), …)`, a fresh manager per call, which is what the decorator does.
 *
 * Not translated:
 * - test_slots: `__slots__`; test_contextmanager_doc_attrib, test_instance_docstring_given_cm_docstring,
 *   AclosingTestCase.test_instance_docs: docstrings.
 * - TestAbstractAsyncContextManager.test_enter: a default `__aenter__` inherited from the ABC;
 *   `AsyncContextManager` is an interface, with nothing to inherit (README, "Where asyncwith differs").
 * - test_contextmanager_wrap_runtimeerror, second half: Python's generator machinery turns a
 *   StopAsyncIteration leaving a generator into RuntimeError, so contextlib unwraps it again.
 *   JavaScript generators wrap nothing, so there is nothing to unwrap (the first half is translated).
 * - `_exit_callbacks` identity checks and `__wrapped__`/`__name__` of the callback wrappers:
 *   CPython internals.
 */
import {
  type AsyncContextManager,
  AsyncExitStack,
  aclosing,
  contextManager,
  enter,
  type Failure,
  isSuppressedError,
  nullContext,
  SuppressedError,
  withContext,
} from 'asyncwith/context'
import { describe, expect, it } from 'vitest'
import { rejectionOf } from '../_helpers/context-log.js'
import {
  AttributeError,
  asynchronous,
  describeBaseExitStack,
  divideByZero,
  IndexError,
  KeyError,
  NameError,
  RuntimeError,
  StopAsyncIteration,
  StopIteration,
  ValueError,
  ZeroDivisionError,
} from '../_helpers/cpython-contextlib.js'

describe('CPython test_contextlib_async.py', () => {
  describe('TestAbstractAsyncContextManager', () => {
    it('test_async_gen_propagates_generator_exit', async () => {
      // A regression test for https://bugs.python.org/issue33786: leaving an async generator
      // early while it is inside a generator manager.
      let cleanups = 0
      const errorsSeen: unknown[] = []
      const ctx = contextManager(async function* () {
        try {
          yield
        } catch (error) {
          errorsSeen.push(error)
          throw error
        } finally {
          cleanups++
        }
      })
      async function* gen() {
        await using _ctx = await enter(ctx())
        yield 11
      }

      // 3.12: an error leaves the loop over gen() inside another ctx().
      const ret: number[] = []
      const exc = new ValueError('22')
      const caught = await rejectionOf(
        withContext(ctx(), async () => {
          for await (const val of gen()) {
            ret.push(val)
            throw exc
          }
        }),
      )
      expect(caught).toBe(exc)
      expect(ret).toEqual([11])
      expect(cleanups).toBe(2)
      // The outer ctx saw the error. The one inside gen() was left by return(), which
      // disposal cannot tell from success: no GeneratorExit (README, "Where asyncwith differs").
      expect(errorsSeen).toEqual([exc])

      // 3.14: break, then aclose() (return()) the generator again.
      const g = gen()
      for await (const val of g) {
        expect(val).toBe(11)
        break
      }
      await g.return(undefined)
      expect(cleanups).toBe(3)
      expect(errorsSeen).toEqual([exc])
    })

    it('test_exit_is_abstract', async () => {
      // A manager without exit is a type error at compile time, and withContext refuses it.
      // @ts-expect-error: exit is missing
      const missingAexit: AsyncContextManager<void> = { enter: async () => undefined }
      const error = await rejectionOf(withContext(missingAexit, () => {}))
      expect(error).toBeInstanceOf(TypeError)
    })

    it('test_structural_subclassing', async () => {
      // issubclass() is by shape: enter and exit functions make a manager, whatever its class.
      class ManagerFromScratch {
        async enter() {
          return this
        }
        async exit(_failure?: Failure) {
          return undefined
        }
      }
      const fromScratch = new ManagerFromScratch()
      expect(await withContext(fromScratch, (value) => value)).toBe(fromScratch)

      class NoneAenter extends ManagerFromScratch {}
      const noneAenter = Object.assign(new NoneAenter(), { enter: null })
      expect(await rejectionOf(withContext(noneAenter as never, () => {}))).toBeInstanceOf(
        TypeError,
      )

      class NoneAexit extends ManagerFromScratch {}
      const noneAexit = Object.assign(new NoneAexit(), { exit: null })
      expect(await rejectionOf(withContext(noneAexit as never, () => {}))).toBeInstanceOf(TypeError)
    })
  })

  describe('AsyncContextManagerTestCase', () => {
    it('test_contextmanager_plain', async () => {
      const state: number[] = []
      const woohoo = contextManager(async function* () {
        state.push(1)
        yield 42
        state.push(999)
      })
      await withContext(woohoo(), (x) => {
        expect(state).toEqual([1])
        expect(x).toBe(42)
        state.push(x)
      })
      expect(state).toEqual([1, 42, 999])
    })

    it('test_contextmanager_finally', async () => {
      const state: number[] = []
      const woohoo = contextManager(async function* () {
        state.push(1)
        try {
          yield 42
        } finally {
          state.push(999)
        }
      })
      const error = await rejectionOf(
        withContext(woohoo(), (x) => {
          expect(state).toEqual([1])
          expect(x).toBe(42)
          state.push(x)
          throw new ZeroDivisionError()
        }),
      )
      expect(error).toBeInstanceOf(ZeroDivisionError)
      expect(state).toEqual([1, 42, 999])
    })

    it('test_contextmanager_traceback', async () => {
      // Python checks the traceback holds only the body's frame. A JavaScript error's stack is
      // fixed when it is made: the manager must pass the very error on, stack untouched.
      const f = contextManager(async function* () {
        yield
      })
      class RuntimeErrorSubclass extends RuntimeError {}
      class StopIterationSubclass extends StopIteration {}
      class StopAsyncIterationSubclass extends StopAsyncIteration {}
      for (const exc of [
        new ZeroDivisionError(),
        new RuntimeErrorSubclass('42'),
        new StopIteration('spam'),
        new StopAsyncIteration('ham'),
        new StopIterationSubclass('spam'),
        new StopAsyncIterationSubclass('spam'),
      ]) {
        const stack = exc.stack
        const caught = await rejectionOf(
          withContext(f(), () => {
            throw exc
          }),
        )
        expect(caught).toBe(exc)
        expect((caught as Error).stack).toBe(stack)
      }
    })

    it('test_contextmanager_no_reraise', async () => {
      const whee = contextManager(async function* () {
        yield
      })
      const ctx = whee()
      await ctx.enter()
      // Calling exit should not result in an exception
      expect(await ctx.exit({ error: new TypeError('foo') })).toBe(false)
    })

    it('test_contextmanager_trap_yield_after_throw', async () => {
      let closed = false
      const whoo = contextManager(async function* () {
        try {
          try {
            yield
          } catch {
            yield
          }
        } finally {
          closed = true // ag_suspended is false afterwards: the generator was closed
        }
      })
      const ctx = whoo()
      await ctx.enter()
      const error = await rejectionOf(ctx.exit({ error: new TypeError('foo') }))
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(/yielded again/)
      expect(closed).toBe(true)
    })

    it('test_contextmanager_trap_no_yield', async () => {
      const whoo = contextManager(async function* () {
        if (Math.random() > 2) yield
      })
      const ctx = whoo()
      const error = await rejectionOf(ctx.enter())
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(/without yielding/)
    })

    it('test_contextmanager_trap_second_yield', async () => {
      let closed = false
      const whoo = contextManager(async function* () {
        try {
          yield
          yield
        } finally {
          closed = true
        }
      })
      const ctx = whoo()
      await ctx.enter()
      const error = await rejectionOf(ctx.exit())
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(/yielded again/)
      expect(closed).toBe(true)
    })

    it('test_contextmanager_non_normalised', async () => {
      // `__aexit__(RuntimeError, None, None)`: Python makes the instance; here it is given.
      const whoo = contextManager(async function* () {
        try {
          yield
        } catch (error) {
          if (error instanceof RuntimeError) throw new SyntaxError()
          throw error
        }
      })
      const ctx = whoo()
      await ctx.enter()
      expect(await rejectionOf(ctx.exit({ error: new RuntimeError() }))).toBeInstanceOf(SyntaxError)
    })

    it('test_contextmanager_except', async () => {
      const state: unknown[] = []
      const stateInside: unknown[][] = []
      const woohoo = contextManager(async function* () {
        state.push(1)
        try {
          yield 42
        } catch (e) {
          if (!(e instanceof ZeroDivisionError)) throw e
          state.push(Number(e.message))
          stateInside.push([...state])
        }
      })
      const result = await withContext(woohoo(), (x) => {
        expect(state).toEqual([1])
        expect(x).toBe(42)
        state.push(x)
        throw new ZeroDivisionError('999')
      })
      expect(result).toBeUndefined()
      expect(stateInside).toEqual([[1, 42, 999]])
      expect(state).toEqual([1, 42, 999])
    })

    it('test_contextmanager_except_stopiter', async () => {
      const woohoo = contextManager(async function* () {
        yield
      })
      class StopIterationSubclass extends StopIteration {}
      class StopAsyncIterationSubclass extends StopAsyncIteration {}
      for (const stopExc of [
        new StopIteration('spam'),
        new StopAsyncIteration('ham'),
        new StopIterationSubclass('spam'),
        new StopAsyncIterationSubclass('spam'),
      ]) {
        const caught = await rejectionOf(
          withContext(woohoo(), () => {
            throw stopExc
          }),
        )
        expect(caught, `${stopExc.name} was suppressed or replaced`).toBe(stopExc)
      }
    })

    it('test_contextmanager_wrap_runtimeerror', async () => {
      const woohoo = contextManager(async function* () {
        try {
          yield
        } catch (exc) {
          throw new RuntimeError(`caught ${exc}`, { cause: exc })
        }
      })
      const error = await rejectionOf(withContext(woohoo(), () => divideByZero()))
      expect(error).toBeInstanceOf(RuntimeError)
      expect((error as Error).cause).toBeInstanceOf(ZeroDivisionError)
      // The StopAsyncIteration half: see the header.
    })

    it('test_contextmanager_attribs', () => {
      const baz = contextManager(
        Object.assign(
          async function* baz(_spam: unknown) {
            yield
          },
          { foo: 'bar' },
        ),
      )
      expect(baz.name).toBe('baz')
      expect((baz as unknown as { foo: string }).foo).toBe('bar')
    })

    it('test_keywords', async () => {
      // Ensure no arguments are inhibited: JavaScript has no keywords, so the names Python
      // worried about are plain parameters, passed through in order.
      const woohoo = contextManager(async function* (
        self: number,
        func: number,
        args: number,
        kwds: number,
      ) {
        yield [self, func, args, kwds]
      })
      expect(await withContext(woohoo(11, 22, 33, 44), (target) => target)).toEqual([
        11, 22, 33, 44,
      ])
    })

    it('test_recursive', async () => {
      let depth = 0
      let ncols = 0
      const depthsBefore: number[] = []
      const depthsAfter: number[] = []
      const woohoo = contextManager(async function* () {
        ncols += 1
        const before = depth
        depth += 1
        yield
        depth -= 1
        depthsBefore.push(before)
        depthsAfter.push(depth)
      })
      // @woohoo() async def recursive(): a fresh manager for every call.
      const recursive = (): Promise<void> =>
        withContext(woohoo(), async () => {
          if (depth < 10) await recursive()
        })
      await recursive()
      expect(ncols).toBe(10)
      expect(depth).toBe(0)
      expect(depthsAfter).toEqual(depthsBefore)
    })

    it('test_decorator', async () => {
      let entered = false
      const context = contextManager(async function* () {
        entered = true
        yield
        entered = false
      })
      let enteredInside: boolean | undefined
      const test = () =>
        withContext(context(), async () => {
          enteredInside = entered
        })
      expect(entered).toBe(false)
      await test()
      expect(enteredInside).toBe(true)
      expect(entered).toBe(false)
    })

    it('test_decorator_with_exception', async () => {
      let entered = false
      const context = contextManager(async function* () {
        try {
          entered = true
          yield
        } finally {
          entered = false
        }
      })
      let enteredInside: boolean | undefined
      const test = () =>
        withContext(context(), async () => {
          enteredInside = entered
          throw new NameError('foo')
        })
      expect(entered).toBe(false)
      const error = await rejectionOf(test())
      expect(error).toBeInstanceOf(NameError)
      expect((error as Error).message).toMatch(/foo/)
      expect(enteredInside).toBe(true)
      expect(entered).toBe(false)
    })

    it('test_decorating_method', async () => {
      const context = contextManager(async function* () {
        yield
      })
      class Test {
        a: unknown
        b: unknown
        c: unknown
        // these tests are for argument passing when used as a decorator
        method(a: unknown, b: unknown, c: unknown = undefined) {
          return withContext(context(), async () => {
            this.a = a
            this.b = b
            this.c = c
          })
        }
      }
      let test = new Test()
      await test.method(1, 2)
      expect([test.a, test.b, test.c]).toEqual([1, 2, undefined])
      test = new Test()
      await test.method('a', 'b', 'c')
      expect([test.a, test.b, test.c]).toEqual(['a', 'b', 'c'])
      // test.method(a=1, b=2): JavaScript has no keyword arguments.
    })
  })

  describe('AclosingTestCase', () => {
    it('test_aclosing', async () => {
      const state: number[] = []
      const x = {
        async return() {
          state.push(1)
          return { done: true as const, value: undefined }
        },
        async next() {
          return { done: true as const, value: undefined }
        },
      }
      expect(state).toEqual([])
      await withContext(aclosing(x), (y) => {
        expect(y).toBe(x)
      })
      expect(state).toEqual([1])
    })

    it('test_aclosing_error', async () => {
      const state: number[] = []
      const x = {
        async return() {
          state.push(1)
          return { done: true as const, value: undefined }
        },
        async next() {
          return { done: true as const, value: undefined }
        },
      }
      expect(state).toEqual([])
      const error = await rejectionOf(
        withContext(aclosing(x), (y) => {
          expect(y).toBe(x)
          divideByZero()
        }),
      )
      expect(error).toBeInstanceOf(ZeroDivisionError)
      expect(state).toEqual([1])
    })

    it('test_aclosing_bpo41229', async () => {
      // 3.13+: a synchronous resource held across the generator's yields is released when
      // aclosing closes the generator (3.12 wrote it with __del__ and the garbage collector).
      const state: number[] = []
      const syncResource = contextManager(function* () {
        try {
          yield
        } finally {
          state.push(1)
        }
      })
      async function* agenfunc() {
        await using _resource = await enter(syncResource())
        yield -1
        yield -2
      }
      const x = agenfunc()
      expect(state).toEqual([])
      const error = await rejectionOf(
        withContext(aclosing(x), async (y) => {
          expect(y).toBe(x)
          expect((await x.next()).value).toBe(-1)
          divideByZero()
        }),
      )
      expect(error).toBeInstanceOf(ZeroDivisionError)
      expect(state).toEqual([1])
    })
  })

  describe('TestAsyncExitStack', () => {
    // The _TestBaseExitStack tests TestAsyncExitStack inherits; with plain callbacks they run in
    // cpython-contextlib.test.ts (TestExitStack), here with async ones.
    describeBaseExitStack(asynchronous)

    it('test_async_callback', async () => {
      const expected: unknown[][] = [
        [],
        [1],
        [1, 2],
        [{ example: 1 }],
        [1, { example: 1 }],
        [1, 2, { example: 1 }],
      ]
      let result: unknown[][] = []
      const exit = async (...args: unknown[]) => {
        result.push(args)
      }
      await withContext(new AsyncExitStack(), (stack) => {
        for (const args of [...expected].reverse()) {
          // Python returns the callback; TC39's defer() returns undefined (README differences).
          expect(stack.defer(() => exit(...args))).toBeUndefined()
        }
      })
      expect(result).toEqual(expected)

      result = []
      await withContext(new AsyncExitStack(), (stack) => {
        expect(() => stack.defer(undefined as unknown as () => void)).toThrow(TypeError)
        expect(() =>
          Reflect.apply(AsyncExitStack.prototype.defer, undefined, [() => exit(2)]),
        ).toThrow(TypeError)
      })
      expect(result).toEqual([])
    })

    it('test_async_push', async () => {
      const seen: string[] = []
      let entered = 0
      const expectExc = async (failure?: Failure) => {
        seen.push(failure?.error instanceof ZeroDivisionError ? 'exc' : 'not exc')
      }
      const suppressExc = async () => true
      const expectOk = async (failure?: Failure) => {
        seen.push(failure === undefined ? 'ok' : 'not ok')
      }
      class ExitCM {
        constructor(readonly checkExc: (failure?: Failure) => Promise<void>) {}
        async enter() {
          entered++ // Should not be called!
        }
        async exit(failure?: Failure) {
          await this.checkExc(failure)
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

    it('test_enter_async_context', async () => {
      const result: number[] = []
      const cm = {
        async enter() {
          result.push(1)
        },
        async exit() {
          result.push(3)
        },
      }
      await withContext(new AsyncExitStack(), async (stack) => {
        stack.defer(async () => void result.push(4)) // Registered first => cleaned up last
        await stack.enterContext(cm)
        result.push(2)
      })
      expect(result).toEqual([1, 2, 3, 4])
    })

    it('test_enter_async_context_errors', async () => {
      const calls: string[] = []
      const lacksEnterAndExit = {}
      const lacksEnter = { exit: async () => void calls.push('exit') }
      const lacksExit = { enter: async () => void calls.push('enter') }
      await withContext(new AsyncExitStack(), async (stack) => {
        for (const manager of [lacksEnterAndExit, lacksEnter, lacksExit]) {
          const error = await rejectionOf(stack.enterContext(manager as never))
          expect(error).toBeInstanceOf(TypeError)
          expect((error as Error).message).toMatch(/asynchronous context manager/)
        }
      })
      expect(calls).toEqual([])
    })

    it('test_async_exit_exception_chaining', async () => {
      // Ensure exception chaining matches the reference behaviour
      const raiseExc = async (exc: Error) => {
        throw exc
      }
      let savedDetails: Failure | undefined
      const suppressExc = async (failure?: Failure) => {
        savedDetails = failure
        return true
      }
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
      // IndexError, __context__ KeyError, __context__ AttributeError, __context__ None: as
      // SuppressedError(error, suppressed) pairs.
      expect(isSuppressedError(exc)).toBe(true)
      const outer = exc as SuppressedError
      expect(outer.error).toBe(index)
      const middle = outer.suppressed as SuppressedError
      expect(middle).toBeInstanceOf(SuppressedError)
      expect(middle.error).toBe(key)
      // Inner exceptions were suppressed
      expect(middle.suppressed).toBe(attribute)
      // Check the inner exceptions
      const inner = savedDetails?.error as SuppressedError
      expect(inner).toBeInstanceOf(SuppressedError)
      expect(inner.error).toBe(value)
      expect(inner.suppressed).toBe(zero)
    })

    it('test_async_exit_exception_explicit_none_context', async () => {
      class MyException extends Error {}
      const myCm = contextManager(async function* () {
        try {
          yield
        } catch {
          throw new MyException()
        }
      })
      const myCmWithExitStack = contextManager(async function* () {
        // `async with self.exit_stack() as stack:` around a yield, desugared.
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
      for (const cm of [myCm, myCmWithExitStack]) {
        const exc = await rejectionOf(
          withContext(cm(), () => {
            throw new IndexError()
          }),
        )
        expect(exc).toBeInstanceOf(MyException)
        expect((exc as Error).cause).toBeUndefined()
      }
    })

    it('test_instance_bypass_async', async () => {
      const example = { enter: {}, exit: {} }
      const stack = new AsyncExitStack()
      const error = await rejectionOf(stack.enterContext(example as never))
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(/asynchronous context manager/)
      // Python's push_async_exit() keeps the object and fails when it is called; asyncwith's
      // push() checks at once (README, "Where asyncwith differs").
      expect(() => stack.push(example as never)).toThrow(TypeError)
    })
  })

  describe('TestAsyncNullcontext', () => {
    it('test_async_nullcontext', async () => {
      class C {}
      const c = new C()
      await withContext(nullContext(c), (cIn) => {
        expect(cIn).toBe(c)
      })
    })
  })
})
