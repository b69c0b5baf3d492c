import { describe, expect, it } from 'vitest'
import { drop, toArray } from '../../src/iter/index.js'
import { operatorContract } from '../_helpers/core-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('drop()', () => {
  it('skips the first count values', async () => {
    expect(await toArray(drop(2)(tracked([1, 2, 3, 4])))).toEqual([3, 4])
  })

  it('yields nothing when the source is shorter than count', async () => {
    expect(await toArray(drop(5)([1, 2]))).toEqual([])
  })

  it('yields nothing when the source is empty', async () => {
    expect(await toArray(drop(1)([]))).toEqual([])
  })

  it('yields everything when count is 0', async () => {
    expect(await toArray(drop(0)([1, 2]))).toEqual([1, 2])
  })

  it('skips everything when count is Infinity', async () => {
    const source = tracked([1, 2, 3])
    expect(await toArray(drop(Infinity)(source))).toEqual([])
    expect(source.counts.nexts).toBe(4)
  })

  it.each([
    [-1, RangeError],
    [0.5, RangeError],
    [null, TypeError],
  ])('throws when count is %s', (count, type) => {
    expect(() => drop(count as number)).toThrow(type)
  })

  operatorContract({ make: () => drop(0), passing: () => undefined, hasCallback: false })
})
