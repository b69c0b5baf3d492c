import { contextManager, enter, isSuppressedError, nullContext } from 'asyncwith/context'
import { describe, expect, it } from 'vitest'
import { type CallLog, recordingManager, rejectionOf } from '../_helpers/context-log.js'

const nodeMajor = Number(process.versions.node.split('.')[0])

describe('enter()', () => {
  it('gives the value enter resolved to for await using', async () => {
    await using handle = await enter(nullContext(42))
    expect(handle.value).toBe(42)
  })

  it('calls exit once, with no failure, when the await using block completes', async () => {
    const log: CallLog = []
    const manager = recordingManager(log, 'a')
    {
      await using handle = await enter(manager)
      log.push(`body ${handle.value}`)
    }
    expect(log).toEqual(['enter a', 'body a', 'exit a'])
    expect(manager.exits).toEqual([undefined])
  })

  it('calls exit with no failure even when the block throws, since disposal cannot see it', async () => {
    const manager = recordingManager([], 'a')
    const error = new Error('body')
    const reason = await rejectionOf(
      (async () => {
        await using _handle = await enter(manager)
        throw error
      })(),
    )
    expect(reason).toBe(error)
    expect(manager.exits).toEqual([undefined])
  })

  it('does nothing when the handle is disposed a second time', async () => {
    const manager = recordingManager([], 'a')
    const handle = await enter(manager)
    await handle[Symbol.asyncDispose]()
    await handle[Symbol.asyncDispose]()
    expect(manager.exits).toHaveLength(1)
  })

  it('rejects with the exit error when exit fails after the block completed', async () => {
    const exitError = new Error('exit')
    const reason = await rejectionOf(
      (async () => {
        await using _handle = await enter(recordingManager([], 'a', { exitError }))
      })(),
    )
    expect(reason).toBe(exitError)
  })

  it('lets the runtime throw SuppressedError(exitError, bodyError) when both fail', async () => {
    const exitError = new Error('exit')
    const bodyError = new Error('body')
    const reason = await rejectionOf(
      (async () => {
        await using _handle = await enter(recordingManager([], 'a', { exitError }))
        throw bodyError
      })(),
    )
    expect(isSuppressedError(reason)).toBe(true)
    expect((reason as { error: unknown }).error).toBe(exitError)
    expect((reason as { suppressed: unknown }).suppressed).toBe(bodyError)
  })

  it('unwinds nested await using declarations last in, first out', async () => {
    const log: CallLog = []
    {
      await using _a = await enter(recordingManager(log, 'a'))
      await using _b = await enter(recordingManager(log, 'b'))
      await using _c = await enter(recordingManager(log, 'c'))
      log.push('body')
    }
    expect(log).toEqual(['enter a', 'enter b', 'enter c', 'body', 'exit c', 'exit b', 'exit a'])
  })

  it('rejects with the enter error and leaves nothing to dispose when enter fails', async () => {
    const log: CallLog = []
    const error = new Error('enter')
    const reason = await rejectionOf(enter(recordingManager(log, 'a', { enterError: error })))
    expect(reason).toBe(error)
    expect(log).toEqual(['enter a'])
  })

  it('disposes earlier declarations when a later enter fails', async () => {
    const log: CallLog = []
    const error = new Error('enter b')
    const reason = await rejectionOf(
      (async () => {
        await using _a = await enter(recordingManager(log, 'a'))
        await using _b = await enter(recordingManager(log, 'b', { enterError: error }))
        log.push('body')
      })(),
    )
    expect(reason).toBe(error)
    expect(log).toEqual(['enter a', 'enter b', 'exit a'])
  })

  it('runs a contextManager generator to its cleanup through await using', async () => {
    const log: CallLog = []
    const resource = contextManager(async function* () {
      log.push('setup')
      try {
        yield 'r'
      } finally {
        log.push('cleanup')
      }
    })
    {
      await using handle = await enter(resource())
      log.push(`body ${handle.value}`)
    }
    expect(log).toEqual(['setup', 'body r', 'cleanup'])
  })

  it('exits a manager held in an async generator when the consumer breaks early', async () => {
    const manager = recordingManager([], 'a')
    async function* numbers() {
      await using _handle = await enter(manager)
      yield 1
      yield 2
    }
    for await (const n of numbers()) {
      expect(n).toBe(1)
      break
    }
    expect(manager.exits).toEqual([undefined])
  })

  it('accepts an AsyncDisposable, whose value is the object itself', async () => {
    const log: CallLog = []
    const resource = {
      async [Symbol.asyncDispose]() {
        log.push('dispose')
      },
    }
    {
      await using handle = await enter(resource)
      expect(handle.value).toBe(resource)
    }
    expect(log).toEqual(['dispose'])
  })

  it('accepts a Disposable, whose value is the object itself', async () => {
    const log: CallLog = []
    const resource = {
      [Symbol.dispose]() {
        log.push('dispose')
      },
    }
    {
      await using handle = await enter(resource)
      expect(handle.value).toBe(resource)
    }
    expect(log).toEqual(['dispose'])
  })

  it('rejects with TypeError for a value that is not a manager or disposable', async () => {
    expect(await rejectionOf(enter({} as never))).toBeInstanceOf(TypeError)
    expect(await rejectionOf(enter(null as never))).toBeInstanceOf(TypeError)
  })

  it.skipIf(nodeMajor < 24)('keeps await using native in the test code on Node.js 24', () => {
    async function usesNativeSyntax() {
      await using handle = await enter(nullContext(1))
      return handle.value
    }
    expect(usesNativeSyntax.toString()).toMatch(/await using handle/)
  })
})
