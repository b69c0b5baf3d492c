import { describe, expect, it } from 'vitest'
import { flatten, map, toArray } from '../../src/iter/index.js'
import { drain, operatorContract } from '../_helpers/core-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('flatten()', () => {
  it('yields the values of each iterable in order', async () => {
    expect(await toArray(flatten<number>()(tracked([[1, 2], [], [3]])))).toEqual([1, 2, 3])
  })

  it('flattens async iterables', async () => {
    expect(await toArray(flatten<number>()([tracked([1]), tracked([2])]))).toEqual([1, 2])
  })

  it('yields nothing when the source is empty', async () => {
    expect(await toArray(flatten<number>()([]))).toEqual([])
  })

  it('closes the inner iterator and the source when the consumer breaks', async () => {
    const inner = tracked([1, 2])
    const outer = tracked([inner])
    for await (const _ of flatten<number>()(outer)) break
    expect(inner.counts.returns).toBe(1)
    expect(outer.counts.returns).toBe(1)
  })

  it('throws a TypeError when a value is not iterable', async () => {
    const outer = tracked([[1], 2] as never[])
    await expect(drain(flatten()(outer))).rejects.toThrow(
      new TypeError(
        'Expected each value to be an iterable or async iterable (not a string), got `2` (number)',
      ),
    )
    expect(outer.counts.returns).toBe(1)
  })

  operatorContract({
    make: () => (source) => flatten<number>()(map((value: number) => [value])(source)),
    passing: () => undefined,
    hasCallback: false,
  })
})
