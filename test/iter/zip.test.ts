import { describe, expect, it } from 'vitest'
import { zip } from '../../src/iter/zip.js'
import { tracked } from '../_helpers/tracked.js'

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of iterable) out.push(value)
  return out
}

describe('zip()', () => {
  it('yields tuples of one value from each source', async () => {
    expect(await collect(zip([1, 2], tracked(['a', 'b'])))).toEqual([
      [1, 'a'],
      [2, 'b'],
    ])
  })

  it('stops at the shortest source and closes the others', async () => {
    const long = tracked([1, 2, 3, 4])
    const short = tracked(['a'])
    expect(await collect(zip(long, short))).toEqual([[1, 'a']])
    expect(long.counts.returns).toBe(1)
    expect(long.counts.finallies).toBe(1)
    expect(short.counts.returns).toBe(0)
  })

  it('ends at once with no sources', async () => {
    expect(await collect(zip())).toEqual([])
  })

  it('rethrows a source error after closing the other sources', async () => {
    const error = new Error('zip')
    const good = tracked([1, 2, 3])
    const bad = tracked([1], { failWith: error })
    await expect(collect(zip(good, bad))).rejects.toBe(error)
    expect(good.counts.returns).toBe(1)
    expect(bad.counts.returns).toBe(0)
  })

  it('closes every source once on break', async () => {
    const a = tracked([1, 2, 3])
    const b = tracked([4, 5, 6])
    for await (const _ of zip(a, b)) break
    expect(a.counts.returns).toBe(1)
    expect(b.counts.returns).toBe(1)
  })

  it('throws a TypeError at once for a source that is not iterable', () => {
    expect(() => zip([1], null as never)).toThrow(TypeError)
  })
})
