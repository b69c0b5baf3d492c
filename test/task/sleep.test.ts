import { afterEach, describe, expect, it, vi } from 'vitest'
import { sleep } from '../../src/task/sleep.js'
import { abortListeners } from '../_helpers/concurrent-probe.js'
import { activeTimers, timersAbove } from '../_helpers/tracked.js'

/** Tells whether `promise` settled, and how, after pending microtasks ran. */
function watch(promise: Promise<unknown>) {
  const state: { settled: 'pending' | 'fulfilled' | 'rejected'; value?: unknown } = {
    settled: 'pending',
  }
  promise.then(
    (value) => {
      state.settled = 'fulfilled'
      state.value = value
    },
    (error: unknown) => {
      state.settled = 'rejected'
      state.value = error
    },
  )
  return state
}

afterEach(() => {
  vi.useRealTimers()
})

describe('sleep()', () => {
  it('resolves to undefined after ms milliseconds', async () => {
    vi.useFakeTimers()
    const state = watch(sleep(100))
    await vi.advanceTimersByTimeAsync(99)
    expect(state.settled).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expect(state).toEqual({ settled: 'fulfilled', value: undefined })
    expect(vi.getTimerCount()).toBe(0)
  })

  it('resolves after ms milliseconds when given a signal that never aborts', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const state = watch(sleep(50, { signal: controller.signal }))
    expect(abortListeners(controller.signal)).toBe(1)
    await vi.advanceTimersByTimeAsync(50)
    expect(state.settled).toBe('fulfilled')
    expect(abortListeners(controller.signal)).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('resolves after a macrotask when ms is 0', async () => {
    vi.useFakeTimers()
    const state = watch(sleep(0))
    await Promise.resolve()
    expect(state.settled).toBe('pending')
    await vi.advanceTimersByTimeAsync(0)
    expect(state.settled).toBe('fulfilled')
  })

  it('rejects at once with the reason and sets no timer when the signal is already aborted', async () => {
    vi.useFakeTimers()
    const reason = new Error('already aborted')
    const signal = AbortSignal.abort(reason)
    const promise = sleep(1000, { signal })
    expect(vi.getTimerCount()).toBe(0)
    await expect(promise).rejects.toBe(reason)
    expect(abortListeners(signal)).toBe(0)
  })

  it('rejects with the same reason, clears its timer and removes its listener when aborted mid-wait', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const reason = { not: 'an Error' }
    const state = watch(sleep(1000, { signal: controller.signal }))
    await vi.advanceTimersByTimeAsync(10)
    expect(vi.getTimerCount()).toBe(1)
    controller.abort(reason)
    await Promise.resolve()
    expect(state.settled).toBe('rejected')
    expect(state.value).toBe(reason)
    expect(vi.getTimerCount()).toBe(0)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('rejects with the default AbortError reason when aborted without one', async () => {
    const controller = new AbortController()
    const promise = sleep(1000, { signal: controller.signal })
    controller.abort()
    const error = await promise.catch((caught: unknown) => caught)
    expect(error).toBe(controller.signal.reason)
    expect((error as DOMException).name).toBe('AbortError')
  })

  it('leaves no real timer behind when aborted', async () => {
    const before = activeTimers()
    const controller = new AbortController()
    const promise = sleep(60_000, { signal: controller.signal })
    controller.abort()
    await promise.catch(() => {})
    expect(await timersAbove(before)).toBe(0)
  })

  it('ignores an abort that comes after it resolved', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const state = watch(sleep(5, { signal: controller.signal }))
    await vi.advanceTimersByTimeAsync(5)
    controller.abort()
    await Promise.resolve()
    expect(state.settled).toBe('fulfilled')
  })

  it('does not fire early when ms is longer than 2^31 - 1', async () => {
    vi.useFakeTimers()
    const ms = 2 ** 31 + 5_000
    const controller = new AbortController()
    const state = watch(sleep(ms, { signal: controller.signal }))
    await vi.advanceTimersByTimeAsync(1)
    expect(state.settled).toBe('pending')
    await vi.advanceTimersByTimeAsync(2 ** 31 - 1)
    expect(state.settled).toBe('pending')
    await vi.advanceTimersByTimeAsync(4_999)
    expect(state.settled).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expect(state.settled).toBe('fulfilled')
  })

  it('clears the pending link of a long wait when aborted', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const state = watch(sleep(2 ** 32, { signal: controller.signal }))
    await vi.advanceTimersByTimeAsync(2 ** 31)
    expect(vi.getTimerCount()).toBe(1)
    controller.abort()
    await Promise.resolve()
    expect(state.settled).toBe('rejected')
    expect(vi.getTimerCount()).toBe(0)
  })

  it.each([
    [
      Number.NaN,
      RangeError,
      'Expected `ms` to be a non-negative finite number, got `NaN` (number)',
    ],
    [-1, RangeError, 'Expected `ms` to be a non-negative finite number, got `-1` (number)'],
    [
      Number.POSITIVE_INFINITY,
      RangeError,
      'Expected `ms` to be a non-negative finite number, got `Infinity` (number)',
    ],
    ['5', TypeError, 'Expected `ms` to be a non-negative finite number, got `5` (string)'],
    [
      undefined,
      TypeError,
      'Expected `ms` to be a non-negative finite number, got `undefined` (undefined)',
    ],
  ])('throws synchronously when ms is %s', (ms, type, message) => {
    expect(() => sleep(ms as number)).toThrow(type)
    expect(() => sleep(ms as number)).toThrow(message)
  })

  it('throws a TypeError synchronously when the signal is not an AbortSignal', () => {
    expect(() => sleep(1, { signal: {} as AbortSignal })).toThrow(TypeError)
    expect(() => sleep(1, { signal: {} as AbortSignal })).toThrow(
      'Expected `signal` to be an AbortSignal, got `[object Object]` (object)',
    )
  })
})
