import { afterEach, describe, expect, it, vi } from 'vitest'
import { chunk, toArray } from '../../src/iter/index.js'
import { drain, operatorContract } from '../_helpers/core-contract.js'
import { activeTimers, timersAbove, tracked } from '../_helpers/tracked.js'

/** A source whose values arrive when the test pushes them. */
function manual<T>() {
  const waiting: ((result: IteratorResult<T>) => void)[] = []
  const ready: IteratorResult<T>[] = []
  let returns = 0
  const iterator: AsyncIterableIterator<T> = {
    next: () =>
      new Promise((resolve) => {
        const result = ready.shift()
        if (result) resolve(result)
        else waiting.push(resolve)
      }),
    return: async () => {
      returns++
      return { value: undefined, done: true }
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
  const settle = (result: IteratorResult<T>) => {
    const resolve = waiting.shift()
    if (resolve) resolve(result)
    else ready.push(result)
  }
  return {
    iterator,
    push: (value: T) => settle({ value, done: false }),
    end: () => settle({ value: undefined, done: true }),
    returns: () => returns,
  }
}

describe('chunk()', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('groups values into arrays of size, with a shorter last one', async () => {
    expect(await toArray(chunk(2)(tracked([1, 2, 3, 4, 5])))).toEqual([[1, 2], [3, 4], [5]])
  })

  it('yields nothing when the source is empty', async () => {
    expect(await toArray(chunk(3)([]))).toEqual([])
    expect(await toArray(chunk(3, { maxWait: 10 })([]))).toEqual([])
  })

  it('yields one chunk of everything when size is Infinity', async () => {
    expect(await toArray(chunk(Infinity)([1, 2, 3]))).toEqual([[1, 2, 3]])
  })

  it('yields full chunks without waiting when values arrive fast enough', async () => {
    const timersBefore = activeTimers()
    expect(await toArray(chunk(2, { maxWait: 1000 })(tracked([1, 2, 3])))).toEqual([[1, 2], [3]])
    expect(await timersAbove(timersBefore)).toBe(0)
  })

  it('yields a shorter chunk when maxWait passes after its first value', async () => {
    vi.useFakeTimers()
    const source = manual<number>()
    const iterator = chunk(3, { maxWait: 100 })(source.iterator)
    const first = iterator.next()
    source.push(1)
    source.push(2)
    await vi.advanceTimersByTimeAsync(99)
    source.push(3)
    source.push(4)
    expect(await first).toEqual({ value: [1, 2, 3], done: false })
    const second = iterator.next()
    await vi.advanceTimersByTimeAsync(100)
    expect(await second).toEqual({ value: [4], done: false })
    const third = iterator.next()
    source.push(5)
    source.end()
    expect(await third).toEqual({ value: [5], done: false })
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
    expect(vi.getTimerCount()).toBe(0)
  })

  it('does not start the clock before a chunk has its first value', async () => {
    vi.useFakeTimers()
    const source = manual<number>()
    const iterator = chunk(2, { maxWait: 50 })(source.iterator)
    const first = iterator.next()
    await vi.advanceTimersByTimeAsync(500)
    expect(vi.getTimerCount()).toBe(0)
    source.push(1)
    await vi.advanceTimersByTimeAsync(0)
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(50)
    expect(await first).toEqual({ value: [1], done: false })
    // The source's next() is in flight: return() waits for it, as async generators do.
    const closed = iterator.return!()
    source.push(2)
    await closed
    expect(source.returns()).toBe(1)
  })

  it('closes the source once and clears the timer when the consumer stops mid-chunk', async () => {
    vi.useFakeTimers()
    const source = manual<number>()
    const iterator = chunk(3, { maxWait: 100 })(source.iterator)
    const first = iterator.next()
    source.push(1)
    await vi.advanceTimersByTimeAsync(100)
    expect(await first).toEqual({ value: [1], done: false })
    const second = iterator.next()
    source.push(2)
    await vi.advanceTimersByTimeAsync(100)
    expect(await second).toEqual({ value: [2], done: false })
    // A next() is in flight on the source; return() waits for it, then closes once.
    const closed = iterator.return!()
    source.push(3)
    expect(await closed).toEqual({ value: undefined, done: true })
    expect(source.returns()).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('rethrows a source error, drops the unfinished chunk and clears the timer', async () => {
    const boom = new Error('boom')
    const source = tracked([1, 2, 3], { failWith: boom })
    const timersBefore = activeTimers()
    await expect(drain(chunk(2, { maxWait: 1000 })(source))).rejects.toBe(boom)
    expect(source.counts.returns).toBe(0)
    expect(await timersAbove(timersBefore)).toBe(0)
  })

  it('reads globalThis.setTimeout when the timer starts', async () => {
    const iterator = chunk(2, { maxWait: 5 })(tracked([1]))
    const spy = vi.spyOn(globalThis, 'setTimeout')
    try {
      await drain(iterator)
      expect(spy).toHaveBeenCalled()
    } finally {
      spy.mockRestore()
    }
  })

  it.each([
    [0, RangeError],
    [1.5, RangeError],
    ['2', TypeError],
  ])('throws when size is %s', (size, type) => {
    expect(() => chunk(size as number)).toThrow(type)
  })

  it('throws a RangeError when maxWait is negative', () => {
    expect(() => chunk(2, { maxWait: -1 })).toThrow(RangeError)
  })

  describe('without maxWait', () => {
    operatorContract({ make: () => chunk(2), passing: () => undefined, hasCallback: false })
  })

  describe('with maxWait', () => {
    operatorContract({
      make: () => chunk(2, { maxWait: 20 }),
      passing: () => undefined,
      hasCallback: false,
    })
  })
})
