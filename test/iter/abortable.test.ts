import { describe, expect, it } from 'vitest'
import { abortable } from '../../src/iter/abortable.js'
import { abortListeners, deferred, ticks } from '../_helpers/concurrent-probe.js'
import { tracked, unhandledDuring } from '../_helpers/tracked.js'

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of iterable) out.push(value)
  return out
}

describe('abortable()', () => {
  it('passes values through while the signal is not aborted', async () => {
    const controller = new AbortController()
    expect(await collect(abortable<number>(controller.signal)([1, 2]))).toEqual([1, 2])
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('rejects a waiting next() at once with the abort reason unchanged', async () => {
    const controller = new AbortController()
    const reason = { why: 'stop' }
    const hang = deferred<IteratorResult<number>>()
    let returns = 0
    const source = {
      [Symbol.asyncIterator]: () => ({
        next: () => hang.promise,
        return: async () => {
          returns++
          return { done: true as const, value: undefined }
        },
      }),
    }
    const iterator = abortable<number>(controller.signal)(source)
    const pending = iterator.next()
    await ticks()
    expect(abortListeners(controller.signal)).toBe(1)
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
    expect(returns).toBe(1)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('closes the source and rejects on the next next() after an abort between values', async () => {
    const controller = new AbortController()
    const source = tracked([1, 2, 3])
    const iterator = abortable<number>(controller.signal)(source)
    expect(await iterator.next()).toEqual({ done: false, value: 1 })
    controller.abort(new Error('between'))
    await expect(iterator.next()).rejects.toThrow('between')
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('rejects on the first next() without opening the source when already aborted', async () => {
    const source = tracked([1])
    const reason = new Error('early')
    await expect(abortable<number>(AbortSignal.abort(reason))(source).next()).rejects.toBe(reason)
    expect(source.counts.nexts).toBe(0)
  })

  it('closes the source once on break and leaves no listener', async () => {
    const controller = new AbortController()
    const source = tracked([1, 2])
    const unhandled = await unhandledDuring(async () => {
      for await (const _ of abortable<number>(controller.signal)(source)) break
    })
    expect(unhandled).toEqual([])
    expect(source.counts.returns).toBe(1)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('throws a TypeError at once without a signal', () => {
    expect(() => abortable(undefined as never)).toThrow(TypeError)
  })
})
