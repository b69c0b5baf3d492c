import { describe, expect, it } from 'vitest'
import { buffer } from '../../src/iter/buffer.js'
import { ticks } from '../_helpers/concurrent-probe.js'
import { tracked } from '../_helpers/tracked.js'

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of iterable) out.push(value)
  return out
}

describe('buffer()', () => {
  it('yields the source values unchanged and in order', async () => {
    expect(await collect(buffer<number>(2)(tracked([1, 2, 3, 4])))).toEqual([1, 2, 3, 4])
  })

  it('reads at most size values ahead of the consumer', async () => {
    const source = tracked(Array.from({ length: 100 }, (_, i) => i))
    const buffered = buffer<number>(3)(source)
    expect(await buffered.next()).toEqual({ done: false, value: 0 })
    await ticks(100)
    expect(source.counts.yielded).toBe(4)
    await buffered.return!()
  })

  it('reads nothing before the first next()', async () => {
    const source = tracked([1])
    buffer<number>(3)(source)
    await ticks()
    expect(source.counts.nexts).toBe(0)
  })

  it('yields the values read before a source error, then rethrows it', async () => {
    const error = new Error('late')
    const source = tracked([1, 2], { failWith: error })
    const buffered = buffer<number>(5)(source)
    expect(await buffered.next()).toEqual({ done: false, value: 1 })
    expect(await buffered.next()).toEqual({ done: false, value: 2 })
    await expect(buffered.next()).rejects.toBe(error)
    expect(source.counts.returns).toBe(0)
  })

  it('closes the source once on break', async () => {
    const source = tracked([1, 2, 3, 4, 5])
    for await (const _ of buffer<number>(2)(source)) break
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it.each([0, -1, 1.5, Number.POSITIVE_INFINITY])(
    'throws a RangeError at once for size %s',
    (size) => {
      expect(() => buffer(size)).toThrow(RangeError)
    },
  )
})
