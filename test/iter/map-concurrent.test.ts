import { describe, expect, it } from 'vitest'
import { DEFAULT_CONCURRENCY } from '../../src/iter/default-concurrency.js'
import { mapConcurrent } from '../../src/iter/map-concurrent.js'
import {
  abortListeners,
  type Deferred,
  deferred,
  probe,
  ticks,
  whenAborted,
} from '../_helpers/concurrent-probe.js'
import {
  activeTimers,
  expectDone,
  timersAbove,
  tracked,
  unhandledDuring,
} from '../_helpers/tracked.js'

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of iterable) out.push(value)
  return out
}

/** Callbacks that finish only when the test says so, by index. */
function gated() {
  const gates = new Map<number, Deferred<void>>()
  const gate = (index: number) => {
    let entry = gates.get(index)
    if (entry === undefined) {
      entry = deferred()
      gates.set(index, entry)
    }
    return entry
  }
  return { gate, release: (index: number) => gate(index).resolve() }
}

describe('mapConcurrent()', () => {
  it('yields results in input order when ordered is true (the default)', async () => {
    const delays = [30, 5, 20, 0, 10]
    const mapped = mapConcurrent(
      async (n: number) => {
        await new Promise((resolve) => setTimeout(resolve, delays[n]))
        return n * 10
      },
      { concurrency: 3 },
    )
    expect(await collect(mapped([0, 1, 2, 3, 4]))).toEqual([0, 10, 20, 30, 40])
  })

  it('yields results in completion order when ordered is false', async () => {
    const { gate, release } = gated()
    const mapped = mapConcurrent(
      async (n: number) => {
        await gate(n).promise
        return n
      },
      { concurrency: 3, ordered: false },
    )([0, 1, 2])
    const first = mapped.next()
    await ticks()
    release(2)
    expect(await first).toEqual({ done: false, value: 2 })
    release(0)
    expect(await mapped.next()).toEqual({ done: false, value: 0 })
    release(1)
    expect(await mapped.next()).toEqual({ done: false, value: 1 })
    await expectDone(mapped)
  })

  it('passes the index and a live signal to the callback', async () => {
    const seen: Array<[string, number, boolean]> = []
    const mapped = mapConcurrent(async (s: string, { index, signal }) => {
      seen.push([s, index, signal.aborted])
      return s
    })
    await collect(mapped(['a', 'b']))
    expect(seen).toEqual([
      ['a', 0, false],
      ['b', 1, false],
    ])
  })

  it('accepts a sync iterable and a callback that returns plain values', async () => {
    const mapped = mapConcurrent((n: number) => n + 1, { concurrency: 2 })
    expect(await collect(mapped(new Set([1, 2, 3])))).toEqual([2, 3, 4])
  })

  it('awaits promise values of a sync iterable, as for await does', async () => {
    const mapped = mapConcurrent((n: number) => n * 2)
    expect(await collect(mapped([Promise.resolve(1), 2] as unknown as number[]))).toEqual([2, 4])
  })

  it('ends at once when the source is empty', async () => {
    const fn = async (n: number) => n
    expect(await collect(mapConcurrent(fn)([]))).toEqual([])
  })

  it('runs nothing before the first next()', async () => {
    const source = tracked([1, 2, 3])
    let calls = 0
    mapConcurrent(async (n: number) => {
      calls++
      return n
    })(source)
    await ticks()
    expect(source.counts.nexts).toBe(0)
    expect(calls).toBe(0)
  })

  it('never runs more than concurrency callbacks at once', async () => {
    const p = probe()
    const mapped = mapConcurrent(
      p.wrap(async (n: number) => {
        await new Promise((resolve) => setTimeout(resolve, n % 3))
        return n
      }),
      { concurrency: 4 },
    )
    const input = Array.from({ length: 40 }, (_, i) => i)
    expect(await collect(mapped(input))).toEqual(input)
    expect(p.state.peak).toBe(4)
  })

  it(`runs ${DEFAULT_CONCURRENCY} callbacks at once by default`, async () => {
    const p = probe()
    const mapped = mapConcurrent(p.wrap((_: number, { signal }) => whenAborted(signal)))(
      Array.from({ length: 100 }, (_, i) => i),
    )
    void mapped.next()
    await ticks(200)
    expect(p.state.running).toBe(DEFAULT_CONCURRENCY)
    await mapped.return!()
  })

  it('pulls at most backpressure values ahead while the consumer pauses', async () => {
    const source = tracked(Array.from({ length: 1000 }, (_, i) => i))
    const mapped = mapConcurrent(async (n: number) => n, { concurrency: 4, backpressure: 10 })(
      source,
    )
    expect(await mapped.next()).toEqual({ done: false, value: 0 })
    await ticks(200)
    // One value taken, at most 10 more running or waiting.
    expect(source.counts.yielded).toBe(11)
    expect(await mapped.next()).toEqual({ done: false, value: 1 })
    await ticks(200)
    expect(source.counts.yielded).toBe(12)
    await mapped.return!()
  })

  it('holds the buffer bounded when the head item is slow in ordered mode', async () => {
    const source = tracked(Array.from({ length: 1000 }, (_, i) => i))
    const { release, gate } = gated()
    const p = probe()
    const mapped = mapConcurrent(
      p.wrap(async (n: number) => {
        if (n === 0) await gate(0).promise
        return n
      }),
      { concurrency: 3 },
    )(source)
    const first = mapped.next()
    await ticks(200)
    // Items 1 and 2 finished, but with backpressure 3 nothing more is pulled.
    expect(source.counts.yielded).toBe(3)
    expect(p.state.running).toBe(1)
    release(0)
    expect(await first).toEqual({ done: false, value: 0 })
    await mapped.return!()
  })

  it('rejects with the first callback error and aborts the other signals', async () => {
    const error = new Error('boom')
    const p = probe()
    const mapped = mapConcurrent(
      p.wrap(async (n: number, { signal }) => {
        if (n === 1) throw error
        await whenAborted(signal)
        return n
      }),
      { concurrency: 3 },
    )
    await expect(collect(mapped([0, 1, 2, 3]))).rejects.toBe(error)
    const others = p.state.signals.filter((_, i) => p.state.started[i] !== 1)
    expect(others.length).toBeGreaterThan(0)
    for (const signal of others) expect(signal.reason).toBe(error)
  })

  it('rejects with an error thrown synchronously by the callback', async () => {
    const error = new Error('sync')
    const mapped = mapConcurrent((n: number) => {
      if (n === 0) throw error
      return n
    })
    await expect(collect(mapped([0, 1]))).rejects.toBe(error)
  })

  it('settles the rejection only after every in-flight callback settled', async () => {
    const error = new Error('boom')
    const late = deferred()
    const go = deferred()
    let lateSettled = false
    const mapped = mapConcurrent(
      async (n: number) => {
        if (n === 0) {
          await go.promise
          throw error
        }
        await late.promise
        lateSettled = true
        return n
      },
      { concurrency: 2 },
    )([0, 1])
    const result = mapped.next()
    let rejected = false
    result.catch(() => {
      rejected = true
    })
    await ticks(50)
    go.resolve()
    await ticks(50)
    expect(rejected).toBe(false)
    late.resolve()
    await expect(result).rejects.toBe(error)
    expect(lateSettled).toBe(true)
  })

  it('closes the source once when a callback fails', async () => {
    const source = tracked([1, 2, 3, 4])
    const mapped = mapConcurrent(
      async (n: number) => {
        if (n === 2) throw new Error('fail')
        return n
      },
      { concurrency: 1 },
    )
    await expect(collect(mapped(source))).rejects.toThrow('fail')
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('does not close a source that threw, and aborts the running callbacks', async () => {
    const error = new Error('source')
    const source = tracked([1, 2], { failWith: error })
    const p = probe()
    const mapped = mapConcurrent(
      p.wrap(async (n: number, { signal }) => {
        await whenAborted(signal)
        return n
      }),
      { concurrency: 4 },
    )
    await expect(collect(mapped(source))).rejects.toBe(error)
    expect(source.counts.returns).toBe(0)
    expect(source.counts.finallies).toBe(1)
    expect(p.state.signals.every((signal) => signal.aborted)).toBe(true)
    expect(p.state.running).toBe(0)
  })

  it('ignores errors of other callbacks after the first, without unhandled rejections', async () => {
    const unhandled = await unhandledDuring(async () => {
      const mapped = mapConcurrent(
        async (n: number, { signal }) => {
          if (n === 0) throw new Error('first')
          await whenAborted(signal)
          throw new Error(`later ${n}`)
        },
        { concurrency: 4 },
      )
      await expect(collect(mapped([0, 1, 2, 3]))).rejects.toThrow('first')
    })
    expect(unhandled).toEqual([])
  })

  it('closes the source, aborts in-flight callbacks and waits for them on break', async () => {
    const source = tracked(Array.from({ length: 100 }, (_, i) => i))
    const p = probe()
    const mapped = mapConcurrent(
      p.wrap(async (n: number, { signal }) => {
        if (n > 0) await whenAborted(signal)
        return n
      }),
      { concurrency: 5 },
    )
    const timers = activeTimers()
    const unhandled = await unhandledDuring(async () => {
      for await (const n of mapped(source)) {
        expect(n).toBe(0)
        break
      }
      // return() resolved: every callback already settled.
      expect(p.state.running).toBe(0)
    })
    expect(unhandled).toEqual([])
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
    expect(p.state.signals.slice(1).every((signal) => signal.aborted)).toBe(true)
    expect(p.state.signals[0]!.aborted).toBe(false)
    expect(await timersAbove(timers)).toBe(0)
  })

  it('runs the same cleanup when the loop body throws', async () => {
    const source = tracked([1, 2, 3, 4, 5])
    const p = probe()
    const mapped = mapConcurrent(
      p.wrap(async (n: number, { signal }) => {
        if (n > 1) await whenAborted(signal)
        return n
      }),
      { concurrency: 3 },
    )
    const error = new Error('body')
    await expect(
      (async () => {
        for await (const _ of mapped(source)) throw error
      })(),
    ).rejects.toBe(error)
    expect(source.counts.returns).toBe(1)
    expect(p.state.running).toBe(0)
  })

  it('closes a source iterator without reading it when return() comes before next()', async () => {
    const source = tracked([1])
    const mapped = mapConcurrent(async (n: number) => n)(source)
    expect(await mapped.return!()).toEqual({ done: true, value: undefined })
    await expectDone(mapped)
    expect(source.counts.nexts).toBe(0)
    expect(source.counts.returns).toBe(1)
  })

  it('resolves pending next() calls with done when return() is called', async () => {
    const mapped = mapConcurrent((_: number, { signal }) => whenAborted(signal))([1])
    const pending = mapped.next()
    await ticks()
    await mapped.return!()
    expect(await pending).toEqual({ done: true, value: undefined })
  })

  it('reports a failure that happened while nobody waited on the next call', async () => {
    const error = new Error('background')
    const mapped = mapConcurrent(
      async (n: number) => {
        if (n === 1) throw error
        return n
      },
      { concurrency: 2 },
    )([0, 1])
    expect(await mapped.next()).toEqual({ done: false, value: 0 })
    await ticks()
    await expect(mapped.next()).rejects.toBe(error)
    await expectDone(mapped)
  })

  it('reports a background failure from return() rather than losing it', async () => {
    const error = new Error('background')
    const mapped = mapConcurrent(
      async (n: number) => {
        if (n === 1) throw error
        return n
      },
      { concurrency: 2 },
    )([0, 1])
    await mapped.next()
    await ticks()
    await expect(mapped.return!()).rejects.toBe(error)
  })

  it('rejects on the first next() without opening the source when the signal is already aborted', async () => {
    const reason = new Error('pre-aborted')
    const source = tracked([1])
    const mapped = mapConcurrent(async (n: number) => n, { signal: AbortSignal.abort(reason) })(
      source,
    )
    await expect(mapped.next()).rejects.toBe(reason)
    await expectDone(mapped)
    expect(source.counts.nexts).toBe(0)
  })

  it('rejects with the abort reason unchanged when the signal aborts mid-flight', async () => {
    const controller = new AbortController()
    const reason = { custom: 'reason' }
    const source = tracked(Array.from({ length: 10 }, (_, i) => i))
    const p = probe()
    const mapped = mapConcurrent(
      p.wrap((_: number, { signal }) => whenAborted(signal)),
      { concurrency: 2, signal: controller.signal },
    )(source)
    const pending = mapped.next()
    await ticks()
    expect(abortListeners(controller.signal)).toBe(1)
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
    expect(p.state.running).toBe(0)
    expect(p.state.signals.every((signal) => signal.reason === reason)).toBe(true)
    expect(source.counts.returns).toBe(1)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('removes its abort listener when the iteration completes', async () => {
    const controller = new AbortController()
    await collect(mapConcurrent(async (n: number) => n, { signal: controller.signal })([1, 2]))
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('removes its abort listener when the consumer breaks', async () => {
    const controller = new AbortController()
    for await (const _ of mapConcurrent(async (n: number) => n, { signal: controller.signal })([
      1, 2,
    ])) {
      break
    }
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('resolves concurrent next() calls in call order without skipping or repeating', async () => {
    const mapped = mapConcurrent(
      async (n: number) => {
        await new Promise((resolve) => setTimeout(resolve, (5 - n) * 2))
        return n
      },
      { concurrency: 3 },
    )([0, 1, 2, 3, 4])
    const results = await Promise.all(Array.from({ length: 7 }, () => mapped.next()))
    expect(results.map((r) => (r.done ? 'done' : r.value))).toEqual([0, 1, 2, 3, 4, 'done', 'done'])
  })

  it('resolves concurrent next() calls in call order when unordered', async () => {
    const mapped = mapConcurrent(async (n: number) => n, { concurrency: 3, ordered: false })([
      0, 1, 2,
    ])
    const results = await Promise.all([mapped.next(), mapped.next(), mapped.next(), mapped.next()])
    expect(
      results
        .filter((r) => !r.done)
        .map((r) => r.value)
        .sort(),
    ).toEqual([0, 1, 2])
    expect(results[3]).toEqual({ done: true, value: undefined })
  })

  it('closes the source when the consumer throws into the iterator', async () => {
    const source = tracked([1, 2, 3])
    const mapped = mapConcurrent(async (n: number) => n)(source)
    await mapped.next()
    const error = new Error('thrown in')
    await expect(mapped.throw!(error)).rejects.toBe(error)
    expect(source.counts.returns).toBe(1)
  })

  it.each([
    [
      { concurrency: 0 },
      RangeError,
      'Expected `concurrency` to be a positive integer or Infinity, got `0` (number)',
    ],
    [
      { concurrency: 1.5 },
      RangeError,
      'Expected `concurrency` to be a positive integer or Infinity, got `1.5` (number)',
    ],
    [
      { concurrency: '2' },
      TypeError,
      'Expected `concurrency` to be a positive integer or Infinity, got `2` (string)',
    ],
    [
      { concurrency: 4, backpressure: 2 },
      RangeError,
      'Expected `backpressure` to be at least `concurrency` (4), got `2` (number)',
    ],
    [{ ordered: 'yes' }, TypeError, 'Expected `ordered` to be a boolean, got `yes` (string)'],
    [
      { signal: {} },
      TypeError,
      'Expected `signal` to be an AbortSignal, got `[object Object]` (object)',
    ],
  ])('throws at once for the invalid options %o', (options, type, message) => {
    const create = () => mapConcurrent(async (n: number) => n, options as never)
    expect(create).toThrow(type)
    expect(create).toThrow(message)
  })

  it('throws a TypeError at once when fn is not a function', () => {
    expect(() => mapConcurrent(42 as never)).toThrow(
      new TypeError('Expected `fn` to be a function, got `42` (number)'),
    )
  })

  it('accepts Infinity as concurrency', async () => {
    const p = probe()
    const { gate, release } = gated()
    const mapped = mapConcurrent(
      p.wrap((n: number) => gate(n).promise.then(() => n)),
      {
        concurrency: Number.POSITIVE_INFINITY,
      },
    )(Array.from({ length: 50 }, (_, i) => i))
    const first = mapped.next()
    await ticks(300)
    expect(p.state.running).toBe(50)
    for (let i = 0; i < 50; i++) release(i)
    expect(await first).toEqual({ done: false, value: 0 })
    await mapped.return!()
  })
})
