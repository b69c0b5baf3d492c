import * as root from 'asyncwith'
import * as context from 'asyncwith/context'
import * as iter from 'asyncwith/iter'
import * as task from 'asyncwith/task'
import { describe, expect, it } from 'vitest'

// Update these lists on purpose when the public surface changes (Trio's test_exports).
const iterNames = [
  'BufferOverflowError',
  'DEFAULT_CONCURRENCY',
  'TimeoutError',
  'abortable',
  'buffer',
  'chunk',
  'concat',
  'drop',
  'dropWhile',
  'every',
  'filter',
  'find',
  'flatMap',
  'flatMapConcurrent',
  'flatten',
  'forEach',
  'fromEvent',
  'fromReadableStream',
  'interval',
  'isBufferOverflowError',
  'isTimeoutError',
  'map',
  'mapConcurrent',
  'merge',
  'pipe',
  'range',
  'reduce',
  'scan',
  'some',
  'take',
  'takeWhile',
  'tap',
  'tee',
  'throttle',
  'timeout',
  'toArray',
  'toReadableStream',
  'zip',
]

describe('asyncwith/iter', () => {
  it('exports exactly the reviewed runtime names', () => {
    expect(Object.keys(iter).sort()).toEqual(iterNames)
  })
})

const taskNames = [
  'AlreadyEnteredError',
  'ClosedError',
  'Queue',
  'RateLimiter',
  'Semaphore',
  'Task',
  'TaskGroup',
  'TaskGroupError',
  'TimeoutError',
  'TimeoutScope',
  'WouldBlockError',
  'asCompleted',
  'deadline',
  'isAlreadyEnteredError',
  'isClosedError',
  'isTaskGroupError',
  'isTimeoutError',
  'isWouldBlockError',
  'sleep',
  'timeout',
]

describe('asyncwith/task', () => {
  it('exports exactly the reviewed runtime names', () => {
    expect(Object.keys(task).sort()).toEqual(taskNames)
  })

  it('shares TimeoutError with asyncwith/iter, so one check covers both layers', () => {
    expect(task.TimeoutError).toBe(iter.TimeoutError)
    expect(task.TimeoutError).toBe(context.TimeoutError)
  })
})

describe('asyncwith', () => {
  it('re-exports every name of the core layers, each the same object', () => {
    // One name, one meaning: the root's `timeout` is the task scope (as `deadline` is), and
    // the iter operator is `timeoutEach` there.
    const { timeout: iterTimeout, ...iterWithoutTimeout } = iter
    const expected = { ...context, ...iterWithoutTimeout, timeoutEach: iterTimeout, ...task }
    expect(Object.keys(root).sort()).toEqual(Object.keys(expected).sort())
    const rootEntries: Record<string, unknown> = { ...root }
    for (const [name, value] of Object.entries(expected)) {
      expect(rootEntries[name], name).toBe(value)
    }
    expect(root.timeout).toBe(task.timeout)
    expect(root.timeoutEach).toBe(iter.timeout)
  })
})
