import {
  abortable,
  buffer,
  chunk,
  concat,
  drop,
  dropWhile,
  filter,
  flatMap,
  flatMapConcurrent,
  flatten,
  fromEvent,
  fromReadableStream,
  interval,
  map,
  mapConcurrent,
  merge,
  type Operator,
  pipe,
  scan,
  take,
  takeWhile,
  tap,
  throttle,
  timeout,
  toReadableStream,
  zip,
} from 'asyncwith/iter'
import { describe, expect, it } from 'vitest'
import { activeTimers, timersAbove, tracked } from '../_helpers/tracked.js'

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
    expect(await timersAbove(before)).toBe(0)
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

const operators: Array<[string, () => Operator<number, unknown>]> = [
  ['map()', () => map((n: number) => n)],
  ['filter()', () => filter(() => true)],
  ['take()', () => take(5)],
  ['drop()', () => drop(0)],
  ['takeWhile()', () => takeWhile(() => true)],
  ['dropWhile()', () => dropWhile(() => false)],
  ['scan()', () => scan((a: number, n: number) => a + n, 0)],
  ['tap()', () => tap(() => {})],
  ['flatMap()', () => flatMap((n: number) => [n])],
  [
    'flatten()',
    () => (source) =>
      flatten<number>()(
        pipe(
          source,
          map((n: number) => [n]),
        ),
      ),
  ],
  ['chunk()', () => chunk(2)],
  ['concat()', () => concat([9])],
  ['buffer()', () => buffer(2)],
  ['throttle()', () => throttle(100, 1000)],
  ['timeout()', () => timeout(1000)],
  ['abortable()', () => abortable(new AbortController().signal)],
  ['mapConcurrent()', () => mapConcurrent(async (n: number) => n)],
  ['flatMapConcurrent()', () => flatMapConcurrent(async (n: number) => [n])],
  ['merge()', () => (source) => merge(source, [9])],
  ['zip()', () => (source) => zip(source, [9, 9, 9])],
]

describe.each(operators)('%s', (_name, make) => {
  it('returns an iterator that await using closes, closing the source once', async () => {
    // Long enough that no operator reads it to the end ahead of the consumer.
    const source = tracked(Array.from({ length: 100 }, (_, i) => i + 1))
    {
      await using values = make()(source)
      expect((await values.next()).done).toBe(false)
    }
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('closes a source iterator without reading it when return() comes before next()', async () => {
    const source = tracked([1, 2, 3])
    const values = make()(source)
    await values.return?.()
    expect(source.counts.nexts).toBe(0)
    expect(source.counts.returns).toBe(1)
    expect((await values.next()).done).toBe(true)
  })
})
