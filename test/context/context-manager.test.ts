import { contextManager, withContext } from 'asyncwith/context'
import { describe, expect, it } from 'vitest'
import { type CallLog, rejectionOf } from '../_helpers/context-log.js'

/** A manager that logs setup, the error it saw, and teardown, and rethrows (Python's `finally`). */
function logged(log: CallLog) {
  return contextManager(async function* (name: string) {
    log.push(`setup ${name}`)
    try {
      yield name
    } catch (error) {
      log.push(`caught ${(error as Error).message}`)
      throw error
    } finally {
      log.push(`teardown ${name}`)
    }
  })
}

describe('contextManager()', () => {
  it('keeps the name, arity and own properties of the generator function, as functools.wraps does', () => {
    // CPython test_contextmanager_attribs
    const generator = Object.assign(
      async function* openTag(name: string, _depth: number) {
        yield name
      },
      { foo: 'bar' },
    )
    const openTag = contextManager(generator)
    expect(openTag.name).toBe('openTag')
    expect(openTag.length).toBe(2)
    expect((openTag as unknown as { foo: string }).foo).toBe('bar')
    const arrow = contextManager(async function* () {
      yield 1
    })
    expect(arrow.name).toBe('')
  })

  it('runs setup, then the body, then teardown', async () => {
    const log: CallLog = []
    await withContext(logged(log)('a'), () => {
      log.push('body')
    })
    expect(log).toEqual(['setup a', 'body', 'teardown a'])
  })

  it('gives the body the value the generator yielded', async () => {
    const value = { id: 1 }
    const manager = contextManager(async function* () {
      yield value
    })
    expect(await withContext(manager(), (v) => v)).toBe(value)
  })

  it('resolves withContext to what the body returned', async () => {
    const manager = contextManager(async function* () {
      yield 1
    })
    expect(await withContext(manager(), (v) => v + 1)).toBe(2)
  })

  it('throws the body error into the generator at the yield', async () => {
    const error = new Error('body')
    let caught: unknown
    const manager = contextManager(async function* () {
      try {
        yield
      } catch (e) {
        caught = e
        throw e
      }
    })
    await rejectionOf(
      withContext(manager(), () => {
        throw error
      }),
    )
    expect(caught).toBe(error)
  })

  it('runs the finally block when the body fails', async () => {
    const log: CallLog = []
    await rejectionOf(
      withContext(logged(log)('a'), () => {
        throw new Error('boom')
      }),
    )
    expect(log).toEqual(['setup a', 'caught boom', 'teardown a'])
  })

  it('suppresses the body error and resolves undefined when the generator catches without rethrowing', async () => {
    const manager = contextManager(async function* () {
      try {
        yield
      } catch {
        // swallowed: that is suppression
      }
    })
    const result = await withContext(manager(), (): string => {
      throw new Error('swallowed')
    })
    expect(result).toBeUndefined()
  })

  it('resolves exit to true when the generator swallowed the error', async () => {
    const manager = contextManager(async function* () {
      try {
        yield
      } catch {}
    })()
    await manager.enter()
    expect(await manager.exit({ error: new Error('x') })).toBe(true)
  })

  it('propagates the exact same error object when the generator rethrows it', async () => {
    const error = new Error('body')
    const reason = await rejectionOf(
      withContext(logged([])('a'), () => {
        throw error
      }),
    )
    expect(reason).toBe(error)
  })

  it('propagates the exact same error when the generator does not catch it', async () => {
    const error = new Error('body')
    const manager = contextManager(async function* () {
      yield
    })
    expect(await rejectionOf(withContext(manager(), () => Promise.reject(error)))).toBe(error)
  })

  it('resolves exit to false, without throwing, when the error passes through the generator', async () => {
    const manager = contextManager(async function* () {
      yield
    })()
    await manager.enter()
    expect(await manager.exit({ error: new TypeError('foo') })).toBe(false)
  })

  it('propagates throw undefined from the body through a generator that rethrows it', async () => {
    const manager = contextManager(async function* () {
      yield
    })
    const reason = await rejectionOf(
      withContext(manager(), () => {
        throw undefined
      }),
    )
    expect(reason).toBeUndefined()
  })

  it('replaces the body error when the generator throws a different one', async () => {
    const replacement = new SyntaxError('replacement')
    const manager = contextManager(async function* () {
      try {
        yield
      } catch {
        throw replacement
      }
    })
    const reason = await rejectionOf(
      withContext(manager(), () => {
        throw new RangeError('original')
      }),
    )
    expect(reason).toBe(replacement)
  })

  it('rejects with the teardown error when teardown throws after the body completed', async () => {
    const error = new Error('teardown')
    const manager = contextManager(async function* () {
      yield
      throw error
    })
    expect(await rejectionOf(withContext(manager(), () => 1))).toBe(error)
  })

  it('rejects enter with TypeError when the generator returns without yielding', async () => {
    let ran = false
    const manager = contextManager(async function* () {
      if (ran) yield
    })
    const reason = await rejectionOf(
      withContext(manager(), () => {
        ran = true
      }),
    )
    expect(reason).toBeInstanceOf(TypeError)
    expect(ran).toBe(false)
  })

  it('rejects exit with TypeError and closes the generator when it yields twice on normal exit', async () => {
    const log: CallLog = []
    const manager = contextManager(async function* () {
      try {
        yield 1
        yield 2
        log.push('after second yield')
      } finally {
        log.push('finally')
      }
    })
    const reason = await rejectionOf(withContext(manager(), () => 'body'))
    expect(reason).toBeInstanceOf(TypeError)
    expect(log).toEqual(['finally'])
  })

  it('rejects exit with TypeError and closes the generator when it yields again after a throw', async () => {
    const log: CallLog = []
    const manager = contextManager(async function* () {
      try {
        yield 1
      } catch {
        yield 2
        log.push('after second yield')
      } finally {
        log.push('finally')
      }
    })()
    await manager.enter()
    const reason = await rejectionOf(manager.exit({ error: new TypeError('foo') }))
    expect(reason).toBeInstanceOf(TypeError)
    expect(log).toEqual(['finally'])
  })

  it('rejects with TypeError when the same manager is entered twice', async () => {
    const manager = contextManager(async function* () {
      yield
    })()
    await withContext(manager, () => {})
    expect(await rejectionOf(withContext(manager, () => {}))).toBeInstanceOf(TypeError)
  })

  it('rejects a second enter with TypeError even while the first is still active', async () => {
    const manager = contextManager(async function* () {
      yield
    })()
    await manager.enter()
    expect(await rejectionOf(manager.enter())).toBeInstanceOf(TypeError)
  })

  it('makes a fresh manager, with a fresh generator, on every factory call', async () => {
    let started = 0
    const factory = contextManager(async function* () {
      started++
      yield started
    })
    const first = factory()
    const second = factory()
    expect(first).not.toBe(second)
    expect(await withContext(first, (v) => v)).toBe(1)
    expect(await withContext(second, (v) => v)).toBe(2)
  })

  it('does not start the generator until enter is called', () => {
    let started = false
    const factory = contextManager(async function* () {
      started = true
      yield
    })
    factory()
    expect(started).toBe(false)
  })

  it('passes the factory arguments through to the generator function', async () => {
    const factory = contextManager(async function* (a: number, b: string, ...rest: boolean[]) {
      yield [a, b, rest] as const
    })
    expect(await withContext(factory(1, 'two', true, false), (v) => v)).toEqual([
      1,
      'two',
      [true, false],
    ])
  })

  it('passes this through to the generator function', async () => {
    const factory = contextManager(async function* (this: { name: string }) {
      yield this.name
    })
    const holder = { name: 'holder', factory }
    expect(await withContext(holder.factory(), (v) => v)).toBe('holder')
  })

  it('works with a plain function* generator', async () => {
    const log: CallLog = []
    const factory = contextManager(function* (name: string) {
      log.push('setup')
      try {
        yield name
      } finally {
        log.push('teardown')
      }
    })
    expect(await withContext(factory('sync'), (v) => v)).toBe('sync')
    expect(log).toEqual(['setup', 'teardown'])
  })

  it('suppresses with a plain function* generator that catches without rethrowing', async () => {
    const factory = contextManager(function* () {
      try {
        yield
      } catch {}
    })
    expect(
      await withContext(factory(), () => {
        throw new Error('x')
      }),
    ).toBeUndefined()
  })

  it('propagates the enter error and never exits when setup throws', async () => {
    const log: CallLog = []
    const error = new Error('setup')
    const factory = contextManager(async function* () {
      try {
        throw error
        // biome-ignore lint/correctness/noUnreachable: the yield makes this a generator that never reaches it
        yield
      } finally {
        log.push('finally')
      }
    })
    const reason = await rejectionOf(withContext(factory(), () => log.push('body')))
    expect(reason).toBe(error)
    expect(log).toEqual(['finally'])
  })

  it('throws TypeError at once when given something that is not a function', () => {
    expect(() => contextManager(42 as never)).toThrow(TypeError)
  })

  it('throws TypeError from the factory when the function does not return a generator', () => {
    const factory = contextManager((() => 42) as never)
    expect(() => factory()).toThrow(TypeError)
  })

  it('awaits asynchronous setup and teardown in order', async () => {
    const log: CallLog = []
    const tick = () => new Promise((resolve) => setTimeout(resolve, 1))
    const factory = contextManager(async function* () {
      await tick()
      log.push('setup')
      try {
        yield
      } finally {
        await tick()
        log.push('teardown')
      }
    })
    await withContext(factory(), () => log.push('body'))
    log.push('after')
    expect(log).toEqual(['setup', 'body', 'teardown', 'after'])
  })
})
