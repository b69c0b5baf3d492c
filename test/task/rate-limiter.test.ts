import { afterEach, describe, expect, it, vi } from 'vitest'
import { isWouldBlockError } from '../../src/task/errors.js'
import { RateLimiter } from '../../src/task/rate-limiter.js'
import { abortListeners, ticks } from '../_helpers/concurrent-probe.js'
import { activeTimers, timersAbove, unhandledDuring } from '../_helpers/tracked.js'

afterEach(() => {
  vi.useRealTimers()
})

/** Marks when `promise` settles, for checking it has not yet. */
function watch(promise: Promise<unknown>): { settled: boolean; promise: Promise<unknown> } {
  const watched = { settled: false, promise }
  promise.then(
    () => {
      watched.settled = true
    },
    () => {
      watched.settled = true
    },
  )
  return watched
}

describe('RateLimiter', () => {
  it('starts full, with per 1000 and burst equal to rate by default', () => {
    const limiter = new RateLimiter({ rate: 3 })
    expect(limiter.statistics()).toEqual({ rate: 3, per: 1000, burst: 3, tokens: 3, waiting: 0 })
  })

  it('defaults burst to 1 when rate is below 1', () => {
    expect(new RateLimiter({ rate: 0.5 }).statistics().burst).toBe(1)
  })

  it.each([
    [{ rate: 0 }, RangeError, 'Expected `rate` to be a positive finite number, got `0` (number)'],
    [{ rate: -1 }, RangeError, 'Expected `rate` to be a positive finite number, got `-1` (number)'],
    [{ rate: Number.NaN }, RangeError, 'got `NaN` (number)'],
    [{ rate: Number.POSITIVE_INFINITY }, RangeError, 'got `Infinity` (number)'],
    [{ rate: '5' }, TypeError, 'Expected `rate` to be a positive finite number, got `5` (string)'],
    [{}, TypeError, 'Expected `rate` to be a positive finite number, got `undefined` (undefined)'],
    [{ rate: 1, per: 0 }, RangeError, 'Expected `per` to be a positive finite number, got `0`'],
    [{ rate: 1, per: '1' }, TypeError, 'Expected `per` to be a positive finite number'],
    [
      { rate: 5, burst: 0.5 },
      RangeError,
      'Expected `burst` to be a finite number of 1 or more, got `0.5` (number)',
    ],
    [{ rate: 5, burst: Number.POSITIVE_INFINITY }, RangeError, 'got `Infinity` (number)'],
    [{ rate: 5, burst: null }, TypeError, 'Expected `burst` to be a finite number of 1 or more'],
    [undefined, TypeError, 'Expected `options` to be an object, got `undefined` (undefined)'],
  ])('throws for options %o', (options, type, message) => {
    expect(() => new RateLimiter(options as never)).toThrow(type)
    expect(() => new RateLimiter(options as never)).toThrow(message)
  })

  it.each([
    [0, RangeError, 'Expected `cost` to be a positive finite number, got `0` (number)'],
    [-2, RangeError, 'Expected `cost` to be a positive finite number, got `-2` (number)'],
    [Number.NaN, RangeError, 'got `NaN` (number)'],
    ['1', TypeError, 'Expected `cost` to be a positive finite number, got `1` (string)'],
    [6, RangeError, 'Expected `cost` to be at most `burst` (5), got `6` (number)'],
  ])('throws at once for cost %s', (cost, type, message) => {
    const limiter = new RateLimiter({ rate: 5 })
    expect(() => limiter.take({ cost: cost as number })).toThrow(type)
    expect(() => limiter.take({ cost: cost as number })).toThrow(message)
    expect(() => limiter.takeNowait(cost as number)).toThrow(message)
    expect(limiter.statistics().tokens).toBe(5)
  })

  it('throws a TypeError at once when the signal is not an AbortSignal', () => {
    const limiter = new RateLimiter({ rate: 5 })
    expect(() => limiter.take({ signal: 'no' as never })).toThrow(TypeError)
  })

  it('lets the first burst of takes through at once', async () => {
    vi.useFakeTimers()
    const limiter = new RateLimiter({ rate: 1, per: 1000, burst: 5 })
    const takes = Array.from({ length: 6 }, () => watch(limiter.take()))
    await ticks()
    expect(takes.map((take) => take.settled)).toEqual([true, true, true, true, true, false])
    await vi.advanceTimersByTimeAsync(999)
    expect(takes[5]!.settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(takes[5]!.settled).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('holds the configured rate over 10 s of fake time', async () => {
    vi.useFakeTimers()
    const limiter = new RateLimiter({ rate: 50, per: 1000, burst: 5 })
    const controller = new AbortController()
    let taken = 0
    const worker = (async () => {
      while (true) {
        await limiter.take({ signal: controller.signal })
        taken++
      }
    })()
    await vi.advanceTimersByTimeAsync(10_000)
    // 5 at once, then one every 20 ms: 500 more in 10 s.
    expect(taken).toBeGreaterThanOrEqual(Math.floor(505 * 0.95))
    expect(taken).toBeLessThanOrEqual(505)
    expect(Math.abs(taken - 505) / 505).toBeLessThan(0.05)
    const reason = new Error('stop')
    controller.abort(reason)
    await expect(worker).rejects.toBe(reason)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('refills continuously, not in one lump per period', async () => {
    vi.useFakeTimers()
    const limiter = new RateLimiter({ rate: 10, per: 1000, burst: 10 })
    for (let i = 0; i < 10; i++) limiter.takeNowait()
    vi.advanceTimersByTime(99)
    expect(() => limiter.takeNowait()).toThrow('RateLimiter has not enough tokens')
    vi.advanceTimersByTime(1)
    limiter.takeNowait()
    vi.advanceTimersByTime(250)
    expect(limiter.statistics().tokens).toBeCloseTo(2.5)
  })

  it('never holds more than burst tokens', async () => {
    vi.useFakeTimers()
    const limiter = new RateLimiter({ rate: 100, burst: 3 })
    vi.advanceTimersByTime(60_000)
    expect(limiter.statistics().tokens).toBe(3)
  })

  it('waits longer than the 2^31 ms a single setTimeout allows', async () => {
    vi.useFakeTimers()
    const limiter = new RateLimiter({ rate: 1, per: 2 ** 32 })
    limiter.takeNowait()
    const take = watch(limiter.take())
    await vi.advanceTimersByTimeAsync(2 ** 31 + 1000)
    expect(take.settled).toBe(false)
    await vi.advanceTimersByTimeAsync(2 ** 32 - 2 ** 31 - 1000)
    expect(take.settled).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('waits until cost tokens are in the bucket', async () => {
    vi.useFakeTimers()
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 3 })
    limiter.takeNowait(3)
    const take = watch(limiter.take({ cost: 3 }))
    await vi.advanceTimersByTimeAsync(299)
    expect(take.settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(take.settled).toBe(true)
    expect(limiter.statistics().tokens).toBeCloseTo(0)
  })

  it('serves waiters first in, first out, so a large cost is not starved', async () => {
    vi.useFakeTimers()
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 5 })
    limiter.takeNowait(5)
    const order: string[] = []
    const record = (name: string) => () => {
      order.push(`${name}@${Date.now() - start}`)
    }
    const start = Date.now()
    const takes = [
      limiter.take({ cost: 5 }).then(record('big')),
      limiter.take().then(record('a')),
      limiter.take().then(record('b')),
    ]
    // After 100 ms one token would do for `a`, but it queues behind `big`.
    expect(limiter.statistics().waiting).toBe(3)
    await vi.advanceTimersByTimeAsync(700)
    await Promise.all(takes)
    expect(order).toEqual(['big@500', 'a@600', 'b@700'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('makes takeNowait throw WouldBlockError while someone waits, even with tokens in the bucket', async () => {
    vi.useFakeTimers()
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 5 })
    limiter.takeNowait(3)
    const big = limiter.take({ cost: 5 })
    let caught: unknown
    try {
      limiter.takeNowait()
    } catch (error) {
      caught = error
    }
    expect(isWouldBlockError(caught)).toBe(true)
    expect(limiter.statistics()).toMatchObject({ tokens: 2, waiting: 1 })
    await vi.advanceTimersByTimeAsync(300)
    await big
  })

  it('throws WouldBlockError from takeNowait when the bucket is short', () => {
    const limiter = new RateLimiter({ rate: 1, per: 60_000, burst: 2 })
    limiter.takeNowait(2)
    expect(() => limiter.takeNowait()).toThrow('RateLimiter has not enough tokens')
    expect(limiter.statistics().waiting).toBe(0)
  })

  it('rejects with the reason unchanged and takes nothing when the signal is already aborted', async () => {
    const limiter = new RateLimiter({ rate: 5 })
    const reason = new Error('stop')
    const signal = AbortSignal.abort(reason)
    await expect(limiter.take({ signal })).rejects.toBe(reason)
    expect(limiter.statistics()).toMatchObject({ tokens: 5, waiting: 0 })
    expect(abortListeners(signal)).toBe(0)
  })

  it('puts the tokens back when the signal aborts after they were handed over but before the caller resumes', async () => {
    vi.useFakeTimers()
    const limiter = new RateLimiter({ rate: 1, per: 1000, burst: 1 })
    limiter.takeNowait()
    const controller = new AbortController()
    const reason = new Error('too late')
    const take = limiter.take({ signal: controller.signal })
    const next = limiter.take()
    vi.advanceTimersByTime(1000) // serves the first waiter synchronously
    controller.abort(reason)
    await expect(take).rejects.toBe(reason)
    // The refunded token goes to the next waiter at once.
    await expect(next).resolves.toBeUndefined()
    expect(limiter.statistics()).toMatchObject({ waiting: 0 })
    expect(limiter.statistics().tokens).toBeCloseTo(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('leaves the queue and clears its timer when its signal aborts mid-wait', async () => {
    vi.useFakeTimers()
    const limiter = new RateLimiter({ rate: 1, per: 1000, burst: 1 })
    limiter.takeNowait()
    const controller = new AbortController()
    const reason = { why: 'not an Error' }
    const take = limiter.take({ signal: controller.signal })
    expect(vi.getTimerCount()).toBe(1)
    expect(abortListeners(controller.signal)).toBe(1)
    await vi.advanceTimersByTimeAsync(500)
    controller.abort(reason)
    await expect(take).rejects.toBe(reason)
    expect(limiter.statistics()).toMatchObject({ waiting: 0 })
    expect(limiter.statistics().tokens).toBeCloseTo(0.5)
    expect(abortListeners(controller.signal)).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('serves the next waiter at once when an aborted head was holding it back', async () => {
    vi.useFakeTimers()
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 5 })
    limiter.takeNowait(3)
    const controller = new AbortController()
    const big = limiter.take({ cost: 5, signal: controller.signal })
    const small = watch(limiter.take())
    await ticks()
    expect(small.settled).toBe(false)
    controller.abort(new Error('stop'))
    await expect(big).rejects.toThrow('stop')
    await ticks()
    expect(small.settled).toBe(true)
    expect(limiter.statistics()).toMatchObject({ waiting: 0 })
    expect(limiter.statistics().tokens).toBeCloseTo(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('keeps the head waiting and its timer when a later waiter aborts', async () => {
    vi.useFakeTimers()
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 1 })
    limiter.takeNowait()
    const first = watch(limiter.take())
    const controller = new AbortController()
    const second = limiter.take({ signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(second).rejects.toThrow('stop')
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(100)
    expect(first.settled).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('leaves no timer, listener or unhandled rejection behind once idle', async () => {
    const before = activeTimers()
    const controller = new AbortController()
    const unhandled = await unhandledDuring(async () => {
      const limiter = new RateLimiter({ rate: 1000, burst: 1 })
      const aborted = new AbortController()
      const takes = Array.from({ length: 5 }, () => limiter.take({ signal: controller.signal }))
      const doomed = limiter.take({ signal: aborted.signal })
      aborted.abort(new Error('stop'))
      await Promise.allSettled([...takes, doomed])
      expect(limiter.statistics().waiting).toBe(0)
    })
    expect(unhandled).toEqual([])
    expect(abortListeners(controller.signal)).toBe(0)
    expect(await timersAbove(before)).toBe(0)
  })

  it('holds the configured rate in real time', async () => {
    // 100 tokens a second, burst 1: the k-th take is due 10·k ms after the first. A late timer
    // only delays its own waiter (nothing is lost to the burst cap), so the slope of the
    // completion times stays 10 ms even on a loaded machine.
    const limiter = new RateLimiter({ rate: 100, per: 1000, burst: 1 })
    const times: number[] = []
    await Promise.all(
      Array.from({ length: 100 }, () =>
        limiter.take().then(() => {
          times.push(performance.now())
        }),
      ),
    )
    const first = times[0]!
    const elapsed = times.map((time) => time - first)
    // Never ahead of the rate.
    elapsed.forEach((ms, index) => {
      expect(ms).toBeGreaterThanOrEqual(index * 10 - 2)
    })
    // Least-squares slope of completion time over index, in ms per take.
    const n = elapsed.length
    const meanX = (n - 1) / 2
    const meanY = elapsed.reduce((sum, ms) => sum + ms, 0) / n
    let numerator = 0
    let denominator = 0
    elapsed.forEach((ms, index) => {
      numerator += (index - meanX) * (ms - meanY)
      denominator += (index - meanX) ** 2
    })
    const measuredRate = 1000 / (numerator / denominator)
    expect(Math.abs(measuredRate - 100) / 100).toBeLessThan(0.05)
  })
})
