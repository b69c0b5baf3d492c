import { describe, expect, it } from 'vitest'
import { toReadableStream } from '../../src/iter/to-readable-stream.js'
import { ticks } from '../_helpers/concurrent-probe.js'
import { tracked } from '../_helpers/tracked.js'

describe('toReadableStream()', () => {
  it('streams every value of the source', async () => {
    const reader = toReadableStream(tracked([1, 2])).getReader()
    expect(await reader.read()).toEqual({ done: false, value: 1 })
    expect(await reader.read()).toEqual({ done: false, value: 2 })
    expect(await reader.read()).toEqual({ done: true, value: undefined })
  })

  it('pulls lazily, one value per read', async () => {
    const source = tracked([1, 2, 3, 4])
    const reader = toReadableStream(source).getReader()
    await ticks()
    expect(source.counts.nexts).toBe(0)
    await reader.read()
    await ticks()
    expect(source.counts.nexts).toBe(1)
    await reader.cancel()
  })

  it('calls the source return() once when the stream is cancelled', async () => {
    const source = tracked([1, 2, 3])
    const reader = toReadableStream(source).getReader()
    await reader.read()
    await reader.cancel()
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('errors the stream with the source error', async () => {
    const error = new Error('source')
    const reader = toReadableStream(tracked([], { failWith: error })).getReader()
    await expect(reader.read()).rejects.toBe(error)
  })

  it('works as a Response body', async () => {
    const bytes = ['a', 'b'].map((s) => new TextEncoder().encode(s))
    expect(await new Response(toReadableStream(bytes)).text()).toBe('ab')
  })

  it('throws a TypeError at once for a source that is not iterable', () => {
    expect(() => toReadableStream(3 as never)).toThrow(TypeError)
  })
})
