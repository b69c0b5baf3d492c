import { describe, expect, it } from 'vitest'
import { flatMap, toArray } from '../../src/iter/index.js'
import { drain, operatorContract } from '../_helpers/core-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('flatMap()', () => {
  it('yields every value of each returned array in order', async () => {
    expect(await toArray(flatMap((n: number) => [n, n * 10])(tracked([1, 2])))).toEqual([
      1, 10, 2, 20,
    ])
  })

  it('flattens async iterables and promises of iterables', async () => {
    const result = await toArray(
      flatMap(async (n: number) => (n === 1 ? tracked(['a', 'b']) : new Set(['c'])))([1, 2]),
    )
    expect(result).toEqual(['a', 'b', 'c'])
  })

  it('yields nothing when the source is empty', async () => {
    expect(await toArray(flatMap((n: number) => [n])([]))).toEqual([])
  })

  it('skips values mapped to an empty iterable', async () => {
    expect(await toArray(flatMap((n: number) => (n % 2 ? [] : [n]))([1, 2, 3, 4]))).toEqual([2, 4])
  })

  it('passes a zero-based index to the callback', async () => {
    expect(await toArray(flatMap((_: string, i: number) => [i])(['a', 'b']))).toEqual([0, 1])
  })

  it('closes the inner iterator and then the source when the consumer breaks', async () => {
    const outer = tracked([1, 2])
    const inner = tracked(['a', 'b', 'c'])
    const order: string[] = []
    for await (const value of flatMap(() => inner)(outer)) {
      order.push(String(value))
      break
    }
    expect(order).toEqual(['a'])
    expect(inner.counts.returns).toBe(1)
    expect(inner.counts.finallies).toBe(1)
    expect(outer.counts.returns).toBe(1)
    expect(outer.counts.finallies).toBe(1)
  })

  it('closes the source and rethrows when an inner iterator throws', async () => {
    const boom = new Error('inner')
    const outer = tracked([1, 2])
    const inner = tracked(['a'], { failWith: boom })
    await expect(drain(flatMap(() => inner)(outer))).rejects.toBe(boom)
    expect(inner.counts.returns).toBe(0)
    expect(outer.counts.returns).toBe(1)
  })

  it('throws a TypeError and closes the source when the callback returns a string', async () => {
    const outer = tracked([1, 2])
    await expect(drain(flatMap(() => 'ab' as never)(outer))).rejects.toThrow(
      new TypeError(
        'Expected the result of `fn` to be an iterable or async iterable (not a string), got `ab` (string)',
      ),
    )
    expect(outer.counts.returns).toBe(1)
  })

  it('throws a TypeError when the callback returns a non-iterable', async () => {
    await expect(drain(flatMap(() => 5 as never)([1]))).rejects.toThrow(TypeError)
  })

  operatorContract({
    // Wraps each callback result in an array; a non-function goes through unchanged.
    make: (fn) =>
      typeof fn === 'function'
        ? flatMap((n: number, i) => {
            const result = fn(n, i)
            return result instanceof Promise ? result.then((value) => [value]) : [result]
          })
        : flatMap(fn),
    passing: (n) => n,
    hasCallback: true,
  })
})
