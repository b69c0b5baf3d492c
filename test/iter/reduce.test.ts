import { describe, expect, it } from 'vitest'
import { pipe, range, reduce } from '../../src/iter/index.js'
import { sinkContract } from '../_helpers/core-sink-contract.js'

describe('reduce()', () => {
  it('folds the values from an initial value', async () => {
    expect(await reduce(range(1, 5), (sum, n) => sum + n, 0)).toBe(10)
  })

  it('starts from the first value when there is no initial value', async () => {
    expect(await reduce(['a', 'b', 'c'], (acc, s) => acc + s)).toBe('abc')
  })

  it('awaits the callback when it returns a promise', async () => {
    expect(await reduce([1, 2, 3], async (acc, n) => acc * n, 1)).toBe(6)
  })

  it('resolves to the initial value when the source is empty', async () => {
    expect(await reduce([], (acc: number, n: number) => acc + n, 7)).toBe(7)
  })

  it('rejects with a TypeError when the source is empty and there is no initial value', async () => {
    await expect(reduce([], (a: number, b: number) => a + b)).rejects.toThrow(
      new TypeError('Cannot reduce an empty source without an initial value'),
    )
  })

  it('treats an explicit undefined as an initial value', async () => {
    expect(await reduce([], (a: undefined) => a, undefined)).toBeUndefined()
  })

  it('passes indexes from 0 with an initial value and from 1 without', async () => {
    const withInitial: number[] = []
    const withoutInitial: number[] = []
    await reduce([5, 6], (_a, _v, i) => withInitial.push(i), 0)
    await reduce([5, 6], (_a, _v, i) => withoutInitial.push(i))
    expect(withInitial).toEqual([0, 1])
    expect(withoutInitial).toEqual([1])
  })

  it('works at the end of pipe through an arrow', async () => {
    expect(await pipe(range(4), (it) => reduce(it, (a, b) => a + b, 0))).toBe(6)
  })

  sinkContract({ run: (source, fn) => reduce(source, fn as never, 0), reading: (acc) => acc })
})
