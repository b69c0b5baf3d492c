import { describe, expect, it } from 'vitest'
import { merge } from '../../src/iter/merge.js'
import { deferred } from '../_helpers/concurrent-probe.js'
import { tracked, unhandledDuring } from '../_helpers/tracked.js'

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of iterable) out.push(value)
  return out
}

describe('merge()', () => {
  it('yields every value of every source', async () => {
    const out = await collect(merge([1, 2], tracked(['a', 'b']), [3]))
    expect(out.sort()).toEqual([1, 2, 3, 'a', 'b'])
  })

  it('yields values in arrival order', async () => {
    const gate = deferred()
    async function* slow() {
      await gate.promise
      yield 'slow'
    }
    async function* fast() {
      yield 'fast'
    }
    const merged = merge(slow(), fast())
    expect(await merged.next()).toEqual({ done: false, value: 'fast' })
    gate.resolve()
    expect(await merged.next()).toEqual({ done: false, value: 'slow' })
    expect((await merged.next()).done).toBe(true)
  })

  it('ends at once with no sources', async () => {
    expect(await collect(merge())).toEqual([])
  })

  it('keeps at most one value per source waiting', async () => {
    const source = tracked(Array.from({ length: 100 }, (_, i) => i))
    const merged = merge(source)
    await merged.next()
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(source.counts.nexts).toBeLessThanOrEqual(2)
    await merged.return!()
  })

  it('closes the other sources and rethrows when one source throws', async () => {
    const error = new Error('bad')
    const good = tracked([1, 2, 3], { slow: true })
    const bad = tracked([], { failWith: error })
    await expect(collect(merge(good, bad))).rejects.toBe(error)
    expect(good.counts.returns).toBe(1)
    expect(good.counts.finallies).toBe(1)
    expect(bad.counts.returns).toBe(0)
  })

  it('closes every unfinished source once on break', async () => {
    const a = tracked([1, 2, 3])
    const b = tracked([4, 5, 6])
    const unhandled = await unhandledDuring(async () => {
      for await (const _ of merge(a, b)) break
    })
    expect(unhandled).toEqual([])
    expect(a.counts.returns).toBe(1)
    expect(b.counts.returns).toBe(1)
    expect(a.counts.finallies).toBe(1)
    expect(b.counts.finallies).toBe(1)
  })

  it('does not close a source that already finished', async () => {
    const short = tracked([1])
    const long = tracked([2, 3, 4], { slow: true })
    const merged = merge(short, long)
    const seen: number[] = []
    for await (const value of merged) {
      seen.push(value)
      if (seen.length === 3) break
    }
    expect(short.counts.returns).toBe(0)
    expect(long.counts.returns).toBe(1)
  })

  it('throws a TypeError at once for a source that is not iterable', () => {
    expect(() => merge([1], 5 as never)).toThrow(
      new TypeError('Expected `sources[1]` to be an iterable or async iterable, got `5` (number)'),
    )
  })
})
