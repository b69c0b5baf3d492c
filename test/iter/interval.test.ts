import { afterEach, describe, expect, it, vi } from 'vitest'
import { interval } from '../../src/iter/interval.js'
import { abortListeners } from '../_helpers/concurrent-probe.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('interval()', () => {
  it('yields 0, 1, 2 one period apart', async () => {
    vi.useFakeTimers()
    const start = Date.now()
    const seen: Array<[number, number]> = []
    const done = (async () => {
      for await (const tick of interval(100)) {
        seen.push([tick, Date.now() - start])
        if (tick === 2) break
      }
    })()
    await vi.advanceTimersByTimeAsync(300)
    await done
    expect(seen).toEqual([
      [0, 100],
      [1, 200],
      [2, 300],
    ])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('gives a slow consumer the next value at once instead of a burst', async () => {
    vi.useFakeTimers()
    const ticks = interval(100)
    const first = ticks.next()
    await vi.advanceTimersByTimeAsync(100)
    await first
    await vi.advanceTimersByTimeAsync(350)
    const second = ticks.next()
    await vi.advanceTimersByTimeAsync(0)
    expect(await second).toEqual({ done: false, value: 1 })
    const third = ticks.next()
    await vi.advanceTimersByTimeAsync(99)
    let settled = false
    void third.then(() => {
      settled = true
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(await third).toEqual({ done: false, value: 2 })
    await ticks.return!()
  })

  it('runs no timer before the first next()', () => {
    vi.useFakeTimers()
    interval(100)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('clears its timer and resolves a waiting next() with done on return()', async () => {
    vi.useFakeTimers()
    const ticks = interval(1000)
    const pending = ticks.next()
    expect(vi.getTimerCount()).toBe(1)
    await ticks.return!()
    expect(await pending).toEqual({ done: true, value: undefined })
    expect(vi.getTimerCount()).toBe(0)
  })

  it('rejects with the abort reason unchanged and clears everything', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const ticks = interval(1000, { signal: controller.signal })
    const pending = ticks.next()
    expect(abortListeners(controller.signal)).toBe(1)
    const reason = { abort: true }
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
    expect(vi.getTimerCount()).toBe(0)
    expect(abortListeners(controller.signal)).toBe(0)
    expect(await ticks.next()).toEqual({ done: true, value: undefined })
  })

  it('rejects the first next() when the signal is already aborted', async () => {
    const reason = new Error('early')
    await expect(interval(10, { signal: AbortSignal.abort(reason) }).next()).rejects.toBe(reason)
  })

  it('throws a RangeError at once for a negative period', () => {
    expect(() => interval(-1)).toThrow(
      new RangeError('Expected `ms` to be a non-negative finite number, got `-1` (number)'),
    )
  })
})
