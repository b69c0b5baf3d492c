import * as root from 'asyncwith'
import * as context from 'asyncwith/context'
import * as iter from 'asyncwith/iter'
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

describe('asyncwith', () => {
  it('re-exports every name of the core layers, each the same object', () => {
    const expected = { ...context, ...iter }
    expect(Object.keys(root).sort()).toEqual(Object.keys(expected).sort())
    const rootEntries: Record<string, unknown> = { ...root }
    for (const [name, value] of Object.entries(expected)) {
      expect(rootEntries[name], name).toBe(value)
    }
  })
})
