import { describe, expect, it } from 'vitest'
import { map, pipe, toArray } from '../../src/iter/index.js'
import { drain, operatorContract } from '../_helpers/core-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('map()', () => {
  it('transforms each value when the callback is synchronous', async () => {
    expect(await toArray(map((n: number) => n * 2)(tracked([1, 2, 3])))).toEqual([2, 4, 6])
  })

  it('awaits the callback when it returns a promise', async () => {
    expect(await toArray(map(async (n: number) => n + 1)([1, 2]))).toEqual([2, 3])
  })

  it('yields nothing when the source is empty', async () => {
    expect(await toArray(map((n: number) => n)([]))).toEqual([])
  })

  it('awaits promises in a sync iterable as for await does', async () => {
    expect(
      await toArray(map((n: number) => n * 10)([Promise.resolve(1), 2] as unknown as number[])),
    ).toEqual([10, 20])
  })

  it('passes a zero-based index to the callback', async () => {
    expect(await toArray(map((_: string, index: number) => index)(['a', 'b', 'c']))).toEqual([
      0, 1, 2,
    ])
  })

  it('counts the index per stage when stages are fused', async () => {
    const result = await pipe(
      ['a', 'b', 'c'],
      map((v: string, i) => `${v}${i}`),
      map((v, i) => `${v}${i}`),
      toArray,
    )
    expect(result).toEqual(['a00', 'b11', 'c22'])
  })

  it('leaves the source open when asked for one value only', async () => {
    const source = tracked([1, 2, 3])
    const iterator = map((n: number) => n)(source)
    await iterator.next()
    expect(source.counts.nexts).toBe(1)
    expect(source.counts.returns).toBe(0)
    await iterator.return!()
    expect(source.counts.returns).toBe(1)
  })

  it('rejects a mapped value from an async source without awaiting it twice', async () => {
    const error = new Error('late')
    const values = map(() => Promise.reject(error))(tracked([1]))
    await expect(drain(values)).rejects.toBe(error)
  })

  operatorContract({ make: (fn) => map(fn), passing: (n) => n, hasCallback: true })
})
