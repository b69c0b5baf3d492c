import { describe, expect, it } from 'vitest'
import { every } from '../../src/iter/index.js'
import { sinkContract } from '../_helpers/core-sink-contract.js'
import { tracked } from '../_helpers/tracked.js'

describe('every()', () => {
  it('resolves to false and closes the source at the first failing value', async () => {
    const source = tracked([1, 5, 2, 9])
    expect(await every(source, (n) => n < 3)).toBe(false)
    expect(source.counts.nexts).toBe(2)
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('resolves to true when every value passes', async () => {
    expect(await every([1, 2], (n) => n < 3)).toBe(true)
  })

  it('resolves to true when the source is empty', async () => {
    expect(await every([], () => false)).toBe(true)
  })

  it('awaits the predicate and passes the index', async () => {
    expect(await every(['a', 'b'], async (_, index) => index < 1)).toBe(false)
  })

  sinkContract({ run: (source, fn) => every(source, fn as never), reading: () => true })
})
