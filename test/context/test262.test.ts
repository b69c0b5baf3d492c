/**
 * Runs TC39's own test262 files for `AsyncDisposableStack` and `SuppressedError` against
 * `AsyncExitStack` and this library's `SuppressedError` (the ponyfill on Node 20), in sloppy
 * and strict mode. The files are vendored unchanged in `test/context/test262/` (BSD licence,
 * commit in its README); the harness functions they call are written here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AsyncExitStack, SuppressedError } from 'asyncwith/context'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('./test262/', import.meta.url))

/**
 * Files left out, each for a reason that is about identity, not behaviour: the class is
 * named `AsyncExitStack`, the globals are never patched, and Node has no second realm here.
 */
const SKIPPED: Record<string, string> = {
  'AsyncDisposableStack/name.js': 'class identity: the class is named AsyncExitStack',
  'AsyncDisposableStack/prototype/Symbol.toStringTag.js':
    'class identity: the tag is "AsyncExitStack"',
  'AsyncDisposableStack/prop-desc.js': 'class identity: no global binding is created',
  'AsyncDisposableStack/proto-from-ctor-realm.js': 'cross-realm ($262.createRealm)',
  'SuppressedError/prop-desc.js': 'class identity: the global is never patched',
  'SuppressedError/proto-from-ctor-realm.js': 'cross-realm ($262.createRealm)',
}

/**
 * Only used as "another kind of stack" that the methods must reject; Node 20 has no
 * `DisposableStack`, so a plain class without the private state stands in for it.
 */
const DisposableStack =
  (globalThis as { DisposableStack?: new () => object }).DisposableStack ??
  class DisposableStack {
    disposed = false
  }

class Test262Error extends Error {
  override name = 'Test262Error'
}

function show(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  const keysA = Reflect.ownKeys(a)
  const keysB = Reflect.ownKeys(b)
  if (keysA.length !== keysB.length) return false
  return keysA.every((key) =>
    deepEqual((a as Record<PropertyKey, unknown>)[key], (b as Record<PropertyKey, unknown>)[key]),
  )
}

type ErrorClass = new (...args: never[]) => unknown

function makeAssert() {
  const assert = (condition: unknown, message = 'Expected true') => {
    if (condition !== true) throw new Test262Error(message)
  }
  assert.sameValue = (actual: unknown, expected: unknown, message = '') => {
    if (!Object.is(actual, expected)) {
      throw new Test262Error(`${message} Expected SameValue(${show(actual)}, ${show(expected)})`)
    }
  }
  assert.notSameValue = (actual: unknown, unexpected: unknown, message = '') => {
    if (Object.is(actual, unexpected)) {
      throw new Test262Error(`${message} Expected not SameValue(${show(actual)})`)
    }
  }
  const checkThrown = (error: unknown, Expected: ErrorClass, message: string) => {
    if (typeof error !== 'object' || error === null || error.constructor !== Expected) {
      throw new Test262Error(
        `${message} Expected a ${Expected.name}, got ${show((error as Error)?.constructor?.name ?? error)}: ${show(error)}`,
      )
    }
  }
  assert.throws = (Expected: ErrorClass, fn: () => unknown, message = '') => {
    try {
      fn()
    } catch (error) {
      checkThrown(error, Expected, message)
      return
    }
    throw new Test262Error(`${message} Expected a ${Expected.name} to be thrown`)
  }
  assert.throwsAsync = async (Expected: ErrorClass, fn: () => unknown, message = '') => {
    let result: unknown
    try {
      result = fn()
    } catch {
      throw new Test262Error(`${message} Expected a promise, but the function threw`)
    }
    if (!(result instanceof Promise)) throw new Test262Error(`${message} Expected a promise`)
    try {
      await result
    } catch (error) {
      checkThrown(error, Expected, message)
      return
    }
    throw new Test262Error(`${message} Expected the promise to reject with ${Expected.name}`)
  }
  assert.compareArray = (actual: unknown[], expected: unknown[], message = '') => {
    const same =
      actual.length === expected.length && actual.every((item, i) => Object.is(item, expected[i]))
    if (!same) {
      throw new Test262Error(
        `${message} Expected [${actual.map(show)}] to be [${expected.map(show)}]`,
      )
    }
  }
  assert.deepEqual = (actual: unknown, expected: unknown, message = '') => {
    if (!deepEqual(actual, expected)) throw new Test262Error(`${message} Expected deep equality`)
  }
  return assert
}

interface ExpectedDescriptor {
  value?: unknown
  writable?: boolean
  enumerable?: boolean
  configurable?: boolean
}

/**
 * Checks a property's attributes by behaviour (writing, enumerating, deleting) as test262's
 * `verifyProperty` does, but always puts the original property back: these files share one
 * realm with the library, so a deleted `AsyncExitStack.prototype.use` would break the rest.
 */
function verifyProperty(object: object, key: PropertyKey, expected: ExpectedDescriptor): void {
  const original = Object.getOwnPropertyDescriptor(object, key)
  if (original === undefined) throw new Test262Error(`Expected own property ${String(key)}`)
  const name = String(key)
  try {
    if ('value' in expected && !Object.is(original.value, expected.value)) {
      throw new Test262Error(
        `${name}: expected value ${show(expected.value)}, got ${show(original.value)}`,
      )
    }
    if ('enumerable' in expected) {
      const enumerable = Object.prototype.propertyIsEnumerable.call(object, key)
      if (enumerable !== expected.enumerable) throw new Test262Error(`${name}: enumerable`)
    }
    if ('writable' in expected) {
      const probe = Symbol('probe')
      let wrote = false
      try {
        ;(object as Record<PropertyKey, unknown>)[key] = probe
        wrote = (object as Record<PropertyKey, unknown>)[key] === probe
      } catch {
        wrote = false
      }
      if (wrote !== expected.writable) throw new Test262Error(`${name}: writable`)
    }
    if ('configurable' in expected) {
      let deleted = false
      try {
        deleted = delete (object as Record<PropertyKey, unknown>)[key]
        deleted = deleted && !Object.hasOwn(object, key)
      } catch {
        deleted = false
      }
      if (deleted !== expected.configurable) throw new Test262Error(`${name}: configurable`)
    }
  } finally {
    if (original.configurable) Object.defineProperty(object, key, original)
    else if (original.writable) (object as Record<PropertyKey, unknown>)[key] = original.value
  }
}

function isConstructor(value: unknown): boolean {
  if (typeof value !== 'function') return false
  try {
    Reflect.construct(String, [], value)
  } catch {
    return false
  }
  return true
}

/** Runs one vendored file; resolves once its `asyncTest` body (if any) has finished. */
async function runFile(
  source: string,
  strict: boolean,
  Stack: unknown = AsyncExitStack,
  ErrorClass: unknown = SuppressedError,
): Promise<void> {
  const pending: Promise<unknown>[] = []
  const asyncTest = (body: () => Promise<unknown>) => {
    pending.push(Promise.resolve().then(body))
  }
  const names = [
    'AsyncDisposableStack',
    'SuppressedError',
    'assert',
    'verifyProperty',
    'isConstructor',
    'asyncTest',
    'Test262Error',
    'DisposableStack',
  ]
  const run = new Function(...names, `${strict ? "'use strict';\n" : ''}${source}`)
  run.call(
    undefined,
    Stack,
    ErrorClass,
    makeAssert(),
    verifyProperty,
    isConstructor,
    asyncTest,
    Test262Error,
    DisposableStack,
  )
  await Promise.all(pending)
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? listFiles(path) : name.endsWith('.js') ? [path] : []
    })
    .sort()
}

const files = listFiles(root).map((path) => relative(root, path).split('\\').join('/'))

describe('the test262 harness', () => {
  // A harness whose checks cannot fail would make every file "pass": each probe below is a
  // file that a wrong implementation must fail.
  const read = (file: string) => readFileSync(join(root, file), 'utf8')

  it('fails explicit-await-skipped-when-empty.js for a stack that always awaits', async () => {
    class AlwaysAwaits extends AsyncExitStack {
      override async disposeAsync(): Promise<void> {
        await null
        return super.disposeAsync()
      }
    }
    const file = 'AsyncDisposableStack/prototype/disposeAsync/explicit-await-skipped-when-empty.js'
    await expect(runFile(read(file), false, AlwaysAwaits)).rejects.toThrow(Test262Error)
  })

  it('fails newtarget-prototype-is-not-object.js for a plain class', async () => {
    class Plain {}
    const file = 'AsyncDisposableStack/newtarget-prototype-is-not-object.js'
    await expect(runFile(read(file), true, Plain)).rejects.toThrow(Test262Error)
  })

  it('fails prototype/prop-desc.js for an error whose prototype is writable', async () => {
    function Loose(this: unknown) {}
    const file = 'SuppressedError/prototype/prop-desc.js'
    await expect(runFile(read(file), false, undefined, Loose)).rejects.toThrow(Test262Error)
  })
})

describe('test262 built-ins/AsyncDisposableStack and built-ins/SuppressedError', () => {
  it('has the vendored files (126, of which 6 are skipped for identity or realms)', () => {
    expect(files).toHaveLength(126)
    expect(Object.keys(SKIPPED).filter((file) => files.includes(file))).toHaveLength(6)
  })

  for (const file of files) {
    const skip = SKIPPED[file]
    const source = readFileSync(join(root, file), 'utf8')
    const asyncFlag = /flags:\s*\[[^\]]*\basync\b/.test(source)
    for (const strict of [false, true]) {
      const title = `${file} (${strict ? 'strict' : 'sloppy'})`
      if (skip !== undefined) {
        it.skip(`${title}: ${skip}`, () => {})
        continue
      }
      it(`passes ${title}`, async () => {
        await runFile(source, strict)
        if (asyncFlag) expect(source).toContain('asyncTest(')
      })
    }
  }
})

/**
 * How many promise jobs pass before `promise` settles: 0 when it settled synchronously, one
 * per `Await` of a settled value otherwise.
 */
async function turnsBeforeSettling(promise: Promise<unknown>): Promise<number> {
  let settled = false
  promise.then(
    () => {
      settled = true
    },
    () => {
      settled = true
    },
  )
  let turns = 0
  let chain = Promise.resolve()
  for (let i = 0; i < 10; i++) {
    chain = chain.then(() => {
      if (!settled) turns++
    })
  }
  await chain
  return turns
}

// Await points of the current spec text of DisposeResources (needsAwait/hasAwaited): every
// disposal call that returns is awaited once, a `null`/`undefined` entry asks for one await at
// the end unless something was awaited, and a method that throws synchronously is not awaited.
describe('AsyncExitStack.disposeAsync() awaits where DisposeResources does', () => {
  const sync = () => {}
  const cases: [string, (stack: AsyncExitStack) => void, number][] = [
    ['nothing to dispose', () => {}, 0],
    ['use(null)', (stack) => stack.use(null), 1],
    [
      'use(undefined) twice',
      (stack) => {
        stack.use(undefined)
        stack.use(undefined)
      },
      1,
    ],
    ['a sync defer', (stack) => stack.defer(sync), 1],
    ['a sync adopt', (stack) => stack.adopt(1, sync), 1],
    ['an async defer', (stack) => stack.defer(async () => {}), 1],
    [
      'a Disposable whose Symbol.dispose is sync',
      (stack) => stack.use({ [Symbol.dispose]: sync }),
      1,
    ],
    [
      'use(null) below a sync defer',
      (stack) => {
        stack.use(null)
        stack.defer(sync)
      },
      1,
    ],
    [
      'use(null) above a sync defer',
      (stack) => {
        stack.defer(sync)
        stack.use(null)
      },
      1,
    ],
    [
      'two sync defers',
      (stack) => {
        stack.defer(sync)
        stack.defer(sync)
      },
      2,
    ],
  ]
  for (const [what, fill, turns] of cases) {
    it(`takes ${turns} turn(s) for ${what}`, async () => {
      const stack = new AsyncExitStack()
      fill(stack)
      await expect(turnsBeforeSettling(stack.disposeAsync())).resolves.toBe(turns)
    })
  }

  it('does not await a defer callback that throws synchronously', async () => {
    const stack = new AsyncExitStack()
    const boom = new Error('boom')
    stack.defer(() => {
      throw boom
    })
    const disposal = stack.disposeAsync()
    await expect(turnsBeforeSettling(disposal)).resolves.toBe(0)
    await expect(disposal).rejects.toBe(boom)
  })

  it('awaits a sync Symbol.dispose that throws, as the spec wrapper rejects', async () => {
    const stack = new AsyncExitStack()
    const boom = new Error('boom')
    stack.use({
      [Symbol.dispose]() {
        throw boom
      },
    })
    const disposal = stack.disposeAsync()
    await expect(turnsBeforeSettling(disposal)).resolves.toBe(1)
    await expect(disposal).rejects.toBe(boom)
  })
})
