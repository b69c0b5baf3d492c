/**
 * Pipelines are plain `AsyncIterableIterator`s: they work with `for await`, Node streams, Web
 * streams, event sources and `aclosing`, and every one of those closes the source when it
 * stops early.
 */
import { EventEmitter, getEventListeners, once } from 'node:events'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { aclosing, withContext } from 'asyncwith/context'
import {
  filter,
  fromEvent,
  fromReadableStream,
  map,
  pipe,
  take,
  toArray,
  toReadableStream,
} from 'asyncwith/iter'
import { describe, expect, it, vi } from 'vitest'
import { tracked, unhandledDuring } from '../_helpers/tracked.js'

const numbers = (count: number) => Array.from({ length: count }, (_, i) => i)

/** A source and the pipeline over it: doubles, keeps the multiples of 4. */
function doubledEvens(count = 10) {
  const source = tracked(numbers(count))
  const pipeline = pipe(
    source,
    map((n: number) => n * 2),
    filter((n: number) => n % 4 === 0),
  )
  return { source, pipeline }
}

/** A Writable in object mode that keeps what it receives, failing on `failAt` if given. */
function collector(failAt?: { index: number; error: Error }) {
  const received: unknown[] = []
  const writable = new Writable({
    objectMode: true,
    write(chunk, _encoding, callback) {
      if (failAt !== undefined && received.length === failAt.index) {
        callback(failAt.error)
        return
      }
      received.push(chunk)
      callback()
    },
  })
  return { received, writable }
}

type ReadableStreamFrom = <T>(iterable: AsyncIterable<T> | Iterable<T>) => ReadableStream<T>
const readableStreamFrom = (ReadableStream as unknown as { from?: ReadableStreamFrom }).from

describe('a pipe() result', () => {
  it('is an AsyncIterableIterator that returns itself from Symbol.asyncIterator', () => {
    const { pipeline } = doubledEvens()
    expect(pipeline[Symbol.asyncIterator]()).toBe(pipeline)
    expect(typeof pipeline.next).toBe('function')
    expect(typeof pipeline.return).toBe('function')
  })

  it('yields its values to for await and leaves a finished source unclosed', async () => {
    const { source, pipeline } = doubledEvens()
    const values: number[] = []
    for await (const n of pipeline) values.push(n)
    expect(values).toEqual([0, 4, 8, 12, 16])
    expect(source.counts.returns).toBe(0)
    expect(source.counts.finallies).toBe(1)
  })

  it('closes the source once when for await breaks', async () => {
    const { source, pipeline } = doubledEvens()
    for await (const n of pipeline) if (n === 4) break
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })
})

describe('stream.Readable.from()', () => {
  it('streams every value of a pipeline', async () => {
    const { source, pipeline } = doubledEvens()
    const values = await Readable.from(pipeline).toArray()
    expect(values).toEqual([0, 4, 8, 12, 16])
    expect(source.counts.finallies).toBe(1)
  })

  it('closes the source once when the Readable is destroyed early', async () => {
    const { source, pipeline } = doubledEvens(1000)
    const readable = Readable.from(pipeline)
    const unhandled = await unhandledDuring(async () => {
      const [first] = await once(readable, 'data')
      expect(first).toBe(0)
      readable.destroy()
      await once(readable, 'close')
      await vi.waitFor(() => expect(source.counts.finallies).toBe(1))
    })
    expect(source.counts.returns).toBe(1)
    expect(source.counts.yielded).toBeLessThan(1000)
    expect(unhandled).toEqual([])
  })

  it('feeds a Writable through stream.pipeline()', async () => {
    const { source, pipeline: values } = doubledEvens()
    const { received, writable } = collector()
    await pipeline(Readable.from(values), writable)
    expect(received).toEqual([0, 4, 8, 12, 16])
    expect(source.counts.returns).toBe(0)
    expect(source.counts.finallies).toBe(1)
  })

  it('closes the source once when the Writable fails in stream.pipeline()', async () => {
    const { source, pipeline: values } = doubledEvens(1000)
    const error = new Error('disk full')
    const { received, writable } = collector({ index: 2, error })
    const unhandled = await unhandledDuring(async () => {
      await expect(pipeline(Readable.from(values), writable)).rejects.toBe(error)
      await vi.waitFor(() => expect(source.counts.finallies).toBe(1))
    })
    expect(received).toEqual([0, 4])
    expect(source.counts.returns).toBe(1)
    expect(unhandled).toEqual([])
  })
})

describe('ReadableStream.from()', () => {
  it.skipIf(typeof readableStreamFrom !== 'function')(
    'streams every value of a pipeline',
    async () => {
      const { source, pipeline } = doubledEvens()
      const values: number[] = []
      for await (const n of readableStreamFrom!(pipeline)) values.push(n)
      expect(values).toEqual([0, 4, 8, 12, 16])
      expect(source.counts.returns).toBe(0)
      expect(source.counts.finallies).toBe(1)
    },
  )

  it.skipIf(typeof readableStreamFrom !== 'function')(
    'closes the source once when the stream is cancelled early',
    async () => {
      const { source, pipeline } = doubledEvens(1000)
      const reader = readableStreamFrom!(pipeline).getReader()
      expect(await reader.read()).toEqual({ done: false, value: 0 })
      await reader.cancel()
      expect(source.counts.returns).toBe(1)
      expect(source.counts.finallies).toBe(1)
    },
  )
})

describe('toReadableStream() and fromReadableStream()', () => {
  it('round-trip a pipeline value for value, by identity', async () => {
    const objects = numbers(5).map((n) => ({ n }))
    const source = tracked(objects)
    const roundTrip = fromReadableStream(
      toReadableStream(
        pipe(
          source,
          map((o: { n: number }) => o),
        ),
      ),
    )
    const values = await toArray(roundTrip)
    expect(values).toHaveLength(objects.length)
    values.forEach((value, i) => {
      expect(value).toBe(objects[i])
    })
    expect(source.counts.returns).toBe(0)
    expect(source.counts.finallies).toBe(1)
  })

  it('closes the source once when the consumer breaks out of the round trip', async () => {
    const { source, pipeline } = doubledEvens(1000)
    for await (const n of fromReadableStream(toReadableStream(pipeline))) if (n === 4) break
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('closes the source once when the stream is cancelled before it ends', async () => {
    const { source, pipeline } = doubledEvens(1000)
    const reader = toReadableStream(pipeline).getReader()
    await reader.read()
    await reader.cancel()
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })
})

describe('fromEvent()', () => {
  it('removes its EventEmitter listener when a pipeline over it breaks', async () => {
    const emitter = new EventEmitter()
    const events = fromEvent<number>(emitter, 'data')
    expect(emitter.listenerCount('data')).toBe(1)
    const sender = setInterval(() => emitter.emit('data', 1), 1)
    const seen: number[] = []
    try {
      for await (const n of pipe(
        events,
        map((n: number) => n * 10),
      )) {
        seen.push(n)
        if (seen.length === 3) break
      }
    } finally {
      clearInterval(sender)
    }
    expect(seen).toEqual([10, 10, 10])
    expect(emitter.listenerCount('data')).toBe(0)
  })

  it('removes its EventTarget listener when a pipeline over it breaks', async () => {
    const target = new EventTarget()
    const events = fromEvent<Event>(target, 'ping')
    expect(getEventListeners(target, 'ping')).toHaveLength(1)
    for (let i = 0; i < 3; i++) target.dispatchEvent(new Event('ping'))
    const types: string[] = []
    for await (const event of events) {
      types.push(event.type)
      if (types.length === 2) break
    }
    expect(types).toEqual(['ping', 'ping'])
    expect(getEventListeners(target, 'ping')).toHaveLength(0)
  })

  it('removes its listener when take() ends the pipeline', async () => {
    const emitter = new EventEmitter()
    for (let i = 0; i < 5; i++) queueMicrotask(() => emitter.emit('data', i))
    const firstTwo = await pipe(fromEvent<number>(emitter, 'data'), take(2), toArray)
    expect(firstTwo).toEqual([0, 1])
    expect(emitter.listenerCount('data')).toBe(0)
  })
})

describe('aclosing()', () => {
  it('closes a pipeline that was never iterated, and with it the source', async () => {
    const { source, pipeline } = doubledEvens()
    await withContext(aclosing(pipeline), async () => {})
    expect(source.counts.nexts).toBe(0)
    expect(source.counts.returns).toBe(1)
  })

  it('closes a pipeline that was left after one value', async () => {
    const { source, pipeline } = doubledEvens()
    const first = await withContext(aclosing(pipeline), async (iterator) => iterator.next())
    expect(first).toEqual({ done: false, value: 0 })
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })
})
