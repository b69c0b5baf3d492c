import { describe, expect, it } from 'vitest'
import {
  ClosedError,
  isClosedError,
  isWouldBlockError,
  WouldBlockError,
} from '../../src/task/errors.js'
import { Queue } from '../../src/task/queue.js'
import { abortListeners, ticks } from '../_helpers/concurrent-probe.js'
import { activeTimers, timersAbove, unhandledDuring } from '../_helpers/tracked.js'

/** Follows a promise without awaiting it: `state()` tells whether it settled yet. */
function watch<T>(promise: Promise<T>) {
  let status: 'pending' | 'fulfilled' | 'rejected' = 'pending'
  let value: T | undefined
  let reason: unknown
  promise.then(
    (result) => {
      status = 'fulfilled'
      value = result
    },
    (error: unknown) => {
      status = 'rejected'
      reason = error
    },
  )
  return {
    get status() {
      return status
    },
    get value() {
      return value
    },
    get reason() {
      return reason
    },
  }
}

function drainNowait<T>(queue: Queue<T>): T[] {
  const out: T[] = []
  while (queue.size > 0 || queue.statistics().waitingPutters > 0) out.push(queue.getNowait())
  return out
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of iterable) out.push(value)
  return out
}

describe('Queue', () => {
  describe('constructor', () => {
    it('defaults to an unbounded capacity', () => {
      const queue = new Queue<number>()
      expect(queue.capacity).toBe(Infinity)
      for (let i = 0; i < 1000; i++) queue.putNowait(i)
      expect(queue.size).toBe(1000)
    })

    it.each([0, 1, 7, Infinity])('accepts a capacity of %s', (capacity) => {
      expect(new Queue(capacity).capacity).toBe(capacity)
    })

    it.each([
      [-1, RangeError, '`-1` (number)'],
      [1.5, RangeError, '`1.5` (number)'],
      [Number.NaN, RangeError, '`NaN` (number)'],
      [-Infinity, RangeError, '`-Infinity` (number)'],
      ['2', TypeError, '`2` (string)'],
      [null, TypeError, '`null` (null)'],
      [2n, TypeError, '`2` (bigint)'],
    ])('throws for a capacity of %s', (capacity, ErrorClass, shown) => {
      expect(() => new Queue(capacity as number)).toThrow(ErrorClass)
      expect(() => new Queue(capacity as number)).toThrow(
        `Expected \`capacity\` to be a non-negative integer or Infinity, got ${shown}`,
      )
    })
  })

  describe('put() and get()', () => {
    it('hands items out in the order they were put', async () => {
      const queue = new Queue<string>()
      await queue.put('a')
      await queue.put('b')
      queue.putNowait('c')
      expect([await queue.get(), await queue.get(), queue.getNowait()]).toEqual(['a', 'b', 'c'])
    })

    it('makes put wait while the queue is full', async () => {
      const queue = new Queue<number>(2)
      await queue.put(0)
      await queue.put(1)
      const third = watch(queue.put(2))
      await ticks()
      expect(third.status).toBe('pending')
      expect(queue.statistics()).toMatchObject({ size: 2, waitingPutters: 1 })
      expect(await queue.get()).toBe(0)
      await ticks()
      expect(third.status).toBe('fulfilled')
      expect(queue.statistics()).toMatchObject({ size: 2, waitingPutters: 0 })
      expect(drainNowait(queue)).toEqual([1, 2])
    })

    it('resumes exactly one waiting putter per get, oldest first', async () => {
      const queue = new Queue<string>(1)
      queue.putNowait('a')
      const putters = ['b', 'c', 'd'].map((item) => watch(queue.put(item)))
      await ticks()
      expect(putters.map((p) => p.status)).toEqual(['pending', 'pending', 'pending'])
      expect(queue.getNowait()).toBe('a')
      await ticks()
      expect(putters.map((p) => p.status)).toEqual(['fulfilled', 'pending', 'pending'])
      expect(queue.size).toBe(1)
      expect(await queue.get()).toBe('b')
      await ticks()
      expect(putters.map((p) => p.status)).toEqual(['fulfilled', 'fulfilled', 'pending'])
      expect([await queue.get(), await queue.get()]).toEqual(['c', 'd'])
      await ticks()
      expect(putters.map((p) => p.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled'])
      expect(queue.size).toBe(0)
    })

    it('makes get wait while the queue is empty', async () => {
      const queue = new Queue<number>()
      const getter = watch(queue.get())
      await ticks()
      expect(getter.status).toBe('pending')
      expect(queue.statistics().waitingGetters).toBe(1)
      queue.putNowait(5)
      await ticks()
      expect(getter).toMatchObject({ status: 'fulfilled', value: 5 })
      expect(queue.statistics()).toMatchObject({ size: 0, waitingGetters: 0 })
    })

    it('gives a put item straight to a waiting getter, without buffering it', async () => {
      const queue = new Queue<string>(1)
      const getter = watch(queue.get())
      await queue.put('x')
      expect(queue.size).toBe(0)
      await ticks()
      expect(getter.value).toBe('x')
    })

    it('serves waiting getters in the order they came', async () => {
      const queue = new Queue<number>()
      const getters = [watch(queue.get()), watch(queue.get()), watch(queue.get())]
      queue.putNowait(1)
      queue.putNowait(2)
      queue.putNowait(3)
      await ticks()
      expect(getters.map((g) => g.value)).toEqual([1, 2, 3])
    })

    it('never buffers more than capacity items', async () => {
      const queue = new Queue<number>(3)
      const puts = Array.from({ length: 10 }, (_, i) => queue.put(i))
      await ticks()
      expect(queue.statistics()).toMatchObject({ size: 3, waitingPutters: 7 })
      const out: number[] = []
      for (let i = 0; i < 10; i++) {
        out.push(await queue.get())
        expect(queue.size).toBeLessThanOrEqual(3)
      }
      await Promise.all(puts)
      expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    })

    it('keeps FIFO order through many items (the buffer compacts as it goes)', async () => {
      const queue = new Queue<number>()
      const out: number[] = []
      let next = 0
      for (let round = 0; round < 50; round++) {
        for (let i = 0; i < 200; i++) queue.putNowait(next++)
        for (let i = 0; i < 150; i++) out.push(queue.getNowait())
      }
      out.push(...drainNowait(queue))
      expect(out).toEqual(Array.from({ length: next }, (_, i) => i))
    })

    it.each([
      ['a number', 1],
      ['a plain object', { aborted: false }],
      ['null', null],
    ])('rejects with TypeError when signal is %s', async (_label, signal) => {
      const queue = new Queue<number>(1)
      await expect(queue.put(1, { signal: signal as never })).rejects.toThrow(TypeError)
      await expect(queue.get({ signal: signal as never })).rejects.toThrow(
        /Expected `signal` to be an AbortSignal/,
      )
      expect(queue.size).toBe(0)
    })
  })

  describe('capacity 0 (rendezvous)', () => {
    it('makes put wait until a get takes the item', async () => {
      const queue = new Queue<string>(0)
      const put = watch(queue.put('x'))
      await ticks()
      expect(put.status).toBe('pending')
      expect(queue.size).toBe(0)
      expect(await queue.get()).toBe('x')
      await ticks()
      expect(put.status).toBe('fulfilled')
    })

    it('resolves put at once when a getter is already waiting', async () => {
      const queue = new Queue<string>(0)
      const getter = watch(queue.get())
      await queue.put('y')
      await ticks()
      expect(getter.value).toBe('y')
    })

    it('lets putNowait succeed only when a getter is waiting', async () => {
      const queue = new Queue<number>(0)
      expect(() => queue.putNowait(1)).toThrow(
        expect.objectContaining({ code: 'ASYNCWITH_WOULD_BLOCK' }),
      )
      const getter = watch(queue.get())
      queue.putNowait(2)
      await ticks()
      expect(getter.value).toBe(2)
    })

    it('lets getNowait take the item of the oldest waiting putter', async () => {
      const queue = new Queue<number>(0)
      const first = watch(queue.put(1))
      const second = watch(queue.put(2))
      expect(queue.getNowait()).toBe(1)
      await ticks()
      expect([first.status, second.status]).toEqual(['fulfilled', 'pending'])
      expect(queue.getNowait()).toBe(2)
    })
  })

  describe('putNowait() and getNowait()', () => {
    it('throws WouldBlockError from putNowait when full and changes nothing', () => {
      const queue = new Queue<number>(1)
      queue.putNowait(1)
      let caught: unknown
      try {
        queue.putNowait(2)
      } catch (error) {
        caught = error
      }
      expect(isWouldBlockError(caught)).toBe(true)
      expect((caught as Error).message).toBe('Queue is full')
      expect(drainNowait(queue)).toEqual([1])
    })

    it('throws WouldBlockError from getNowait when empty and open', () => {
      const queue = new Queue<number>()
      expect(() => queue.getNowait()).toThrow('Queue is empty')
      expect(() => queue.getNowait()).toThrow(
        expect.objectContaining({ name: 'WouldBlockError', code: 'ASYNCWITH_WOULD_BLOCK' }),
      )
    })

    it('moves the oldest waiting putter in when getNowait makes room', async () => {
      const queue = new Queue<string>(1)
      queue.putNowait('a')
      const put = watch(queue.put('b'))
      expect(queue.getNowait()).toBe('a')
      expect(queue.size).toBe(1)
      await ticks()
      expect(put.status).toBe('fulfilled')
    })

    it('throws ClosedError from getNowait once closed and drained', () => {
      const queue = new Queue<number>()
      queue.putNowait(1)
      queue.close()
      expect(queue.getNowait()).toBe(1)
      expect(() => queue.getNowait()).toThrow(ClosedError)
      expect(() => queue.getNowait()).toThrow('Queue is closed and empty')
    })
  })

  describe('abort', () => {
    it('rejects a put with an already aborted signal with the reason, adding nothing', async () => {
      const queue = new Queue<number>()
      const reason = { why: 'early' }
      await expect(queue.put(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
      expect(queue.statistics()).toMatchObject({ size: 0, waitingPutters: 0 })
    })

    it('rejects a get with an already aborted signal even when an item is there, taking nothing', async () => {
      const queue = new Queue<number>()
      queue.putNowait(1)
      const reason = new Error('early')
      await expect(queue.get({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
      expect(queue.getNowait()).toBe(1)
    })

    it('checks the signal before the closed state', async () => {
      const queue = new Queue<number>()
      queue.close()
      const reason = new Error('first')
      await expect(queue.put(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
      await expect(queue.get({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    })

    it('leaves no trace of an aborted waiting put', async () => {
      const queue = new Queue<string>(1)
      queue.putNowait('a')
      const controller = new AbortController()
      const before = watch(queue.put('b'))
      const aborted = queue.put('x', { signal: controller.signal })
      const after = watch(queue.put('c'))
      expect(abortListeners(controller.signal)).toBe(1)
      expect(queue.statistics().waitingPutters).toBe(3)
      const reason = new Error('stop')
      controller.abort(reason)
      await expect(aborted).rejects.toBe(reason)
      expect(abortListeners(controller.signal)).toBe(0)
      expect(queue.statistics()).toMatchObject({ size: 1, waitingPutters: 2 })
      expect(drainNowait(queue)).toEqual(['a', 'b', 'c'])
      await ticks()
      expect([before.status, after.status]).toEqual(['fulfilled', 'fulfilled'])
    })

    it('leaves no trace of an aborted waiting get', async () => {
      const queue = new Queue<string>()
      const controller = new AbortController()
      const first = watch(queue.get())
      const aborted = queue.get({ signal: controller.signal })
      const third = watch(queue.get())
      controller.abort('gone')
      await expect(aborted).rejects.toBe('gone')
      expect(abortListeners(controller.signal)).toBe(0)
      expect(queue.statistics().waitingGetters).toBe(2)
      queue.putNowait('p')
      queue.putNowait('q')
      queue.putNowait('r')
      await ticks()
      expect([first.value, third.value]).toEqual(['p', 'q'])
      expect(drainNowait(queue)).toEqual(['r'])
    })

    it('removes the abort listener when a put or get completes normally', async () => {
      const queue = new Queue<number>(1)
      const controller = new AbortController()
      const { signal } = controller
      await queue.put(1, { signal })
      const waiting = queue.put(2, { signal })
      expect(abortListeners(signal)).toBe(1)
      expect(await queue.get({ signal })).toBe(1)
      await waiting
      expect(abortListeners(signal)).toBe(0)
      expect(await queue.get({ signal })).toBe(2)
      const empty = queue.get({ signal })
      queue.putNowait(3)
      expect(await empty).toBe(3)
      expect(abortListeners(signal)).toBe(0)
    })

    it('gives an item handed to an aborted getter back to the front of the queue', async () => {
      // asyncio test_get_cancel_drop_one_pending_reader: "if we get 2, it means 1 got dropped"
      const queue = new Queue<number>()
      const controller = new AbortController()
      const reason = new Error('late')
      const reader = queue.get({ signal: controller.signal })
      queue.putNowait(1)
      queue.putNowait(2)
      controller.abort(reason)
      await expect(reader).rejects.toBe(reason)
      expect(await queue.get()).toBe(1)
      expect(drainNowait(queue)).toEqual([2])
    })

    it('passes an aborted getter item to the next waiting getter', async () => {
      // asyncio test_get_cancel_drop_many_pending_readers
      const queue = new Queue<number>()
      const controller = new AbortController()
      const reason = new Error('late')
      const reader1 = queue.get({ signal: controller.signal })
      const reader2 = queue.get()
      const reader3 = queue.get()
      queue.putNowait(1)
      queue.putNowait(2)
      controller.abort(reason)
      await expect(reader1).rejects.toBe(reason)
      expect(new Set([await reader2, await reader3])).toEqual(new Set([1, 2]))
      expect(queue.size).toBe(0)
    })

    it('withdraws a waiting putter item that moved in if its signal aborts before it resumes', async () => {
      // asyncio test_cancelled_put_silence_value_error_exception
      const queue = new Queue<string>(1)
      queue.putNowait('a')
      const controller = new AbortController()
      const reason = new Error('late')
      const put = queue.put('b', { signal: controller.signal })
      expect(queue.getNowait()).toBe('a')
      controller.abort(reason)
      await expect(put).rejects.toBe(reason)
      expect(queue.size).toBe(0)
      expect(() => queue.getNowait()).toThrow(WouldBlockError)
    })

    it('gives the room of a withdrawn put to the next waiting putter, in order', async () => {
      const queue = new Queue<string>(1)
      queue.putNowait('a')
      const controller = new AbortController()
      const reason = new Error('late')
      const aborted = queue.put('b', { signal: controller.signal })
      const next = queue.put('c')
      expect(queue.getNowait()).toBe('a')
      controller.abort(reason)
      await expect(aborted).rejects.toBe(reason)
      await expect(next).resolves.toBeUndefined()
      expect(queue.statistics()).toMatchObject({ size: 1, waitingPutters: 0 })
      expect(drainNowait(queue)).toEqual(['c'])
    })

    it('keeps a put item that a getter already took, even if the signal aborts after', async () => {
      const queue = new Queue<string>(1)
      queue.putNowait('a')
      const controller = new AbortController()
      const put = queue.put('b', { signal: controller.signal })
      expect(queue.getNowait()).toBe('a')
      expect(queue.getNowait()).toBe('b')
      controller.abort(new Error('late'))
      await expect(put).resolves.toBeUndefined()
      expect(queue.size).toBe(0)
    })

    it('keeps a rendezvous item taken by get even if the putter aborts right after', async () => {
      const queue = new Queue<string>(0)
      const controller = new AbortController()
      const put = queue.put('r', { signal: controller.signal })
      const got = queue.get()
      controller.abort(new Error('late'))
      await expect(put).resolves.toBeUndefined()
      expect(await got).toBe('r')
    })
  })

  describe('close()', () => {
    it('is idempotent', () => {
      const queue = new Queue<number>()
      queue.putNowait(1)
      queue.close()
      queue.close()
      expect(queue.closed).toBe(true)
      expect(queue.size).toBe(1)
    })

    it('makes put and putNowait fail with ClosedError afterwards', async () => {
      const queue = new Queue<number>()
      queue.close()
      await expect(queue.put(1)).rejects.toThrow(ClosedError)
      await expect(queue.put(1)).rejects.toThrow('Queue is closed')
      expect(() => queue.putNowait(1)).toThrow(
        expect.objectContaining({ name: 'ClosedError', code: 'ASYNCWITH_CLOSED' }),
      )
      expect(queue.size).toBe(0)
    })

    it('rejects waiting putters with ClosedError and drops their items', async () => {
      const queue = new Queue<string>(1)
      queue.putNowait('a')
      const controller = new AbortController()
      const waiting = [queue.put('b', { signal: controller.signal }), queue.put('c')]
      queue.close()
      for (const put of waiting) await expect(put).rejects.toSatisfy(isClosedError)
      expect(abortListeners(controller.signal)).toBe(0)
      expect(queue.statistics()).toMatchObject({ size: 1, waitingPutters: 0 })
      expect(await queue.get()).toBe('a')
      await expect(queue.get()).rejects.toThrow(ClosedError)
    })

    it('lets get drain the buffered items, then fails with ClosedError', async () => {
      const queue = new Queue<number>()
      queue.putNowait(1)
      queue.putNowait(2)
      queue.close()
      expect([await queue.get(), await queue.get()]).toEqual([1, 2])
      await expect(queue.get()).rejects.toThrow('Queue is closed and empty')
    })

    it('rejects waiting getters with ClosedError when the queue is empty', async () => {
      const queue = new Queue<number>()
      const controller = new AbortController()
      const getters = [queue.get(), queue.get({ signal: controller.signal })]
      queue.close()
      for (const get of getters) await expect(get).rejects.toThrow(ClosedError)
      expect(abortListeners(controller.signal)).toBe(0)
      expect(queue.statistics().waitingGetters).toBe(0)
    })

    it('leaves no unhandled rejection behind when waiters are rejected and caught', async () => {
      const seen = await unhandledDuring(async () => {
        const full = new Queue<number>(0)
        const put = full.put(1).catch(() => 'closed')
        full.close()
        const empty = new Queue<number>()
        const get = empty.get().catch(() => 'closed')
        const iterated = collect(empty)
        empty.close()
        expect([await put, await get, await iterated]).toEqual(['closed', 'closed', []])
      })
      expect(seen).toEqual([])
    })
  })

  describe('async iteration', () => {
    it('yields every buffered item after close, then ends', async () => {
      const queue = new Queue<number>()
      for (const n of [1, 2, 3]) queue.putNowait(n)
      queue.close()
      expect(await collect(queue)).toEqual([1, 2, 3])
    })

    it('waits for items and ends when the producer closes the queue', async () => {
      const queue = new Queue<number>(1)
      const producer = (async () => {
        for (let i = 0; i < 5; i++) await queue.put(i)
        queue.close()
      })()
      expect(await collect(queue)).toEqual([0, 1, 2, 3, 4])
      await producer
    })

    it('ends a waiting loop when the queue is closed empty', async () => {
      const queue = new Queue<number>()
      const loop = collect(queue)
      await ticks()
      queue.close()
      expect(await loop).toEqual([])
    })

    it('loses no item when the loop breaks', async () => {
      const queue = new Queue<number>()
      for (const n of [1, 2, 3, 4]) queue.putNowait(n)
      const seen: number[] = []
      for await (const n of queue) {
        seen.push(n)
        if (n === 2) break
      }
      expect(seen).toEqual([1, 2])
      expect(queue.statistics()).toMatchObject({ size: 2, waitingGetters: 0 })
      expect(drainNowait(queue)).toEqual([3, 4])
    })

    it('gives each item to exactly one of several concurrent consumers', async () => {
      const queue = new Queue<number>(2)
      const consumers = [collect(queue), collect(queue), collect(queue)]
      for (let i = 0; i < 30; i++) await queue.put(i)
      queue.close()
      const results = await Promise.all(consumers)
      expect(results.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i))
      for (const result of results) expect(result).toEqual([...result].sort((a, b) => a - b))
    })

    it('ends a waiting next() with done on return(), taking nothing', async () => {
      const queue = new Queue<number>()
      const iterator = queue[Symbol.asyncIterator]()
      const pending = iterator.next()
      await ticks()
      expect(queue.statistics().waitingGetters).toBe(1)
      expect(await iterator.return!()).toEqual({ done: true, value: undefined })
      expect(await pending).toEqual({ done: true, value: undefined })
      expect(queue.statistics().waitingGetters).toBe(0)
      queue.putNowait(1)
      expect(await iterator.next()).toEqual({ done: true, value: undefined })
      expect(queue.getNowait()).toBe(1)
    })

    it('is AsyncDisposable: await using ends the iteration', async () => {
      const queue = new Queue<number>()
      queue.putNowait(1)
      queue.putNowait(2)
      {
        await using iterator = queue[Symbol.asyncIterator]()
        expect(await iterator.next()).toEqual({ done: false, value: 1 })
      }
      expect(queue.getNowait()).toBe(2)
    })

    it('returns itself from Symbol.asyncIterator', () => {
      const iterator = new Queue<number>()[Symbol.asyncIterator]()
      expect(iterator[Symbol.asyncIterator]()).toBe(iterator)
    })

    it('takes from a rendezvous queue and resolves the putters', async () => {
      const queue = new Queue<string>(0)
      const puts = ['a', 'b'].map((item) => queue.put(item))
      const iterator = queue[Symbol.asyncIterator]()
      expect(await iterator.next()).toEqual({ done: false, value: 'a' })
      expect(await iterator.next()).toEqual({ done: false, value: 'b' })
      await Promise.all(puts)
      queue.close()
      expect(await iterator.next()).toEqual({ done: true, value: undefined })
    })
  })

  describe('statistics()', () => {
    it('reports size, capacity, closed and waiters', async () => {
      const queue = new Queue<number>(1)
      expect(queue.statistics()).toEqual({
        size: 0,
        capacity: 1,
        closed: false,
        waitingPutters: 0,
        waitingGetters: 0,
      })
      const getters = [queue.get(), queue.get()]
      expect(queue.statistics().waitingGetters).toBe(2)
      queue.putNowait(1)
      queue.putNowait(2)
      queue.putNowait(3)
      const put = queue.put(4)
      expect(queue.statistics()).toEqual({
        size: 1,
        capacity: 1,
        closed: false,
        waitingPutters: 1,
        waitingGetters: 0,
      })
      queue.close()
      await expect(put).rejects.toThrow(ClosedError)
      expect(await Promise.all(getters)).toEqual([1, 2])
      expect(queue.statistics()).toEqual({
        size: 1,
        capacity: 1,
        closed: true,
        waitingPutters: 0,
        waitingGetters: 0,
      })
    })
  })

  it('starts no timer', async () => {
    const before = activeTimers()
    const queue = new Queue<number>(1)
    const controller = new AbortController()
    queue.putNowait(1)
    const put = queue.put(2, { signal: controller.signal })
    controller.abort()
    await expect(put).rejects.toBeDefined()
    queue.close()
    expect(await timersAbove(before)).toBe(0)
  })
})
