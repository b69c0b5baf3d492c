import { describe, expect, it } from 'vitest'
import { map, pipe, take, toArray } from '../../src/iter/index.js'
import { operatorContract } from '../_helpers/core-contract.js'
import { tracked, trackedSync } from '../_helpers/tracked.js'

describe('take()', () => {
  it('yields the first count values', async () => {
    expect(await toArray(take(2)(tracked([1, 2, 3])))).toEqual([1, 2])
  })

  it('yields everything when the source is shorter than count', async () => {
    expect(await toArray(take(5)([1, 2]))).toEqual([1, 2])
  })

  it('yields nothing when the source is empty', async () => {
    expect(await toArray(take(3)([]))).toEqual([])
  })

  it('closes the source as soon as the last value is delivered, without pulling more', async () => {
    const source = tracked([1, 2, 3])
    const iterator = take(2)(source)
    await iterator.next()
    expect(await iterator.next()).toEqual({ value: 2, done: false })
    expect(source.counts.nexts).toBe(2)
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
    expect(source.counts.returns).toBe(1)
  })

  it('closes the source without pulling when count is 0', async () => {
    const source = tracked([1, 2])
    expect(await toArray(take(0)(source))).toEqual([])
    expect(source.counts.nexts).toBe(0)
    expect(source.counts.returns).toBe(1)
  })

  it('closes a sync iterable once count values are delivered', async () => {
    const source = trackedSync([1, 2, 3])
    expect(await toArray(take(1)(source))).toEqual([1])
    expect(source.counts.finallies).toBe(1)
  })

  it('takes everything when count is Infinity', async () => {
    expect(await toArray(take(Infinity)([1, 2, 3]))).toEqual([1, 2, 3])
  })

  it('does not call callbacks of later stages for values it does not deliver', async () => {
    const seen: number[] = []
    await pipe(
      [1, 2, 3, 4],
      take(2),
      map((n: number) => seen.push(n)),
      toArray,
    )
    expect(seen).toEqual([1, 2])
  })

  it.each([
    [-1, RangeError, '`-1` (number)'],
    [1.5, RangeError, '`1.5` (number)'],
    [Number.NaN, RangeError, '`NaN` (number)'],
    ['3', TypeError, '`3` (string)'],
  ])('throws when count is %s', (count, type, got) => {
    expect(() => take(count as number)).toThrow(
      new type(`Expected \`count\` to be a non-negative integer or Infinity, got ${got}`),
    )
  })

  operatorContract({ make: () => take(10), passing: () => undefined, hasCallback: false })
})
