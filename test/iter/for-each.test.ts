import { describe, expect, it } from 'vitest'
import { forEach, map, pipe } from '../../src/iter/index.js'
import { sinkContract } from '../_helpers/core-sink-contract.js'

describe('forEach()', () => {
  it('calls the callback with each value and its index', async () => {
    const seen: string[] = []
    await forEach(['a', 'b'], (value, index) => {
      seen.push(`${index}:${value}`)
    })
    expect(seen).toEqual(['0:a', '1:b'])
  })

  it('waits for each async callback before the next value', async () => {
    const order: string[] = []
    await forEach([1, 2], async (n) => {
      order.push(`start ${n}`)
      await new Promise((resolve) => setTimeout(resolve, 1))
      order.push(`end ${n}`)
    })
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2'])
  })

  it('never calls the callback when the source is empty', async () => {
    let calls = 0
    await forEach([], () => calls++)
    expect(calls).toBe(0)
  })

  it('works at the end of pipe through an arrow', async () => {
    const seen: number[] = []
    await pipe(
      [1, 2],
      map((n) => n * 3),
      (it) => forEach(it, (n) => seen.push(n)),
    )
    expect(seen).toEqual([3, 6])
  })

  sinkContract({ run: (source, fn) => forEach(source, fn as never), reading: () => undefined })
})
