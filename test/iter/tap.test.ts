import { describe, expect, it } from 'vitest'
import { tap, toArray } from '../../src/iter/index.js'
import { operatorContract } from '../_helpers/core-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('tap()', () => {
  it('calls the callback with each value and yields values unchanged', async () => {
    const seen: number[] = []
    const result = await toArray(tap((n: number) => seen.push(n * 10))(tracked([1, 2])))
    expect(result).toEqual([1, 2])
    expect(seen).toEqual([10, 20])
  })

  it('waits for the callback when it returns a promise', async () => {
    const order: string[] = []
    const iterator = tap(async (n: number) => {
      await new Promise((resolve) => setTimeout(resolve, 1))
      order.push(`tapped ${n}`)
    })([1])
    const first = await iterator.next()
    order.push(`got ${first.value}`)
    expect(order).toEqual(['tapped 1', 'got 1'])
  })

  it('yields nothing when the source is empty', async () => {
    expect(await toArray(tap(() => {})([]))).toEqual([])
  })

  it('passes a zero-based index to the callback', async () => {
    const indexes: number[] = []
    await toArray(tap((_: string, i: number) => indexes.push(i))(['a', 'b']))
    expect(indexes).toEqual([0, 1])
  })

  operatorContract({ make: (fn) => tap(fn), passing: () => undefined, hasCallback: true })
})
