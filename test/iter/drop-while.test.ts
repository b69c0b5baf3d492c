import { describe, expect, it } from 'vitest'
import { dropWhile, toArray } from '../../src/iter/index.js'
import { operatorContract } from '../_helpers/core-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('dropWhile()', () => {
  it('skips values while the predicate holds, then yields the rest', async () => {
    expect(await toArray(dropWhile((n: number) => n < 3)(tracked([1, 2, 3, 1])))).toEqual([3, 1])
  })

  it('stops calling the predicate once a value fails it', async () => {
    let calls = 0
    const result = await toArray(
      dropWhile((n: number) => {
        calls++
        return n < 2
      })([1, 2, 1, 0]),
    )
    expect(result).toEqual([2, 1, 0])
    expect(calls).toBe(2)
  })

  it('awaits the predicate when it returns a promise', async () => {
    expect(await toArray(dropWhile(async (n: number) => n < 2)([1, 2, 3]))).toEqual([2, 3])
  })

  it('yields nothing when the source is empty', async () => {
    expect(await toArray(dropWhile(() => false)([]))).toEqual([])
  })

  it('passes a zero-based index to the predicate', async () => {
    expect(await toArray(dropWhile((_: string, index: number) => index < 1)(['a', 'b']))).toEqual([
      'b',
    ])
  })

  operatorContract({
    make: (fn) => dropWhile(fn),
    passing: () => false,
    hasCallback: true,
  })
})
