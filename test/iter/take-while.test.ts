import { describe, expect, it } from 'vitest'
import { takeWhile, toArray } from '../../src/iter/index.js'
import { operatorContract } from '../_helpers/core-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('takeWhile()', () => {
  it('yields values while the predicate holds', async () => {
    expect(await toArray(takeWhile((n: number) => n < 3)(tracked([1, 2, 3, 1])))).toEqual([1, 2])
  })

  it('closes the source at the first failing value', async () => {
    const source = tracked([1, 5, 2, 3])
    expect(await toArray(takeWhile((n: number) => n < 3)(source))).toEqual([1])
    expect(source.counts.nexts).toBe(2)
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('awaits the predicate when it returns a promise', async () => {
    expect(await toArray(takeWhile(async (n: number) => n < 2)([1, 2, 3]))).toEqual([1])
  })

  it('yields nothing when the source is empty', async () => {
    expect(await toArray(takeWhile(() => true)([]))).toEqual([])
  })

  it('passes a zero-based index to the predicate', async () => {
    expect(
      await toArray(takeWhile((_: string, index: number) => index < 2)(['a', 'b', 'c'])),
    ).toEqual(['a', 'b'])
  })

  operatorContract({ make: (fn) => takeWhile(fn), passing: () => true, hasCallback: true })
})
