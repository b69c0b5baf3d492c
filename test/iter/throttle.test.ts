import { afterEach, describe, expect, it, vi } from 'vitest'
import { throttle } from '../../src/iter/throttle.js'
import { abortListeners } from '../_helpers/concurrent-probe.js'
import { tracked } from '../_helpers/tracked.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('throttle()', () => {
  it('lets limit values through per interval and delays the rest', async () => {
    vi.useFakeTimers()
    const source = tracked([1, 2, 3, 4, 5])
    const iterator = throttle<number>(2, 100)(source)
    const times: number[] = []
    const start = Date.now()
    const done = (async () => {
      for await (const _ of iterator) times.push(Date.now() - start)
    })()
    await vi.advanceTimersByTimeAsync(500)
    await done
    expect(times).toEqual([0, 0, 100, 100, 200])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('reads the source at most one value ahead of the rate, holding it until its turn', async () => {
    vi.useFakeTimers()
    const source = tracked([1, 2, 3])
    const iterator = throttle<number>(1, 100)(source)
    await iterator.next()
    let settled = false
    const pending = iterator.next().finally(() => {
      settled = true
    })
    await vi.advanceTimersByTimeAsync(50)
    expect(source.counts.nexts).toBe(2)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(50)
    expect(await pending).toEqual({ done: false, value: 2 })
    expect(source.counts.nexts).toBe(2)
    await iterator.return!()
  })

  it('ends as soon as the source ends, with no wait after the last value', async () => {
    // pipe(['a', 'b', 'c'], throttle(3, 3000), toArray) must not take 3 seconds.
    vi.useFakeTimers()
    const source = tracked(['a', 'b', 'c'])
    const values: string[] = []
    for await (const value of throttle<string>(3, 3000)(source)) values.push(value)
    expect(values).toEqual(['a', 'b', 'c'])
    expect(vi.getTimerCount()).toBe(0)
    expect(source.counts.returns).toBe(0)
  })

  it('ends right after the last delayed value when the source ends mid-window', async () => {
    vi.useFakeTimers()
    const source = tracked([1, 2, 3])
    const iterator = throttle<number>(2, 100)(source)
    const times: number[] = []
    const start = Date.now()
    const done = (async () => {
      for await (const _ of iterator) times.push(Date.now() - start)
      times.push(Date.now() - start)
    })()
    await vi.advanceTimersByTimeAsync(100)
    await done
    expect(times).toEqual([0, 0, 100, 100])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('clears its timer and rejects with the reason when the signal aborts during a wait', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const source = tracked([1, 2, 3])
    const iterator = throttle<number>(1, 1000, { signal: controller.signal })(source)
    await iterator.next()
    const pending = iterator.next()
    await vi.advanceTimersByTimeAsync(10)
    const reason = new Error('stop')
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
    expect(vi.getTimerCount()).toBe(0)
    expect(abortListeners(controller.signal)).toBe(0)
    expect(source.counts.returns).toBe(1)
  })

  it('closes the source once on break', async () => {
    const source = tracked([1, 2, 3])
    for await (const _ of throttle<number>(10, 1000)(source)) break
    expect(source.counts.returns).toBe(1)
  })

  it('throws at once for an invalid limit or interval', () => {
    expect(() => throttle(0, 100)).toThrow(
      new RangeError('Expected `limit` to be a positive integer, got `0` (number)'),
    )
    expect(() => throttle(1, -5)).toThrow(
      new RangeError('Expected `interval` to be a non-negative finite number, got `-5` (number)'),
    )
  })
})
