import { afterEach, describe, expect, it, vi } from 'vitest'
import { sleep } from '../../src/_internal/sleep.js'
import { startTimer, stopTimer } from '../../src/_internal/timer.js'

const MAX = 2_147_483_647

describe('startTimer()', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('waits past 2^31 - 1 ms instead of firing at once', () => {
    vi.useFakeTimers()
    let fired = 0
    startTimer(() => fired++, MAX * 2 + 5)
    vi.advanceTimersByTime(MAX)
    expect(fired).toBe(0)
    vi.advanceTimersByTime(MAX)
    expect(fired).toBe(0)
    vi.advanceTimersByTime(5)
    expect(fired).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('is cleared by stopTimer whichever link of the chain is pending', () => {
    vi.useFakeTimers()
    let fired = 0
    const handle = startTimer(() => fired++, MAX + 10)
    vi.advanceTimersByTime(MAX)
    expect(vi.getTimerCount()).toBe(1)
    stopTimer(handle)
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(MAX)
    expect(fired).toBe(0)
  })
})

describe('sleep()', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('rejects with the reason unchanged and leaves no timer when the signal aborts', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const reason = new Error('stop')
    const waiting = sleep(1000, controller.signal)
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('rejects at once for a signal that already aborted', async () => {
    const reason = new Error('already')
    await expect(sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason)
  })
})
