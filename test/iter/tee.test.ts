import { describe, expect, it } from 'vitest'
import { tee } from '../../src/iter/tee.js'
import { ticks } from '../_helpers/concurrent-probe.js'
import { tracked } from '../_helpers/tracked.js'

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of iterable) out.push(value)
  return out
}

describe('tee()', () => {
  it('makes two branches when no count is given, as Python does', async () => {
    const branches = tee([1, 2])
    expect(branches).toHaveLength(2)
    expect(await collect(branches[0]!)).toEqual([1, 2])
    expect(await collect(branches[1]!)).toEqual([1, 2])
  })

  it('gives every branch every value, reading the source once', async () => {
    const source = tracked([1, 2, 3])
    const [a, b] = tee(source, 2)
    expect(await collect(a!)).toEqual([1, 2, 3])
    expect(await collect(b!)).toEqual([1, 2, 3])
    expect(source.counts.yielded).toBe(3)
    expect(source.counts.returns).toBe(0)
  })

  it('lets branches be read at the same time', async () => {
    const [a, b, c] = tee(tracked([1, 2]), 3)
    const results = await Promise.all([collect(a!), collect(b!), collect(c!)])
    expect(results).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ])
  })

  it('delivers a source error to every branch at its position', async () => {
    const error = new Error('tee')
    const [a, b] = tee(tracked([1], { failWith: error }), 2)
    await expect(collect(a!)).rejects.toBe(error)
    expect(await b!.next()).toEqual({ done: false, value: 1 })
    await expect(b!.next()).rejects.toBe(error)
  })

  it('closes the source once, only when every branch returned', async () => {
    const source = tracked([1, 2, 3])
    const [a, b] = tee(source, 2)
    for await (const _ of a!) break
    expect(source.counts.returns).toBe(0)
    expect(await b!.next()).toEqual({ done: false, value: 1 })
    await b!.return!()
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('counts a branch returned before its first next() as done', async () => {
    const source = tracked([1, 2])
    const [a, b] = tee(source, 2)
    await a!.return!()
    expect(await collect(b!)).toEqual([1, 2])
    expect(source.counts.returns).toBe(0)
  })

  it('makes the leading branch wait for the slowest one at capacity', async () => {
    const source = tracked(Array.from({ length: 10 }, (_, i) => i))
    const [a, b] = tee(source, 2, { capacity: 2 })
    expect(await a!.next()).toEqual({ done: false, value: 0 })
    expect(await a!.next()).toEqual({ done: false, value: 1 })
    let third = false
    const pending = a!.next().then((result) => {
      third = true
      return result
    })
    await ticks(50)
    expect(third).toBe(false)
    expect(source.counts.yielded).toBe(2)
    expect(await b!.next()).toEqual({ done: false, value: 0 })
    expect(await pending).toEqual({ done: false, value: 2 })
    await a!.return!()
    await b!.return!()
    expect(source.counts.returns).toBe(1)
  })

  it('throws at once for an invalid count', () => {
    expect(() => tee([1], 0)).toThrow(
      new RangeError('Expected `count` to be a positive integer, got `0` (number)'),
    )
  })
})
