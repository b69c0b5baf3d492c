import { describe, expect, it } from 'vitest'
import { concat, toArray } from '../../src/iter/index.js'
import { drain, operatorContract } from '../_helpers/core-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('concat()', () => {
  it('yields the source and then each other source in order', async () => {
    expect(await toArray(concat([3], tracked([4, 5]))(tracked([1, 2])))).toEqual([1, 2, 3, 4, 5])
  })

  it('yields only the source when given no other sources', async () => {
    expect(await toArray(concat()([1, 2]))).toEqual([1, 2])
  })

  it('yields nothing when every source is empty', async () => {
    expect(await toArray(concat([], [])([]))).toEqual([])
  })

  it('opens the next source only after the previous one finished', async () => {
    const first = tracked([1])
    const second = tracked([2])
    const iterator = concat(second)(first)
    await iterator.next()
    expect(second.counts.nexts).toBe(0)
    await iterator.next()
    expect(first.counts.finallies).toBe(1)
    expect(second.counts.nexts).toBe(1)
    await iterator.return!()
  })

  it('closes the source being read when the consumer breaks and leaves later ones alone', async () => {
    const first = tracked([1, 2])
    const second = tracked([3, 4])
    const third = tracked([5])
    for await (const value of concat(second, third)(first)) if (value === 3) break
    expect(first.counts.returns).toBe(0)
    expect(second.counts.returns).toBe(1)
    expect(second.counts.finallies).toBe(1)
    expect(third.counts.nexts + third.counts.returns).toBe(0)
  })

  it('rethrows the error of a later source without closing it', async () => {
    const boom = new Error('second')
    const second = tracked([3], { failWith: boom })
    await expect(drain(concat(second)([1]))).rejects.toBe(boom)
    expect(second.counts.returns).toBe(0)
  })

  it('throws a TypeError when another source is not iterable', () => {
    expect(() => concat([1], 2 as never)).toThrow(
      new TypeError('Expected `sources[1]` to be an iterable or async iterable, got `2` (number)'),
    )
  })

  operatorContract({ make: () => concat([9]), passing: () => undefined, hasCallback: false })
})
