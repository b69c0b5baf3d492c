import { isSuppressedError, SuppressedError, withContext } from 'asyncwith/context'
import { describe, expect, it } from 'vitest'
import { type CallLog, recordingManager, rejectionOf } from '../_helpers/context-log.js'

describe('withContext()', () => {
  it('runs enter, then the body, then exit, in that order', async () => {
    const log: CallLog = []
    await withContext(recordingManager(log, 'a'), () => {
      log.push('body')
    })
    expect(log).toEqual(['enter a', 'body', 'exit a'])
  })

  it('passes the value enter resolved to into the body', async () => {
    const log: CallLog = []
    const seen = await withContext(recordingManager(log, 'a', { value: { id: 7 } }), (v) => v)
    expect(seen).toEqual({ id: 7 })
  })

  it('resolves to what the body returned when it completes', async () => {
    const log: CallLog = []
    expect(await withContext(recordingManager(log, 'a'), async () => 'result')).toBe('result')
  })

  it('runs a synchronous body and resolves to its return value', async () => {
    const log: CallLog = []
    expect(await withContext(recordingManager(log, 'a'), () => 42)).toBe(42)
    expect(log).toEqual(['enter a', 'exit a'])
  })

  it('calls exit with undefined when the body completes', async () => {
    const manager = recordingManager([], 'a')
    await withContext(manager, () => 1)
    expect(manager.exits).toEqual([undefined])
  })

  it('calls exit with { error } holding the exact error the body threw', async () => {
    const manager = recordingManager([], 'a')
    const error = new Error('body')
    await rejectionOf(
      withContext(manager, () => {
        throw error
      }),
    )
    expect(manager.exits).toHaveLength(1)
    expect(manager.exits[0]?.error).toBe(error)
  })

  it('treats a synchronous throw from the body like a rejection', async () => {
    const manager = recordingManager([], 'a')
    const error = new RangeError('sync')
    const reason = await rejectionOf(
      withContext(manager, () => {
        throw error
      }),
    )
    expect(reason).toBe(error)
    expect(manager.exits[0]).toEqual({ error })
  })

  it('counts throw undefined as a failure: exit gets { error: undefined } and it rethrows', async () => {
    const manager = recordingManager([], 'a')
    const reason = await rejectionOf(
      withContext(manager, () => {
        throw undefined
      }),
    )
    expect(reason).toBeUndefined()
    expect(manager.exits).toHaveLength(1)
    expect(manager.exits[0]).toBeDefined()
    expect(manager.exits[0]).toHaveProperty('error', undefined)
  })

  it('counts throw null as a failure: exit gets { error: null } and it rethrows', async () => {
    const manager = recordingManager([], 'a')
    const reason = await rejectionOf(
      withContext(manager, async () => {
        throw null
      }),
    )
    expect(reason).toBeNull()
    expect(manager.exits).toEqual([{ error: null }])
  })

  it('rethrows the body error with its identity when exit returns false', async () => {
    const error = new Error('body')
    const reason = await rejectionOf(
      withContext(recordingManager([], 'a'), () => Promise.reject(error)),
    )
    expect(reason).toBe(error)
  })

  it('suppresses the body error and resolves undefined when exit returns true', async () => {
    const manager = recordingManager([], 'a', { exitResult: true })
    const result = await withContext(manager, (): string => {
      throw new Error('suppressed')
    })
    expect(result).toBeUndefined()
  })

  it('ignores an exit returning true when the body completed', async () => {
    const manager = recordingManager([], 'a', { exitResult: true })
    expect(await withContext(manager, () => 'kept')).toBe('kept')
  })

  it('suppresses when exit resolves to a truthy non-boolean, as Python tests truthiness', async () => {
    const manager = {
      enter: async () => 1,
      exit: async () => 1 as unknown as boolean,
    }
    expect(
      await withContext(manager, () => {
        throw new Error('x')
      }),
    ).toBeUndefined()
  })

  it('neither runs the body nor calls exit when enter fails, and rejects with that error', async () => {
    const log: CallLog = []
    const error = new Error('enter')
    const manager = recordingManager(log, 'a', { enterError: error })
    let ran = false
    const reason = await rejectionOf(
      withContext(manager, () => {
        ran = true
      }),
    )
    expect(reason).toBe(error)
    expect(ran).toBe(false)
    expect(log).toEqual(['enter a'])
  })

  it('rejects with the exit error instead of the body error when exit throws', async () => {
    const exitError = new Error('exit')
    const manager = recordingManager([], 'a', { exitError })
    const reason = await rejectionOf(
      withContext(manager, () => {
        throw new Error('body')
      }),
    )
    expect(reason).toBe(exitError)
  })

  it('rejects with the exit error when exit throws after the body completed', async () => {
    const exitError = new Error('exit')
    const reason = await rejectionOf(
      withContext(recordingManager([], 'a', { exitError }), () => 'ignored'),
    )
    expect(reason).toBe(exitError)
  })

  it('calls exit exactly once whether the body completes or fails', async () => {
    const ok = recordingManager([], 'ok')
    const bad = recordingManager([], 'bad')
    await withContext(ok, () => 1)
    await rejectionOf(withContext(bad, () => Promise.reject(new Error('x'))))
    expect(ok.exits).toHaveLength(1)
    expect(bad.exits).toHaveLength(1)
  })

  it('calls enter and exit with the manager as this', async () => {
    const seen: unknown[] = []
    const manager = {
      async enter() {
        seen.push(this)
        return 0
      },
      async exit() {
        seen.push(this)
      },
    }
    await withContext(manager, () => {})
    expect(seen).toEqual([manager, manager])
  })

  it('waits for an async exit before resolving', async () => {
    const log: CallLog = []
    const manager = {
      enter: async () => 0,
      exit: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1))
        log.push('exited')
      },
    }
    await withContext(manager, () => {})
    log.push('after')
    expect(log).toEqual(['exited', 'after'])
  })

  it('accepts an AsyncDisposable, passes the object itself and disposes it after the body', async () => {
    const log: CallLog = []
    const resource = {
      async [Symbol.asyncDispose]() {
        log.push('dispose')
      },
    }
    const seen = await withContext(resource, (value) => {
      log.push('body')
      return value
    })
    expect(seen).toBe(resource)
    expect(log).toEqual(['body', 'dispose'])
  })

  it('accepts a Disposable, passes the object itself and disposes it after the body', async () => {
    const log: CallLog = []
    const resource = {
      [Symbol.dispose]() {
        log.push('dispose')
      },
    }
    expect(await withContext(resource, (value) => value)).toBe(resource)
    expect(log).toEqual(['dispose'])
  })

  it('disposes an AsyncDisposable when the body fails and rethrows the body error', async () => {
    const log: CallLog = []
    const error = new Error('body')
    const reason = await rejectionOf(
      withContext({ [Symbol.asyncDispose]: async () => void log.push('dispose') }, () => {
        throw error
      }),
    )
    expect(reason).toBe(error)
    expect(log).toEqual(['dispose'])
  })

  it('rejects with SuppressedError(disposeError, bodyError) when disposal fails during a body error', async () => {
    const bodyError = new Error('body')
    const disposeError = new Error('dispose')
    const reason = await rejectionOf(
      withContext(
        {
          [Symbol.asyncDispose]: async () => {
            throw disposeError
          },
        },
        () => {
          throw bodyError
        },
      ),
    )
    expect(isSuppressedError(reason)).toBe(true)
    expect(reason).toBeInstanceOf(SuppressedError)
    expect((reason as SuppressedError).error).toBe(disposeError)
    expect((reason as SuppressedError).suppressed).toBe(bodyError)
  })

  it('rejects with SuppressedError when a sync Disposable fails during a body error', async () => {
    const bodyError = new Error('body')
    const disposeError = new Error('dispose')
    const reason = await rejectionOf(
      withContext(
        {
          [Symbol.dispose]: () => {
            throw disposeError
          },
        },
        () => Promise.reject(bodyError),
      ),
    )
    expect(isSuppressedError(reason)).toBe(true)
    expect((reason as SuppressedError).error).toBe(disposeError)
    expect((reason as SuppressedError).suppressed).toBe(bodyError)
  })

  it('rejects with the plain disposal error when disposal fails after the body completed', async () => {
    const disposeError = new Error('dispose')
    const reason = await rejectionOf(
      withContext(
        {
          [Symbol.asyncDispose]: async () => {
            throw disposeError
          },
        },
        () => 'done',
      ),
    )
    expect(reason).toBe(disposeError)
  })

  it('prefers enter and exit over Symbol.asyncDispose when an object has both', async () => {
    const log: CallLog = []
    const both = {
      enter: async () => {
        log.push('enter')
        return 'entered'
      },
      exit: async () => {
        log.push('exit')
      },
      [Symbol.asyncDispose]: async () => {
        log.push('dispose')
      },
    }
    expect(await withContext(both, (v) => v)).toBe('entered')
    expect(log).toEqual(['enter', 'exit'])
  })

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', 'manager'],
    ['an object without protocol methods', {}],
    ['an object with enter but no exit', { enter: async () => 1 }],
    ['an object with exit but no enter', { exit: async () => {} }],
    ['an object whose Symbol.asyncDispose is not callable', { [Symbol.asyncDispose]: 1 }],
  ])('rejects with TypeError when the manager is %s', async (_label, manager) => {
    let ran = false
    const reason = await rejectionOf(
      withContext(manager as never, () => {
        ran = true
      }),
    )
    expect(reason).toBeInstanceOf(TypeError)
    expect(ran).toBe(false)
  })

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'body'],
    ['an object', {}],
  ])('rejects with TypeError without entering when the body is %s', async (_label, body) => {
    const log: CallLog = []
    const reason = await rejectionOf(withContext(recordingManager(log, 'a'), body as never))
    expect(reason).toBeInstanceOf(TypeError)
    expect(log).toEqual([])
  })

  it('returns a promise rather than throwing synchronously on bad arguments', () => {
    const result = withContext(null as never, () => {})
    expect(result).toBeInstanceOf(Promise)
    return expect(result).rejects.toBeInstanceOf(TypeError)
  })

  it('awaits a thenable returned by the body', async () => {
    const thenable = {
      then(resolve: (value: string) => void) {
        resolve('from thenable')
      },
    } as unknown as PromiseLike<string>
    expect(await withContext(recordingManager([], 'a'), () => thenable)).toBe('from thenable')
  })

  it('nests: inner exits before outer and the outer exit sees the inner exit error', async () => {
    const log: CallLog = []
    const innerError = new Error('inner exit')
    const outer = recordingManager(log, 'outer')
    const inner = recordingManager(log, 'inner', { exitError: innerError })
    const reason = await rejectionOf(
      withContext(outer, () => withContext(inner, () => log.push('body'))),
    )
    expect(log).toEqual(['enter outer', 'enter inner', 'body', 'exit inner', 'exit outer'])
    expect(outer.exits).toEqual([{ error: innerError }])
    expect(reason).toBe(innerError)
  })
})
