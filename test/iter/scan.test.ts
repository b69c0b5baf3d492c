import { describe, expect, it } from 'vitest'
import { scan, toArray } from '../../src/iter/index.js'
import { operatorContract } from '../_helpers/core-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('scan()', () => {
  it('yields the running accumulation from an initial value', async () => {
    expect(
      await toArray(scan((sum: number, n: number) => sum + n, 10)(tracked([1, 2, 3]))),
    ).toEqual([11, 13, 16])
  })

  it('starts from the first value when there is no initial value', async () => {
    expect(await toArray(scan((sum: number, n: number) => sum + n)([1, 2, 3]))).toEqual([1, 3, 6])
  })

  it('treats an explicit undefined as an initial value', async () => {
    const result = await toArray(
      scan((acc: unknown[] | undefined, n: number) => [...(acc ?? []), n], undefined)([1, 2]),
    )
    expect(result).toEqual([[1], [1, 2]])
  })

  it('awaits the callback when it returns a promise', async () => {
    expect(await toArray(scan(async (sum: number, n: number) => sum + n, 0)([1, 2]))).toEqual([
      1, 3,
    ])
  })

  it('yields nothing when the source is empty', async () => {
    expect(await toArray(scan((a: number, b: number) => a + b, 0)([]))).toEqual([])
  })

  it('passes indexes from 0 with an initial value and from 1 without', async () => {
    const withInitial: number[] = []
    const withoutInitial: number[] = []
    const record = (log: number[]) => (acc: number, _value: number, index: number) => {
      log.push(index)
      return acc
    }
    await toArray(scan(record(withInitial), 0)([5, 6]))
    await toArray(scan(record(withoutInitial))([5, 6]))
    expect(withInitial).toEqual([0, 1])
    expect(withoutInitial).toEqual([1])
  })

  operatorContract({ make: (fn) => scan(fn, 0), passing: (_acc, n) => n, hasCallback: true })
})
