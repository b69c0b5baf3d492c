import { describe, expect, it } from 'vitest'
import { flatMapConcurrent } from '../../src/iter/flat-map-concurrent.js'
import { abortListeners, deferred, ticks, whenAborted } from '../_helpers/concurrent-probe.js'
import { tracked, unhandledDuring } from '../_helpers/tracked.js'

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of iterable) out.push(value)
  return out
}

describe('flatMapConcurrent()', () => {
  it('concatenates the inner iterables in input order when ordered', async () => {
    const op = flatMapConcurrent(
      async function* (n: number) {
        await new Promise((resolve) => setTimeout(resolve, (3 - n) * 3))
        yield n
        yield n * 10
      },
      { concurrency: 3 },
    )
    expect(await collect(op([1, 2, 3]))).toEqual([1, 10, 2, 20, 3, 30])
  })

  it('interleaves inner items as they arrive when unordered', async () => {
    const gate = deferred()
    const op = flatMapConcurrent(
      async function* (n: number) {
        if (n === 0) await gate.promise
        yield n
      },
      { concurrency: 2, ordered: false },
    )([0, 1])
    expect(await op.next()).toEqual({ done: false, value: 1 })
    gate.resolve()
    expect(await op.next()).toEqual({ done: false, value: 0 })
    expect((await op.next()).done).toBe(true)
  })

  it('accepts callbacks that return arrays or promises of arrays', async () => {
    const op = flatMapConcurrent((n: number) => (n % 2 ? [n] : Promise.resolve([n, n])))
    expect(await collect(op([1, 2, 3]))).toEqual([1, 2, 2, 3])
  })

  it('never runs more than concurrency inner iterables at once', async () => {
    let running = 0
    let peak = 0
    const op = flatMapConcurrent(
      async function* (n: number) {
        running++
        peak = Math.max(peak, running)
        try {
          await new Promise((resolve) => setTimeout(resolve, 1))
          yield n
        } finally {
          running--
        }
      },
      { concurrency: 2 },
    )
    expect(await collect(op([1, 2, 3, 4, 5]))).toEqual([1, 2, 3, 4, 5])
    expect(peak).toBe(2)
  })

  it('rejects with an inner error, aborts the other lanes and closes everything', async () => {
    const error = new Error('inner')
    const source = tracked([0, 1, 2, 3])
    const signals: AbortSignal[] = []
    const op = flatMapConcurrent(
      async function* (n: number, { signal }) {
        signals.push(signal)
        if (n === 1) throw error
        await whenAborted(signal)
        yield n
      },
      { concurrency: 3 },
    )
    await expect(collect(op(source))).rejects.toBe(error)
    expect(source.counts.returns).toBe(1)
    expect(signals.filter((_, i) => i !== 1).every((signal) => signal.aborted)).toBe(true)
  })

  it('closes every open inner iterable and the source once on break', async () => {
    const source = tracked([1, 2, 3])
    const inners = [tracked([1, 2, 3]), tracked([4, 5, 6]), tracked([7, 8, 9])]
    const op = flatMapConcurrent((n: number) => inners[n - 1]!, { concurrency: 3 })
    const unhandled = await unhandledDuring(async () => {
      for await (const value of op(source)) {
        expect(value).toBe(1)
        break
      }
    })
    expect(unhandled).toEqual([])
    expect(source.counts.returns).toBe(1)
    for (const inner of inners) expect(inner.counts.returns).toBeLessThanOrEqual(1)
    expect(inners[0]!.counts.returns).toBe(1)
    for (const inner of inners) expect(inner.counts.finallies).toBe(inner.counts.nexts > 0 ? 1 : 0)
  })

  it('does not close a source that threw', async () => {
    const error = new Error('source')
    const source = tracked([1], { failWith: error })
    const op = flatMapConcurrent((n: number) => [n])
    await expect(collect(op(source))).rejects.toBe(error)
    expect(source.counts.returns).toBe(0)
  })

  it('rejects with the abort reason and removes its listener', async () => {
    const controller = new AbortController()
    const reason = new Error('stop')
    const op = flatMapConcurrent(
      async function* (_: number, { signal }) {
        await whenAborted(signal)
        yield 1
      },
      { signal: controller.signal },
    )([1, 2])
    const pending = op.next()
    await ticks()
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('rejects on the first next() when the signal is already aborted', async () => {
    const source = tracked([1])
    const reason = new Error('early')
    const op = flatMapConcurrent((n: number) => [n], { signal: AbortSignal.abort(reason) })
    await expect(op(source).next()).rejects.toBe(reason)
    expect(source.counts.nexts).toBe(0)
  })

  it('throws a RangeError at once for an invalid concurrency', () => {
    expect(() => flatMapConcurrent((n: number) => [n], { concurrency: 0 })).toThrow(
      new RangeError(
        'Expected `concurrency` to be a positive integer or Infinity, got `0` (number)',
      ),
    )
  })

  it('reads at most backpressure items ahead per inner iterable when ordered', async () => {
    const gate = deferred()
    const inners = [tracked([0]), tracked(Array.from({ length: 100 }, (_, i) => i))]
    const op = flatMapConcurrent(
      async (n: number) => {
        if (n === 0) await gate.promise
        return inners[n]!
      },
      { concurrency: 2, backpressure: 3 },
    )([0, 1])
    const first = op.next()
    await ticks(100)
    expect(inners[1]!.counts.yielded).toBe(3)
    gate.resolve()
    expect(await first).toEqual({ done: false, value: 0 })
    await op.return!()
    expect(inners[1]!.counts.returns).toBe(1)
  })

  it('waits for a pending callback to settle before return() resolves', async () => {
    let settled = false
    const op = flatMapConcurrent(
      async (n: number, { signal }) => {
        if (n === 1) {
          await whenAborted(signal)
          await ticks(5)
          settled = true
        }
        return [n]
      },
      { concurrency: 2 },
    )
    for await (const _ of op([0, 1])) break
    expect(settled).toBe(true)
  })

  it('aborts the signal of a lane before its inner iterable is closed, so its cleanup sees it', async () => {
    const seen: boolean[] = []
    const op = flatMapConcurrent(
      async (n: number, context) =>
        (async function* () {
          try {
            for (let i = 0; ; i++) yield n * 100 + i // never ends by itself
          } finally {
            seen.push(context.signal.aborted)
          }
        })(),
      { concurrency: 2 },
    )
    for await (const _ of op([1, 2])) break
    expect(seen).toEqual([true, true])
  })

  it('gives a signal read only after the consumer stopped already aborted, with an AbortError', async () => {
    let kept: { readonly signal: AbortSignal } | undefined
    const op = flatMapConcurrent(
      async (n: number, context) => {
        if (n === 1) kept = context
        return (async function* () {
          for (let i = 0; ; i++) yield n * 100 + i // never ends by itself
        })()
      },
      { concurrency: 2 },
    )
    for await (const _ of op([0, 1])) break
    expect(kept!.signal.aborted).toBe(true)
    expect((kept!.signal.reason as Error).name).toBe('AbortError')
  })

  it('never aborts the signal of a lane that already finished, even when read late', async () => {
    const contexts: Array<{ readonly signal: AbortSignal }> = []
    const op = flatMapConcurrent(
      async (n: number, context) => {
        contexts.push(context)
        return [n]
      },
      { concurrency: 1 },
    )
    const iterator = op([0, 1, 2])
    expect(await iterator.next()).toEqual({ done: false, value: 0 })
    expect(await iterator.next()).toEqual({ done: false, value: 1 })
    await iterator.return!()
    expect(contexts[0]!.signal.aborted).toBe(false)
  })
})
