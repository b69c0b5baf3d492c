import { describe, expect, it } from 'vitest'
import { filter, toArray } from '../../src/iter/index.js'
import { operatorContract } from '../_helpers/core-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('filter()', () => {
  it('keeps the values whose predicate is truthy', async () => {
    expect(await toArray(filter((n: number) => n % 2 === 1)(tracked([1, 2, 3])))).toEqual([1, 3])
  })

  it('awaits the predicate when it returns a promise', async () => {
    expect(await toArray(filter(async (n: number) => n > 1)([1, 2, 3]))).toEqual([2, 3])
  })

  it('yields nothing when the source is empty', async () => {
    expect(await toArray(filter(() => true)([]))).toEqual([])
  })

  it('yields nothing when no value passes', async () => {
    expect(await toArray(filter(() => 0)([1, 2]))).toEqual([])
  })

  it('passes the index of every value seen, not only of the kept ones', async () => {
    const indexes: number[] = []
    await toArray(
      filter((_: string, index: number) => {
        indexes.push(index)
        return index % 2 === 0
      })(['a', 'b', 'c']),
    )
    expect(indexes).toEqual([0, 1, 2])
  })

  operatorContract({ make: (fn) => filter(fn), passing: () => true, hasCallback: true })
})
