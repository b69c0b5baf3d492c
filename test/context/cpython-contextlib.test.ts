/**
 * CPython's Lib/test/test_contextlib.py (3.13), the parts that apply to asyncwith/context,
 * test by test: contextmanager-style generators (`contextManager(function* …)`, which takes
 * plain generators too), ExitStack as `AsyncExitStack`, `suppress`, `closing`, `nullcontext`.
 * asyncwith has one, asynchronous, protocol, so `with cm as x: body` → `withContext(cm, (x) => body)`
 * and `__enter__`/`__exit__` → `enter`/`exit`. Python's RuntimeError for a misbehaving
 * generator → `TypeError`; exception groups → `AggregateError`; other mappings as in
 * cpython-contextlib-async.test.ts and test/_helpers/cpython-contextlib.ts.
 *
 * Not translated:
 * - Docstrings: every test_instance_docs, test_contextmanager_doc_attrib,
 *   test_instance_docstring_given_cm_docstring. `__slots__`: TestAbstractContextManager.test_slots.
 * - TestAbstractContextManager.test_enter: a default `__enter__` inherited from the ABC;
 *   `AsyncContextManager` is an interface (README, "Where asyncwith differs").
 * - test_nokeepref: weakrefs and the garbage collector. test_param_errors: Python binds a
 *   generator's arguments when it is called; JavaScript does not check arity.
 * - test_contextmanager_except_pep479 and the StopIteration half of
 *   test_contextmanager_do_not_unchain_non_stopiteration_exceptions: Python's generator
 *   machinery turns a StopIteration leaving a generator into RuntimeError and contextlib
 *   unwraps it; JavaScript generators wrap nothing (test_contextmanager_except_stopiter covers
 *   the identity of a StopIteration-named error).
 * - TestContextDecorator's decorator tests (test_decorator, test_decorator_with_exception,
 *   test_decorating_method, test_contextdecorator_as_mixin, test_contextmanager_as_decorator):
 *   JavaScript has no function decorators and asyncwith no ContextDecorator (README); the async
 *   file translates the decorator form of @asynccontextmanager as withContext per call.
 *   test_contextdecorator, test_contextdecorator_with_exception, test_typo_enter and
 *   test_typo_exit are translated: they use the manager in a with statement.
 * - FileContextTestCase (open()), LockContextTestCase (threading), TestRedirectStdout/Stderr
 *   (sys.stdout), TestChdir (os.chdir): other libraries' managers, not contextlib's own API.
 */
import {
  closing,
  contextManager,
  type Failure,
  nullContext,
  suppress,
  withContext,
} from 'asyncwith/context'
import { describe, expect, it } from 'vitest'
import { rejectionOf } from '../_helpers/context-log.js'
import {
  describeBaseExitStack,
  divideByZero,
  IndexError,
  KeyError,
  LookupError,
  NameError,
  plain,
  RuntimeError,
  StopIteration,
  ValueError,
  ZeroDivisionError,
} from '../_helpers/cpython-contextlib.js'

/** Python's `len(5)`: a TypeError. */
function len(value: unknown): number {
  if (typeof value !== 'string' && !Array.isArray(value)) {
    throw new TypeError(`object of type '${typeof value}' has no len()`)
  }
  return value.length
}

/** Python's `'Hello'[50]`: an IndexError. */
function at(text: string, index: number): string {
  const char = text[index]
  if (char === undefined) throw new IndexError('string index out of range')
  return char
}

describe('CPython test_contextlib.py', () => {
  describe('TestAbstractContextManager', () => {
    it('test_exit_is_abstract', async () => {
      // @ts-expect-error: exit is missing
      const missingExit: import('asyncwith/context').AsyncContextManager<void> = {
        enter: async () => undefined,
      }
      expect(await rejectionOf(withContext(missingExit, () => {}))).toBeInstanceOf(TypeError)
    })

    it('test_structural_subclassing', async () => {
      class ManagerFromScratch {
        async enter() {
          return this
        }
        async exit(_failure?: Failure) {
          return undefined
        }
      }
      const manager = new ManagerFromScratch()
      expect(await withContext(manager, (value) => value)).toBe(manager)
      const noEnter = Object.assign(new ManagerFromScratch(), { enter: null })
      expect(await rejectionOf(withContext(noEnter as never, () => {}))).toBeInstanceOf(TypeError)
      const noExit = Object.assign(new ManagerFromScratch(), { exit: null })
      expect(await rejectionOf(withContext(noExit as never, () => {}))).toBeInstanceOf(TypeError)
    })
  })

  describe('ContextManagerTestCase', () => {
    it('test_contextmanager_plain', async () => {
      const state: number[] = []
      const woohoo = contextManager(function* () {
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
      const woohoo = contextManager(function* () {
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
      // The very error comes out, its stack as the body made it (see the async file).
      const f = contextManager(function* () {
        yield
      })
      class RuntimeErrorSubclass extends RuntimeError {}
      class StopIterationSubclass extends StopIteration {}
      for (const exc of [
        new ZeroDivisionError(),
        new RuntimeErrorSubclass('42'),
        new StopIteration('spam'),
        new StopIterationSubclass('spam'),
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
      const whee = contextManager(function* () {
        yield
      })
      const ctx = whee()
      await ctx.enter()
      // Calling exit should not result in an exception
      expect(await ctx.exit({ error: new TypeError('foo') })).toBe(false)
    })

    it('test_contextmanager_trap_yield_after_throw', async () => {
      let closed = false
      const whoo = contextManager(function* () {
        try {
          try {
            yield
          } catch {
            yield
          }
        } finally {
          closed = true
        }
      })
      const ctx = whoo()
      await ctx.enter()
      expect(await rejectionOf(ctx.exit({ error: new TypeError('foo') }))).toBeInstanceOf(TypeError)
      expect(closed).toBe(true) // gi_suspended is false
    })

    it('test_contextmanager_trap_no_yield', async () => {
      const whoo = contextManager(function* () {
        if (Math.random() > 2) yield
      })
      expect(await rejectionOf(whoo().enter())).toBeInstanceOf(TypeError)
    })

    it('test_contextmanager_trap_second_yield', async () => {
      let closed = false
      const whoo = contextManager(function* () {
        try {
          yield
          yield
        } finally {
          closed = true
        }
      })
      const ctx = whoo()
      await ctx.enter()
      expect(await rejectionOf(ctx.exit())).toBeInstanceOf(TypeError)
      expect(closed).toBe(true)
    })

    it('test_contextmanager_non_normalised', async () => {
      const whoo = contextManager(function* () {
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
      const state: number[] = []
      const stateInside: number[][] = []
      const woohoo = contextManager(function* () {
        state.push(1)
        try {
          yield 42
        } catch (e) {
          if (!(e instanceof ZeroDivisionError)) throw e
          state.push(Number(e.message))
          stateInside.push([...state])
        }
      })
      await withContext(woohoo(), (x) => {
        expect(state).toEqual([1])
        expect(x).toBe(42)
        state.push(x)
        throw new ZeroDivisionError('999')
      })
      expect(stateInside).toEqual([[1, 42, 999]])
      expect(state).toEqual([1, 42, 999])
    })

    it('test_contextmanager_except_stopiter', async () => {
      const woohoo = contextManager(function* () {
        yield
      })
      class StopIterationSubclass extends StopIteration {}
      for (const stopExc of [new StopIteration('spam'), new StopIterationSubclass('spam')]) {
        const caught = await rejectionOf(
          withContext(woohoo(), () => {
            throw stopExc
          }),
        )
        expect(caught, `${stopExc.name} was suppressed or replaced`).toBe(stopExc)
      }
    })

    it('test_contextmanager_do_not_unchain_non_stopiteration_exceptions', async () => {
      const testIssue29692 = contextManager(function* () {
        try {
          yield
        } catch (exc) {
          throw new RuntimeError('issue29692:Chained', { cause: exc })
        }
      })
      const ex = await rejectionOf(
        withContext(testIssue29692(), () => {
          throw new ZeroDivisionError()
        }),
      )
      expect((ex as Error).constructor).toBe(RuntimeError)
      expect((ex as Error).message).toBe('issue29692:Chained')
      expect((ex as Error).cause).toBeInstanceOf(ZeroDivisionError)
      // The StopIteration half: see the header.
    })

    it('test_contextmanager_wrap_runtimeerror', async () => {
      const woohoo = contextManager(function* () {
        try {
          yield
        } catch (exc) {
          throw new RuntimeError(`caught ${exc}`, { cause: exc })
        }
      })
      expect(await rejectionOf(withContext(woohoo(), () => divideByZero()))).toBeInstanceOf(
        RuntimeError,
      )
      // The StopIteration half: see the header.
    })

    it('test_contextmanager_attribs', () => {
      const baz = contextManager(
        Object.assign(
          function* baz(_spam: unknown) {
            yield
          },
          { foo: 'bar' },
        ),
      )
      expect(baz.name).toBe('baz')
      expect((baz as unknown as { foo: string }).foo).toBe('bar')
    })

    it('test_keywords', async () => {
      const woohoo = contextManager(function* (
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
      const balanced: boolean[] = []
      const woohoo = contextManager(function* () {
        ncols += 1
        const before = depth
        depth += 1
        yield
        depth -= 1
        balanced.push(depth === before)
      })
      // @woohoo() def recursive(): a fresh manager for every call.
      const recursive = (): Promise<void> =>
        withContext(woohoo(), async () => {
          if (depth < 10) await recursive()
        })
      await recursive()
      expect(ncols).toBe(10)
      expect(depth).toBe(0)
      expect(balanced).toEqual(Array(10).fill(true))
    })
  })

  describe('ClosingTestCase', () => {
    it('test_closing', async () => {
      const state: number[] = []
      const x = { close: () => void state.push(1) }
      expect(state).toEqual([])
      await withContext(closing(x), (y) => {
        expect(y).toBe(x)
      })
      expect(state).toEqual([1])
    })

    it('test_closing_error', async () => {
      const state: number[] = []
      const x = { close: () => void state.push(1) }
      expect(state).toEqual([])
      const error = await rejectionOf(
        withContext(closing(x), (y) => {
          expect(y).toBe(x)
          divideByZero()
        }),
      )
      expect(error).toBeInstanceOf(ZeroDivisionError)
      expect(state).toEqual([1])
    })
  })

  describe('NullcontextTestCase', () => {
    it('test_nullcontext', async () => {
      class C {}
      const c = new C()
      await withContext(nullContext(c), (cIn) => {
        expect(cIn).toBe(c)
      })
    })
  })

  describe('TestContextDecorator', () => {
    /** Example decoration-compatible context manager for testing (its with-statement half). */
    class MyContext {
      started = false
      exc: Failure | undefined | null = null
      catch = false
      async enter() {
        this.started = true
        return this
      }
      async exit(failure?: Failure) {
        this.exc = failure
        return this.catch
      }
    }

    it('test_contextdecorator', async () => {
      const context = new MyContext()
      await withContext(context, (result) => {
        expect(result).toBe(context)
        expect(context.started).toBe(true)
      })
      expect(context.exc).toBeUndefined() // (None, None, None)
    })

    it('test_contextdecorator_with_exception', async () => {
      let context = new MyContext()
      const error = await rejectionOf(
        withContext(context, () => {
          throw new NameError('foo')
        }),
      )
      expect(error).toBeInstanceOf(NameError)
      expect((error as Error).message).toMatch(/foo/)
      expect(context.exc?.error).toBeInstanceOf(NameError)

      context = new MyContext()
      context.catch = true
      await withContext(context, () => {
        throw new NameError('foo')
      })
      expect(context.exc?.error).toBeInstanceOf(NameError)
    })

    it('test_typo_enter', async () => {
      const mycontext = { unter() {}, async exit() {} }
      const error = await rejectionOf(withContext(mycontext as never, () => {}))
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(/context manager/)
    })

    it('test_typo_exit', async () => {
      const mycontext = { async enter() {}, uxit() {} }
      const error = await rejectionOf(withContext(mycontext as never, () => {}))
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(/context manager.*exit/)
    })
  })

  describe('TestExitStack', () => {
    describeBaseExitStack(plain)
  })

  describe('TestSuppress', () => {
    it('test_no_result_from_enter', async () => {
      await withContext(suppress(ValueError), (enterResult) => {
        expect(enterResult).toBeUndefined()
      })
    })

    it('test_no_exception', async () => {
      expect(await withContext(suppress(ValueError), () => 2 ** 5)).toBe(32)
    })

    it('test_exact_exception', async () => {
      expect(await withContext(suppress(TypeError), () => len(5))).toBeUndefined()
    })

    it('test_exception_hierarchy', async () => {
      expect(await withContext(suppress(LookupError), () => at('Hello', 50))).toBeUndefined()
    })

    it('test_other_exception', async () => {
      const error = await rejectionOf(withContext(suppress(TypeError), () => divideByZero()))
      expect(error).toBeInstanceOf(ZeroDivisionError)
    })

    it('test_no_args', async () => {
      const error = await rejectionOf(withContext(suppress(), () => divideByZero()))
      expect(error).toBeInstanceOf(ZeroDivisionError)
    })

    it('test_multiple_exception_args', async () => {
      await withContext(suppress(ZeroDivisionError, TypeError), () => divideByZero())
      await withContext(suppress(ZeroDivisionError, TypeError), () => len(5))
    })

    it('test_cm_is_reentrant', async () => {
      const ignoreExceptions = suppress(Error)
      let outerContinued = false
      await withContext(ignoreExceptions, () => {})
      await withContext(ignoreExceptions, () => len(5))
      const result = await withContext(ignoreExceptions, async () => {
        await withContext(ignoreExceptions, () => len(5)) // Check nested usage
        outerContinued = true
        divideByZero()
      })
      expect(result).toBeUndefined()
      expect(outerContinued).toBe(true)
    })

    it('test_exception_groups', async () => {
      const egVe = () =>
        new AggregateError(
          [new ValueError('ve1'), new ValueError('ve2'), new ValueError('ve3')],
          'EG with ValueErrors only',
        )
      const egAll = () =>
        new AggregateError(
          [new ValueError('ve1'), new KeyError('ke1'), new ValueError('ve2'), new KeyError('ke2')],
          'EG with many types of exceptions',
        )
      await withContext(suppress(ValueError), () => {
        throw egVe()
      })
      await withContext(suppress(ValueError, KeyError), () => {
        throw egAll()
      })
      const eg1 = await rejectionOf(
        withContext(suppress(ValueError), () => {
          throw egAll()
        }),
      )
      // assertExceptionIsLike: same class and message, leaves alike in order.
      expect(eg1).toBeInstanceOf(AggregateError)
      expect((eg1 as AggregateError).message).toBe('EG with many types of exceptions')
      const leaves = (eg1 as AggregateError).errors as Error[]
      expect(leaves.map((e) => [e.constructor, e.message])).toEqual([
        [KeyError, 'ke1'],
        [KeyError, 'ke2'],
      ])
      // BaseExceptionGroup and GeneratorExit have no JavaScript counterpart: one group class.
    })
  })
})
