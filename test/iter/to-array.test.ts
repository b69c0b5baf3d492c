import { describe, expect, it } from 'vitest'
import { map, pipe, toArray } from '../../src/iter/index.js'
import { tracked, trackedSync } from '../_helpers/tracked.js'

describe('toArray()', () => {
  it('collects every value of an async iterable in order', async () => {
    const source = tracked([1, 2, 3])
    expect(await toArray(source)).toEqual([1, 2, 3])
    expect(source.counts.returns).toBe(0)
  })

  it('collects a sync iterable, awaiting promises in it', async () => {
    const source = trackedSync([1, 2])
    expect(await toArray(source)).toEqual([1, 2])
    expect(await toArray([Promise.resolve('a'), 'b'])).toEqual(['a', 'b'])
  })

  it('resolves to an empty array when the source is empty', async () => {
    expect(await toArray([])).toEqual([])
  })

  it('works as the last step of pipe', async () => {
    expect(
      await pipe(
        [1, 2],
        map((n) => n + 1),
        toArray,
      ),
    ).toEqual([2, 3])
  })

  it('rejects with the source error', async () => {
    const boom = new Error('boom')
    await expect(toArray(tracked([1], { failWith: boom }))).rejects.toBe(boom)
  })

  it('rejects with a TypeError when the source is not iterable', async () => {
    await expect(toArray(null as never)).rejects.toThrow(
      new TypeError('Expected `source` to be an iterable or async iterable, got `null` (null)'),
    )
  })
})
