import {
  AsyncExitStack,
  aclosing,
  closing,
  contextManager,
  enter,
  suppress,
  withContext,
} from 'asyncwith/context'
import { describe, expect, it } from 'vitest'
import { recordingManager, settle } from '../_helpers/context-log.js'
import { unhandledDuring } from '../_helpers/tracked.js'

const boom = (message: string) => () => {
  throw new Error(message)
}

// Every failure path must hand its error to the caller and leave no promise rejected
// with nobody listening (Trio: never log and drop an error).
const scenarios: [string, () => Promise<unknown>][] = [
  [
    'withContext when the body and exit both fail',
    () => withContext(recordingManager([], 'a', { exitError: new Error('exit') }), boom('body')),
  ],
  [
    'withContext when enter fails',
    () => withContext(recordingManager([], 'a', { enterError: new Error('enter') }), () => 1),
  ],
  [
    'withContext when a disposable fails during a body error',
    () =>
      withContext(
        {
          [Symbol.asyncDispose]: async () => {
            throw new Error('dispose')
          },
        },
        boom('body'),
      ),
  ],
  [
    'withContext when exit suppresses the body error',
    () => withContext(recordingManager([], 'a', { exitResult: true }), boom('body')),
  ],
  [
    'a contextManager generator that yields twice',
    () =>
      withContext(
        contextManager(async function* () {
          yield 1
          yield 2
        })(),
        () => 1,
      ),
  ],
  [
    'a contextManager generator that replaces the body error',
    () =>
      withContext(
        contextManager(async function* () {
          try {
            yield
          } catch {
            throw new Error('replacement')
          }
        })(),
        boom('body'),
      ),
  ],
  [
    'a contextManager generator that does not yield',
    () =>
      withContext(
        contextManager(async function* () {
          if (Math.random() > 2) yield
        })(),
        () => 1,
      ),
  ],
  [
    'await using when exit and the block both fail',
    async () => {
      await using _handle = await enter(recordingManager([], 'a', { exitError: new Error('x') }))
      throw new Error('block')
    },
  ],
  [
    'AsyncExitStack.disposeAsync with several failing disposers',
    () => {
      const stack = new AsyncExitStack()
      stack.defer(boom('1'))
      stack.defer(async () => {
        throw new Error('2')
      })
      stack.use({ [Symbol.dispose]: boom('3') })
      return stack.disposeAsync()
    },
  ],
  [
    'AsyncExitStack under withContext with failing exit-style and disposal-style entries',
    () =>
      withContext(new AsyncExitStack(), (stack) => {
        stack.defer(boom('defer'))
        stack.push(boom('push'))
        stack.push(() => true)
        stack.defer(boom('inner defer'))
        throw new Error('body')
      }),
  ],
  [
    'AsyncExitStack disposed while enterContext is pending',
    async () => {
      const stack = new AsyncExitStack()
      const entering = stack.enterContext({
        enter: async () => {
          await new Promise((resolve) => setTimeout(resolve, 1))
          return 1
        },
        exit: async () => {
          throw new Error('late exit')
        },
      })
      await stack.disposeAsync()
      return entering
    },
  ],
  [
    'suppress splitting an AggregateError',
    () =>
      withContext(suppress(RangeError), () => {
        throw new AggregateError([new RangeError('r'), new TypeError('t')], 'group')
      }),
  ],
  ['closing when close fails', () => withContext(closing({ close: boom('close') }), boom('body'))],
  [
    'aclosing when return() fails',
    () =>
      withContext(
        aclosing({
          next: async () => ({ value: 1, done: false }),
          return: async () => {
            throw new Error('return')
          },
        }),
        boom('body'),
      ),
  ],
]

describe('context failure paths', () => {
  it.each(scenarios)('leaves no unhandled rejection: %s', async (_label, scenario) => {
    const unhandled = await unhandledDuring(async () => {
      await settle(scenario)
    })
    expect(unhandled).toEqual([])
  })
})
