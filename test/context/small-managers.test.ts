import { aclosing, closing, nullContext, withContext } from 'asyncwith/context'
import { describe, expect, it } from 'vitest'
import { type CallLog, rejectionOf } from '../_helpers/context-log.js'
import { tracked } from '../_helpers/tracked.js'

describe('nullContext()', () => {
  it('enters with the value it was given', async () => {
    const value = { id: 1 }
    expect(await withContext(nullContext(value), (v) => v)).toBe(value)
  })

  it('enters with undefined when given nothing', async () => {
    expect(await withContext(nullContext(), (v) => v)).toBeUndefined()
  })

  it('suppresses nothing: the body error propagates with its identity', async () => {
    const error = new Error('body')
    expect(await rejectionOf(withContext(nullContext(1), () => Promise.reject(error)))).toBe(error)
  })

  it('resolves exit to false', async () => {
    const manager = nullContext(1)
    expect(await manager.exit({ error: new Error('x') })).toBe(false)
    expect(await manager.exit()).toBe(false)
  })

  it('is reusable, even nested in itself', async () => {
    const manager = nullContext('again')
    const result = await withContext(manager, (outer) =>
      withContext(manager, (inner) => `${outer} ${inner}`),
    )
    expect(result).toBe('again again')
    expect(await withContext(manager, (v) => v)).toBe('again')
  })
})

describe('closing()', () => {
  function closable(log: CallLog, error?: unknown) {
    return {
      query: () => 'row',
      close() {
        log.push('close')
        if (error !== undefined) throw error
      },
    }
  }

  it('enters with the object itself', async () => {
    const thing = closable([])
    expect(await withContext(closing(thing), (t) => t)).toBe(thing)
  })

  it('calls close once after the body completes', async () => {
    const log: CallLog = []
    await withContext(closing(closable(log)), (t) => log.push(t.query()))
    expect(log).toEqual(['row', 'close'])
  })

  it('calls close once when the body fails and rethrows the body error', async () => {
    const log: CallLog = []
    const error = new Error('body')
    const reason = await rejectionOf(
      withContext(closing(closable(log)), () => {
        throw error
      }),
    )
    expect(reason).toBe(error)
    expect(log).toEqual(['close'])
  })

  it('replaces the body error with the close error, as finally does', async () => {
    const closeError = new Error('close')
    const reason = await rejectionOf(
      withContext(closing(closable([], closeError)), () => {
        throw new Error('body')
      }),
    )
    expect(reason).toBe(closeError)
  })

  it('rejects with the close error when the body completed', async () => {
    const closeError = new Error('close')
    expect(await rejectionOf(withContext(closing(closable([], closeError)), () => 1))).toBe(
      closeError,
    )
  })

  it('awaits an asynchronous close before resolving', async () => {
    const log: CallLog = []
    const thing = {
      async close() {
        await new Promise((resolve) => setTimeout(resolve, 1))
        log.push('closed')
      },
    }
    await withContext(closing(thing), () => {})
    log.push('after')
    expect(log).toEqual(['closed', 'after'])
  })

  it('calls close with the object as this', async () => {
    let seen: unknown
    const thing = {
      close() {
        seen = this
      },
    }
    await withContext(closing(thing), () => {})
    expect(seen).toBe(thing)
  })

  it.each([
    ['null', null],
    ['an object without close', {}],
    ['an object whose close is not a function', { close: 1 }],
  ])('throws TypeError for %s', (_label, thing) => {
    expect(() => closing(thing as never)).toThrow(TypeError)
  })
})

describe('aclosing()', () => {
  it('enters with the iterator itself', async () => {
    const iterator = tracked([1, 2])
    expect(await withContext(aclosing(iterator), (it) => it)).toBe(iterator)
  })

  it('calls return() once, running the finally of a generator stopped early', async () => {
    const iterator = tracked([1, 2, 3])
    await withContext(aclosing(iterator), async (it) => {
      expect((await it.next()).value).toBe(1)
    })
    expect(iterator.counts.returns).toBe(1)
    expect(iterator.counts.finallies).toBe(1)
  })

  it('calls return() and runs the finally when the body fails, rethrowing the body error', async () => {
    const iterator = tracked([1, 2, 3])
    const error = new Error('body')
    const reason = await rejectionOf(
      withContext(aclosing(iterator), async (it) => {
        await it.next()
        throw error
      }),
    )
    expect(reason).toBe(error)
    expect(iterator.counts.returns).toBe(1)
    expect(iterator.counts.finallies).toBe(1)
  })

  it('completes a never-started generator without running its finally, as return() does', async () => {
    const iterator = tracked([1, 2, 3])
    await withContext(aclosing(iterator), () => {})
    expect(iterator.counts.returns).toBe(1)
    // The generator body never began, so there was no try block to leave.
    expect(iterator.counts.finallies).toBe(0)
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
  })

  it('leaves an iterator without return() alone', async () => {
    const iterator = { next: async () => ({ value: 1, done: false }) }
    expect(await withContext(aclosing(iterator), (it) => it)).toBe(iterator)
  })

  it('works with a sync iterator', async () => {
    const log: CallLog = []
    function* numbers() {
      try {
        yield 1
        yield 2
      } finally {
        log.push('finally')
      }
    }
    await withContext(aclosing(numbers()), (it) => {
      it.next()
    })
    expect(log).toEqual(['finally'])
  })

  it('replaces the body error with an error thrown by return()', async () => {
    const returnError = new Error('return')
    async function* failsOnClose() {
      try {
        yield 1
      } finally {
        // biome-ignore lint/correctness/noUnsafeFinally: the point is a finally that throws
        throw returnError
      }
    }
    const reason = await rejectionOf(
      withContext(aclosing(failsOnClose()), async (it) => {
        await it.next()
        throw new Error('body')
      }),
    )
    expect(reason).toBe(returnError)
  })

  it('throws TypeError for a value that is not an object', () => {
    expect(() => aclosing(null as never)).toThrow(TypeError)
    expect(() => aclosing(1 as never)).toThrow(TypeError)
  })
})
