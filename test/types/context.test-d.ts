// Type tests for asyncwith/context, checked by `tsc --noEmit` (not run by vitest).
import {
  type AsyncContextManager,
  AsyncExitStack,
  aclosing,
  closing,
  contextManager,
  type EnteredContext,
  enter,
  type Failure,
  type GeneratorContextManager,
  nullContext,
  SuppressedError,
  suppress,
  withContext,
} from 'asyncwith/context'
import { describe, expectTypeOf, it } from 'vitest'

const db = { query: (): number => 1, close: (): void => {} }

describe('withContext()', () => {
  it('types the result without undefined when exit cannot suppress', () => {
    expectTypeOf(withContext(nullContext(1), (v) => v + 1)).toEqualTypeOf<Promise<number>>()
    expectTypeOf(withContext(closing(db), (d) => d.query())).toEqualTypeOf<Promise<number>>()

    const voidManager: AsyncContextManager<string, void> = {
      enter: async () => 's',
      exit: async () => {},
    }
    expectTypeOf(withContext(voidManager, (s) => s.length)).toEqualTypeOf<Promise<number>>()

    const falseManager: AsyncContextManager<string, false> = {
      enter: async () => 's',
      exit: async () => false,
    }
    expectTypeOf(withContext(falseManager, () => 'r')).toEqualTypeOf<Promise<string>>()

    const literal = { enter: async () => 1, exit: async () => {} }
    expectTypeOf(withContext(literal, (n) => n)).toEqualTypeOf<Promise<number>>()
  })

  it('types a generator manager as not suppressing, unless its factory is annotated', () => {
    const connection = contextManager(async function* (url: string) {
      try {
        yield { url, rows: [1, 2] }
      } finally {
        // cleanup only: never suppresses
      }
    })
    expectTypeOf(withContext(connection('db://local'), (c) => c.rows)).toEqualTypeOf<
      Promise<number[]>
    >()
    expectTypeOf(connection('x').exit()).toEqualTypeOf<Promise<false>>()

    const ignoring: () => GeneratorContextManager<string, boolean> = contextManager(
      async function* () {
        try {
          yield 'tx'
        } catch {}
      },
    )
    expectTypeOf(withContext(ignoring(), (v) => v.length)).toEqualTypeOf<
      Promise<number | undefined>
    >()
  })

  it('types the result with undefined when exit can suppress', () => {
    expectTypeOf(withContext(suppress(RangeError), () => 1)).toEqualTypeOf<
      Promise<number | undefined>
    >()
    expectTypeOf(withContext(new AsyncExitStack(), () => 'x')).toEqualTypeOf<
      Promise<string | undefined>
    >()

    const boolManager: AsyncContextManager<number, boolean> = {
      enter: async () => 1,
      exit: async () => true,
    }
    expectTypeOf(withContext(boolManager, (n) => n)).toEqualTypeOf<Promise<number | undefined>>()

    const literal = {
      enter: async () => 1,
      exit: async (failure?: Failure) => failure !== undefined,
    }
    expectTypeOf(withContext(literal, (n) => n)).toEqualTypeOf<Promise<number | undefined>>()

    const loose: AsyncContextManager<number> = { enter: async () => 1, exit: async () => {} }
    expectTypeOf(withContext(loose, (n) => n)).toEqualTypeOf<Promise<number | undefined>>()
  })

  it('unwraps a promise returned by the body', () => {
    expectTypeOf(withContext(nullContext('a'), async (s) => s.length)).toEqualTypeOf<
      Promise<number>
    >()
  })

  it('passes the entered value type to the body', () => {
    withContext(nullContext({ id: 1 }), (v) => {
      expectTypeOf(v).toEqualTypeOf<{ id: number }>()
    })
    withContext(new AsyncExitStack(), (stack) => {
      expectTypeOf(stack).toEqualTypeOf<AsyncExitStack>()
    })
    withContext(aclosing([1].values()), (it) => {
      expectTypeOf(it).toEqualTypeOf<ArrayIterator<number>>()
    })
  })

  it('passes a Disposable or AsyncDisposable itself as the value', () => {
    const file = { path: '/tmp/x', [Symbol.asyncDispose]: async () => {} }
    withContext(file, (f) => {
      expectTypeOf(f).toEqualTypeOf<typeof file>()
    })
    expectTypeOf(withContext(file, (f) => f.path)).toEqualTypeOf<Promise<string>>()

    const lock = { held: true, [Symbol.dispose]: () => {} }
    expectTypeOf(withContext(lock, (l) => l.held)).toEqualTypeOf<Promise<boolean>>()
  })

  it('rejects values that are not managers or disposables', () => {
    // @ts-expect-error: a number is no manager
    withContext(42, () => {})
    // @ts-expect-error: exit is missing
    withContext({ enter: async () => 1 }, () => {})
  })

  it('rejects a body that expects the wrong value type', () => {
    // @ts-expect-error: the value is a number, not a string
    withContext(nullContext(1), (s: string) => s)
  })
})

describe('enter()', () => {
  it('types the handle value as the entered value', async () => {
    const handle = await enter(nullContext(7))
    expectTypeOf(handle).toEqualTypeOf<EnteredContext<number>>()
    expectTypeOf(handle.value).toEqualTypeOf<number>()
    expectTypeOf(handle).toMatchTypeOf<AsyncDisposable>()

    const tag = contextManager(async function* (name: string) {
      yield { name }
    })
    expectTypeOf((await enter(tag('p'))).value).toEqualTypeOf<{ name: string }>()
  })

  it('types the handle value of a disposable as the object', async () => {
    const resource = { id: 1, [Symbol.asyncDispose]: async () => {} }
    expectTypeOf((await enter(resource)).value).toEqualTypeOf<typeof resource>()
  })
})

describe('contextManager()', () => {
  it('keeps the generator parameters in the factory', () => {
    const factory = contextManager(async function* (host: string, port: number) {
      yield `${host}:${port}`
    })
    expectTypeOf(factory).parameters.toEqualTypeOf<[host: string, port: number]>()
    expectTypeOf(factory).returns.toEqualTypeOf<GeneratorContextManager<string>>()
    factory('localhost', 80)
    // @ts-expect-error: port must be a number
    factory('localhost', '80')
    // @ts-expect-error: port is required
    factory('localhost')
    // @ts-expect-error: too many arguments
    factory('localhost', 80, true)
  })

  it('keeps optional and rest parameters', () => {
    const factory = contextManager(function* (first: number, ...rest: string[]) {
      yield [first, ...rest]
    })
    expectTypeOf(factory).parameters.toEqualTypeOf<[first: number, ...rest: string[]]>()
    factory(1, 'a', 'b')
    // @ts-expect-error: rest elements are strings
    factory(1, 2)
  })

  it('types the manager value as the yielded type', () => {
    const factory = contextManager(async function* () {
      yield 42 as const
    })
    expectTypeOf(factory().enter()).toEqualTypeOf<Promise<42>>()
  })
})

describe('AsyncExitStack', () => {
  it('types use, adopt, defer and enterContext results', async () => {
    const stack = new AsyncExitStack()
    const resource = { id: 1, [Symbol.asyncDispose]: async () => {} }
    expectTypeOf(stack.use(resource)).toEqualTypeOf<typeof resource>()
    expectTypeOf(stack.use(null)).toEqualTypeOf<null>()
    expectTypeOf(
      stack.adopt(5, (n) => {
        expectTypeOf(n).toEqualTypeOf<number>()
      }),
    ).toEqualTypeOf<number>()
    expectTypeOf(stack.defer(() => {})).toEqualTypeOf<void>()
    expectTypeOf(await stack.enterContext(nullContext('s'))).toEqualTypeOf<string>()
    expectTypeOf(await stack.enterContext(resource)).toEqualTypeOf<typeof resource>()
    expectTypeOf(stack.move()).toEqualTypeOf<AsyncExitStack>()
    expectTypeOf(stack.disposeAsync()).toEqualTypeOf<Promise<void>>()
    expectTypeOf(stack).toMatchTypeOf<AsyncDisposable>()
  })

  it('rejects non-disposables in use and non-callables in defer', () => {
    const stack = new AsyncExitStack()
    // @ts-expect-error: not disposable
    stack.use({ id: 1 })
    // @ts-expect-error: not a function
    stack.defer('later')
  })
})

describe('SuppressedError', () => {
  it('types error and suppressed', () => {
    const e = new SuppressedError(new Error('a'), 'b')
    expectTypeOf(e).toMatchTypeOf<Error>()
    expectTypeOf(e.error).toBeAny()
    expectTypeOf(e.suppressed).toBeAny()
  })
})

describe('SuppressedError as a type', () => {
  it('names the instance type as well as the constructor', () => {
    const error: SuppressedError = new SuppressedError(new Error('a'), new Error('b'))
    expectTypeOf(error).toHaveProperty('error')
    expectTypeOf(error).toHaveProperty('suppressed')
    expectTypeOf(error).toExtend<Error>()
  })
})
