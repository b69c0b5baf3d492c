import { afterEach, describe, expect, it, vi } from 'vitest'
import { isTimeoutError, TimeoutError } from '../../src/context/errors.js'
import { timeout } from '../../src/iter/timeout.js'
import { deferred } from '../_helpers/concurrent-probe.js'
import { activeTimers, timersAbove, tracked, unhandledDuring } from '../_helpers/tracked.js'

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of iterable) out.push(value)
  return out
}

/** A source that waits `delays[i]` ms (real or fake timers) before each value. */
function delayed(delays: number[]) {
  const counts = { returns: 0, finallies: 0 }
  async function* generate() {
    try {
      for (const [index, ms] of delays.entries()) {
        await new Promise((resolve) => setTimeout(resolve, ms))
        yield index
      }
    } finally {
      counts.finallies++
    }
  }
  const generator = generate()
  const original = generator.return.bind(generator)
  generator.return = (value) => {
    counts.returns++
    return original(value)
  }
  return Object.assign(generator, { counts })
}

afterEach(() => {
  vi.useRealTimers()
})

describe('timeout()', () => {
  it('passes values through when each one arrives in time', async () => {
    expect(await collect(timeout<number>(50)(tracked([1, 2, 3])))).toEqual([1, 2, 3])
  })

  it('throws TimeoutError when the next value takes longer than ms', async () => {
    vi.useFakeTimers()
    const source = delayed([10, 500])
    const iterator = timeout<number>(100)(source)
    const first = iterator.next()
    await vi.advanceTimersByTimeAsync(10)
    expect(await first).toEqual({ done: false, value: 0 })
    const second = iterator.next()
    const outcome = expect(second).rejects.toSatisfy(
      (error) => error instanceof TimeoutError && isTimeoutError(error),
    )
    await vi.advanceTimersByTimeAsync(100)
    await outcome
    // The source's return() was called at once; it completes when its own wait settles.
    expect(source.counts.returns).toBe(1)
    await vi.advanceTimersByTimeAsync(500)
    expect(source.counts.finallies).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('gives the error a stable name, code and message', async () => {
    vi.useFakeTimers()
    const hang = deferred<IteratorResult<number>>()
    const iterator = timeout<number>(25)({
      [Symbol.asyncIterator]: () => ({ next: () => hang.promise }),
    })
    const pending = iterator.next()
    const outcome = expect(pending).rejects.toMatchObject({
      name: 'TimeoutError',
      code: 'ASYNCWITH_TIMEOUT',
      message: 'Timed out after 25 ms waiting for the next value',
    })
    await vi.advanceTimersByTimeAsync(25)
    await outcome
  })

  it('waits a limit longer than 2^31 - 1 ms in full instead of firing at once', async () => {
    vi.useFakeTimers()
    const limit = 2 ** 31 + 1000
    const hang = deferred<IteratorResult<number>>()
    const iterator = timeout<number>(limit)({
      [Symbol.asyncIterator]: () => ({ next: () => hang.promise }),
    })
    let settled = false
    const pending = iterator.next().finally(() => {
      settled = true
    })
    const outcome = expect(pending).rejects.toMatchObject({ code: 'ASYNCWITH_TIMEOUT' })
    await vi.advanceTimersByTimeAsync(2 ** 31)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1000)
    await outcome
  })

  it('does not count the time the consumer spends on a value', async () => {
    vi.useFakeTimers()
    const iterator = timeout<number>(50)(delayed([10, 10]))
    const first = iterator.next()
    await vi.advanceTimersByTimeAsync(10)
    await first
    await vi.advanceTimersByTimeAsync(1000)
    const second = iterator.next()
    await vi.advanceTimersByTimeAsync(10)
    expect(await second).toEqual({ done: false, value: 1 })
  })

  it('clears its timer and closes the source on break', async () => {
    const timers = activeTimers()
    const source = tracked([1, 2, 3])
    for await (const _ of timeout<number>(1000)(source)) break
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
    expect(await timersAbove(timers)).toBe(0)
  })

  it('rethrows a source error and clears its timer', async () => {
    const timers = activeTimers()
    const error = new Error('source')
    const source = tracked([1], { failWith: error })
    const unhandled = await unhandledDuring(async () => {
      await expect(collect(timeout<number>(1000)(source))).rejects.toBe(error)
    })
    expect(unhandled).toEqual([])
    expect(source.counts.returns).toBe(0)
    expect(await timersAbove(timers)).toBe(0)
  })

  it('passes everything through, with no timer, when ms is Infinity', async () => {
    const timers = activeTimers()
    const values = timeout<number>(Infinity)([1, 2])
    expect(await values.next()).toEqual({ done: false, value: 1 })
    expect(await timersAbove(timers)).toBe(0)
    expect(await collect(values)).toEqual([2])
  })

  it('still takes the deprecated false for no limit', async () => {
    expect(await collect(timeout<number>(false)([1, 2]))).toEqual([1, 2])
  })

  it('throws a RangeError at once for a negative ms', () => {
    expect(() => timeout(-1)).toThrow(
      new RangeError(
        'Expected `ms` to be a non-negative number of milliseconds or Infinity, got `-1` (number)',
      ),
    )
  })

  it('throws a TypeError at once for a non-number ms', () => {
    expect(() => timeout('5' as never)).toThrow(TypeError)
  })
})
