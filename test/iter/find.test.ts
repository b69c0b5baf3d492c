import { describe, expect, it } from 'vitest'
import { find } from '../../src/iter/index.js'
import { sinkContract } from '../_helpers/core-sink-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('find()', () => {
  it('resolves to the first passing value and closes the source', async () => {
    const source = tracked([1, 5, 7])
    expect(await find(source, (n) => n > 3)).toBe(5)
    expect(source.counts.nexts).toBe(2)
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('resolves to undefined when no value passes', async () => {
    expect(await find([1, 2], (n) => n > 3)).toBeUndefined()
  })

  it('resolves to undefined when the source is empty', async () => {
    expect(await find([], () => true)).toBeUndefined()
  })

  it('awaits the predicate and passes the index', async () => {
    expect(await find(['a', 'b'], async (_, index) => index === 1)).toBe('b')
  })

  sinkContract({ run: (source, fn) => find(source, fn as never), reading: () => false })
})
