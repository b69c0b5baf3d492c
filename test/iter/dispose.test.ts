import {
  filter,
  fromEvent,
  fromReadableStream,
  interval,
  map,
  mapConcurrent,
  pipe,
  toReadableStream,
} from 'asyncwith/iter'
import { describe, expect, it } from 'vitest'
import { activeTimers, tracked } from '../_helpers/tracked.js'

// Pipelines are AsyncDisposable, like native async generators on runtimes with explicit
// resource management: leaving an `await using` block closes them, and through them the source.
describe('await using on a pipeline', () => {
  it('closes a fused pipeline and its source once when the block ends', async () => {
    const source = tracked([1, 2, 3, 4])
    {
      await using numbers = pipe(
        source,
        map((n: number) => n * 2),
        filter((n) => n > 2),
      )
      expect((await numbers.next()).value).toBe(4)
    }
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('closes a mapConcurrent pipeline and its source once when the block ends', async () => {
    const source = tracked([1, 2, 3, 4])
    {
      await using doubled = pipe(
        source,
        mapConcurrent(async (n: number) => n * 2, { concurrency: 2 }),
      )
      expect((await doubled.next()).value).toBe(2)
    }
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('stops an interval and leaves no timer when the block ends', async () => {
    const before = activeTimers()
    {
      await using ticks = interval(1)
      expect((await ticks.next()).value).toBe(0)
    }
    expect(activeTimers()).toBe(before)
  })

  it('removes the listener of fromEvent when the block ends', async () => {
    const target = new EventTarget()
    let listeners = 0
    const add = target.addEventListener.bind(target)
    const remove = target.removeEventListener.bind(target)
    target.addEventListener = (...args: Parameters<typeof add>) => {
      listeners++
      add(...args)
    }
    target.removeEventListener = (...args: Parameters<typeof remove>) => {
      listeners--
      remove(...args)
    }
    {
      await using events = fromEvent(target, 'ping')
      target.dispatchEvent(new Event('ping'))
      expect((await events.next()).done).toBe(false)
    }
    expect(listeners).toBe(0)
  })

  it('cancels the stream of fromReadableStream when the block ends', async () => {
    const source = tracked([1, 2, 3])
    {
      await using values = fromReadableStream(toReadableStream(source))
      expect((await values.next()).value).toBe(1)
    }
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })
})
