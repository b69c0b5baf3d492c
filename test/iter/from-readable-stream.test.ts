import { describe, expect, it } from 'vitest'
import { fromReadableStream } from '../../src/iter/from-readable-stream.js'
import { deferred, ticks } from '../_helpers/concurrent-probe.js'

function countingStream(chunks: number[], endless = false) {
  const state = { cancelled: 0, pulls: 0 }
  let index = 0
  const stream = new ReadableStream<number>(
    {
      pull(controller) {
        state.pulls++
        if (index < chunks.length) controller.enqueue(chunks[index++]!)
        else if (!endless) controller.close()
        else return new Promise(() => {})
      },
      cancel() {
        state.cancelled++
      },
    },
    { highWaterMark: 0 },
  )
  return { stream, state }
}

describe('fromReadableStream()', () => {
  it('yields every chunk and releases the lock at the end', async () => {
    const { stream } = countingStream([1, 2])
    const out: number[] = []
    for await (const chunk of fromReadableStream(stream)) out.push(chunk)
    expect(out).toEqual([1, 2])
    expect(stream.locked).toBe(false)
  })

  it('cancels the stream and releases the lock on break', async () => {
    const { stream, state } = countingStream([1, 2, 3])
    for await (const _ of fromReadableStream(stream)) break
    expect(state.cancelled).toBe(1)
    expect(stream.locked).toBe(false)
  })

  it('settles a pending read with done when return() cancels', async () => {
    const { stream, state } = countingStream([], true)
    const iterator = fromReadableStream(stream)
    const pending = iterator.next()
    await ticks()
    await iterator.return!()
    expect(await pending).toEqual({ done: true, value: undefined })
    expect(state.cancelled).toBe(1)
    expect(stream.locked).toBe(false)
  })

  it('releases the lock without cancelling when preventCancel is set', async () => {
    const { stream, state } = countingStream([1, 2, 3])
    for await (const _ of fromReadableStream(stream, { preventCancel: true })) break
    expect(state.cancelled).toBe(0)
    expect(stream.locked).toBe(false)
  })

  it('rethrows a stream error and releases the lock', async () => {
    const error = new Error('stream')
    const stream = new ReadableStream({
      pull(controller) {
        controller.error(error)
      },
    })
    const iterator = fromReadableStream(stream)
    await expect(iterator.next()).rejects.toBe(error)
    expect(stream.locked).toBe(false)
  })

  it('does not lock the stream before the first next()', async () => {
    const { stream } = countingStream([1])
    const iterator = fromReadableStream(stream)
    expect(stream.locked).toBe(false)
    await iterator.return!()
    expect(stream.locked).toBe(false)
  })

  it('resolves concurrent next() calls in call order', async () => {
    const gate = deferred()
    let n = 0
    const stream = new ReadableStream<number>(
      {
        async pull(controller) {
          await gate.promise
          controller.enqueue(n++)
        },
      },
      { highWaterMark: 0 },
    )
    const iterator = fromReadableStream(stream)
    const pending = [iterator.next(), iterator.next()]
    gate.resolve()
    expect(await Promise.all(pending)).toEqual([
      { done: false, value: 0 },
      { done: false, value: 1 },
    ])
    await iterator.return!()
  })

  it('throws a TypeError at once for something that is not a stream', () => {
    expect(() => fromReadableStream({} as never)).toThrow(TypeError)
  })
})
