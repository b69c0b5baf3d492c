import { describe, expect, it } from 'vitest'
import { some } from '../../src/iter/index.js'
import { sinkContract } from '../_helpers/core-sink-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('some()', () => {
  it('resolves to true and closes the source at the first passing value', async () => {
    const source = tracked([1, 5, 2, 9])
    expect(await some(source, (n) => n > 3)).toBe(true)
    expect(source.counts.nexts).toBe(2)
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('resolves to false when no value passes', async () => {
    expect(await some([1, 2], (n) => n > 3)).toBe(false)
  })

  it('resolves to false when the source is empty', async () => {
    expect(await some([], () => true)).toBe(false)
  })

  it('awaits the predicate and passes the index', async () => {
    expect(await some(['a', 'b'], async (_, index) => index === 1)).toBe(true)
  })

  sinkContract({ run: (source, fn) => some(source, fn as never), reading: () => false })
})
