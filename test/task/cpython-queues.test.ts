/**
 * CPython's Lib/test/test_asyncio/test_queues.py (3.13 development version, with shutdown), test
 * by test, against `Queue`. put_nowait/get_nowait → putNowait/getNowait (QueueFull and
 * QueueEmpty → WouldBlockError); maxsize → capacity (0 there means unbounded; `Infinity` here);
 * qsize()/empty()/full() → `size`, `size === 0`, `size === capacity`; _getters/_putters →
 * statistics().waitingGetters/waitingPutters; shutdown() → close() (QueueShutDown →
 * ClosedError); cancelling a task blocked in get()/put() → aborting the `signal` given to it.
 *
 * Not translated:
 * - test_generic_alias: TypeScript generics are erased; `Queue<number>` is a type only.
 * - LifoQueueTests, PriorityQueueTests (and their Join/Shutdown variants): no such classes.
 * - _QueueJoinTestMixin (test_task_done_underflow, test_task_done, test_join_empty_queue,
 *   test_format), test_shutdown_get_task_done_join, test_shutdown_put_join,
 *   test_shutdown_immediate_put_and_join: Queue has no task_done()/join(); wait for the
 *   workers with a TaskGroup instead.
 * - test_shutdown_immediate, test_shutdown_immediate_*: close() has no immediate mode (buffered
 *   items stay takeable); drain with getNowait() to drop them.
 */
import { describe, expect, it } from 'vitest'
import { withContext } from '../../src/context/index.js'
import {
  isClosedError,
  isWouldBlockError,
  Queue,
  sleep,
  TaskGroup,
  TimeoutError,
  timeout,
} from '../../src/task/index.js'
import { rejectionOf, tick, track } from '../_helpers/asyncio.js'

function thrownBy(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('Expected a throw')
}

describe('CPython test_queues.py QueueBasicTests', () => {
  it('test_repr / test_str (statistics() is the inspectable state)', async () => {
    let q = new Queue<number>()
    await withContext(new TaskGroup(), async (tg) => {
      const getter = tg.spawn(() => q.get())
      await tick()
      expect(q.statistics().waitingGetters).toBe(1)
      q.putNowait(0)
      expect(await getter).toBe(0)
    })
    q = new Queue<number>(1)
    await withContext(new TaskGroup(), async (tg) => {
      q.putNowait(1)
      const putter = tg.spawn(() => q.put(2))
      await tick()
      expect(q.statistics().waitingPutters).toBe(1)
      q.getNowait()
      await putter
    })
    q = new Queue<number>()
    q.putNowait(1)
    expect(q.statistics()).toMatchObject({ size: 1, waitingGetters: 0, waitingPutters: 0 })
  })

  it('test_empty', async () => {
    const q = new Queue<number>()
    expect(q.size).toBe(0)
    await q.put(1)
    expect(q.size).toBe(1)
    expect(await q.get()).toBe(1)
    expect(q.size).toBe(0)
  })

  it('test_full', async () => {
    let q = new Queue<number>()
    expect(q.size === q.capacity).toBe(false)
    q = new Queue<number>(1)
    await q.put(1)
    expect(q.size === q.capacity).toBe(true)
  })

  it('test_order', async () => {
    const q = new Queue<number>()
    for (const i of [1, 3, 2]) await q.put(i)
    const items = [await q.get(), await q.get(), await q.get()]
    expect(items).toEqual([1, 3, 2])
  })

  it('test_maxsize', async () => {
    const q = new Queue<number>(2)
    expect(q.capacity).toBe(2)
    const haveBeenPut: number[] = []
    const t = track(
      (async () => {
        for (let i = 0; i < 3; i++) {
          await q.put(i)
          haveBeenPut.push(i)
        }
        return true
      })(),
    )
    await tick()
    // The putter is blocked after putting two items.
    expect(haveBeenPut).toEqual([0, 1])
    expect(await q.get()).toBe(0)
    // Let the putter resume and put the last item.
    await tick()
    expect(haveBeenPut).toEqual([0, 1, 2])
    expect(await q.get()).toBe(1)
    expect(await q.get()).toBe(2)
    expect(t.done()).toBe(true)
    expect(await t.promise).toBe(true)
  })
})

describe('CPython test_queues.py QueueGetTests', () => {
  it('test_blocking_get', async () => {
    const q = new Queue<number>()
    q.putNowait(1)
    expect(await q.get()).toBe(1)
  })

  it('test_get_with_putters', async () => {
    const q = new Queue<number>(1)
    await q.put(1)
    const waiter = track(q.put(2))
    expect(q.statistics().waitingPutters).toBe(1)
    expect(await q.get()).toBe(1)
    await tick()
    expect(waiter.done()).toBe(true)
    expect(await waiter.promise).toBeUndefined()
  })

  it('test_blocking_get_wait', async () => {
    const q = new Queue<number>()
    let finished = false
    let started = false
    const task = (async () => {
      started = true
      const res = await q.get()
      finished = true
      return res
    })()
    expect(started).toBe(true)
    expect(finished).toBe(false)
    setTimeout(() => q.putNowait(1), 10)
    const res = await task
    expect(finished).toBe(true)
    expect(res).toBe(1)
  })

  it('test_nonblocking_get', () => {
    const q = new Queue<number>()
    q.putNowait(1)
    expect(q.getNowait()).toBe(1)
  })

  it('test_nonblocking_get_exception', () => {
    const q = new Queue<number>()
    expect(isWouldBlockError(thrownBy(() => q.getNowait()))).toBe(true)
  })

  it('test_get_cancelled_race', async () => {
    const q = new Queue<string>()
    const c1 = new AbortController()
    const t1 = track(q.get({ signal: c1.signal }))
    const t2 = q.get()
    await tick()
    c1.abort()
    await tick()
    expect(t1.done()).toBe(true)
    await q.put('a')
    await tick()
    expect(await t2).toBe('a')
    expect(await rejectionOf(t1.promise)).toBe(c1.signal.reason)
  })

  it('test_get_with_waiting_putters', async () => {
    const q = new Queue<string>(1)
    const puts = [q.put('a'), q.put('b')]
    expect(await q.get()).toBe('a')
    expect(await q.get()).toBe('b')
    await Promise.all(puts)
  })

  it('test_why_are_getters_waiting', async () => {
    const q = new Queue<number>(1)
    const items = 5
    const got: number[] = []
    await withContext(new TaskGroup(), (tg) => {
      tg.spawn(async () => {
        for (let i = 0; i < items; i++) await q.put(i)
      })
      tg.spawn(async () => {
        for (let i = 0; i < items; i++) got.push(await q.get())
      })
    })
    expect(got).toEqual([0, 1, 2, 3, 4])
  })

  it('test_cancelled_getters_not_being_held_in_self_getters', async () => {
    const queue = new Queue<number>(5)
    const error = await rejectionOf(withContext(timeout(10), ({ signal }) => queue.get({ signal })))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(queue.statistics().waitingGetters).toBe(0)
  })
})

describe('CPython test_queues.py QueuePutTests', () => {
  it('test_blocking_put', async () => {
    const q = new Queue<number>()
    // No capacity limit: does not wait.
    await q.put(1)
    expect(await q.get()).toBe(1)
  })

  it('test_blocking_put_wait', async () => {
    const q = new Queue<number>(1)
    let finished = false
    let started = false
    setTimeout(() => q.getNowait(), 10)
    const task = (async () => {
      started = true
      await q.put(1)
      await q.put(2)
      finished = true
    })()
    expect(started).toBe(true)
    expect(finished).toBe(false)
    await task
    expect(finished).toBe(true)
  })

  it('test_nonblocking_put', () => {
    const q = new Queue<number>()
    q.putNowait(1)
    expect(q.getNowait()).toBe(1)
  })

  it('test_get_cancel_drop_one_pending_reader', async () => {
    const q = new Queue<number>()
    const cancel = new AbortController()
    let reader = q.get({ signal: cancel.signal })
    await tick()
    q.putNowait(1)
    q.putNowait(2)
    cancel.abort()
    let result: number
    try {
      result = await reader
    } catch {
      // try again
      reader = q.get()
      result = await reader
    }
    // if we get 2, it means 1 got dropped!
    expect(result).toBe(1)
  })

  it('test_get_cancel_drop_many_pending_readers', async () => {
    const q = new Queue<number>()
    let results: number[] = []
    await withContext(new TaskGroup(), async (tg) => {
      const reader1 = tg.spawn((signal) => q.get({ signal }))
      const reader2 = tg.spawn((signal) => q.get({ signal }))
      const reader3 = tg.spawn((signal) => q.get({ signal }))
      await tick()
      q.putNowait(1)
      q.putNowait(2)
      expect(reader1.cancel()).toBe(true)
      expect(((await rejectionOf(reader1)) as Error).name).toBe('AbortError')
      results = [await reader2, await reader3]
    })
    // It is undefined in which order concurrent readers receive results.
    expect(new Set(results)).toEqual(new Set([1, 2]))
  })

  it('test_put_cancel_drop', async () => {
    const q = new Queue<number>(1)
    q.putNowait(1)
    // putting a second item has to wait (size 1)
    const cancel = new AbortController()
    let writer = q.put(2, { signal: cancel.signal })
    await tick()
    expect(q.getNowait()).toBe(1)
    cancel.abort()
    try {
      await writer
    } catch {
      // try again
      writer = q.put(2)
      await writer
    }
    expect(q.getNowait()).toBe(2)
    expect(q.size).toBe(0)
  })

  it('test_nonblocking_put_exception', () => {
    const q = new Queue<number>(1)
    q.putNowait(1)
    expect(isWouldBlockError(thrownBy(() => q.putNowait(2)))).toBe(true)
  })

  it('test_float_maxsize (documented: a fractional capacity is a RangeError)', () => {
    expect(() => new Queue<number>(1.3)).toThrow(RangeError)
  })

  it('test_put_cancelled', async () => {
    const q = new Queue<number>()
    const t = track(
      (async () => {
        await q.put(1)
        return true
      })(),
    )
    expect(await q.get()).toBe(1)
    await tick() // the putter's continuation runs after this one
    expect(t.done()).toBe(true)
    expect(await t.promise).toBe(true)
  })

  it('test_put_cancelled_race', async () => {
    const q = new Queue<string>(1)
    const cancelC = new AbortController()
    const putA = track(q.put('a'))
    const putB = track(q.put('b'))
    const putC = track(q.put('X', { signal: cancelC.signal }))
    await tick()
    expect(putA.done()).toBe(true)
    expect(putB.done()).toBe(false)
    cancelC.abort()
    await tick()
    expect(putC.done()).toBe(true)
    expect(q.getNowait()).toBe('a')
    await tick()
    expect(q.getNowait()).toBe('b')
    await putB.promise
    expect(await rejectionOf(putC.promise)).toBe(cancelC.signal.reason)
  })

  it('test_put_with_waiting_getters', async () => {
    const q = new Queue<string>()
    const t = q.get()
    await tick()
    await q.put('a')
    expect(await t).toBe('a')
  })

  it('test_why_are_putters_waiting', async () => {
    const queue = new Queue<number>(2)
    await withContext(new TaskGroup(), (tg) => {
      tg.spawn(async () => {
        await tick()
        const num = queue.size
        for (let i = 0; i < num; i++) queue.getNowait()
      })
      for (const item of [0, 1, 2, 3]) tg.spawn(() => queue.put(item))
    })
    expect(queue.size).toBe(2)
  })

  it('test_cancelled_puts_not_being_held_in_self_putters', async () => {
    const queue = new Queue<number>(1)
    queue.putNowait(1)
    const cancel = new AbortController()
    const putTask = queue.put(1, { signal: cancel.signal })
    await tick()
    expect(queue.statistics().waitingPutters).toBe(1)
    cancel.abort()
    expect(await rejectionOf(putTask)).toBe(cancel.signal.reason)
    expect(queue.statistics().waitingPutters).toBe(0)
  })

  it('test_cancelled_put_silence_value_error_exception', async () => {
    const queue = new Queue<number>(1)
    queue.putNowait(1)
    const cancel = new AbortController()
    const putTask = queue.put(2, { signal: cancel.signal })
    await tick()
    // getNowait() makes room: the waiting put's item moves in, held for it.
    expect(queue.getNowait()).toBe(1)
    cancel.abort()
    expect(await rejectionOf(putTask)).toBe(cancel.signal.reason)
    // The cancelled put's item was withdrawn, as asyncio drops it.
    expect(queue.size).toBe(0)
  })
})

describe('CPython test_queues.py _QueueShutdownTestMixin (shutdown → close)', () => {
  it('test_shutdown_empty', async () => {
    const q = new Queue<string>()
    q.close()
    expect(isClosedError(await rejectionOf(q.put('data')))).toBe(true)
    expect(isClosedError(await rejectionOf(q.get()))).toBe(true)
  })

  it('test_shutdown_nonempty', async () => {
    const q = new Queue<string>()
    q.putNowait('data')
    q.close()
    expect(await q.get()).toBe('data')
    expect(isClosedError(await rejectionOf(q.get()))).toBe(true)
  })

  it('test_shutdown_repr (statistics().closed)', () => {
    const q = new Queue<number>(4)
    expect(q.statistics().closed).toBe(false)
    const q2 = new Queue<number>(6)
    q2.close()
    expect(q2.statistics().closed).toBe(true)
  })

  it('test_shutdown_allowed_transitions (close is one-way and idempotent)', () => {
    const q = new Queue<number>()
    expect(q.closed).toBe(false)
    q.close()
    expect(q.closed).toBe(true)
    q.close()
    expect(q.closed).toBe(true)
  })

  it('test_shutdown_all_methods_in_one_task', async () => {
    const q = new Queue<string>()
    await q.put('L')
    q.putNowait('O')
    q.close()
    expect(isClosedError(await rejectionOf(q.put('E')))).toBe(true)
    expect(isClosedError(thrownBy(() => q.putNowait('W')))).toBe(true)
    expect('LO').toContain(await q.get())
    expect('LO').toContain(q.getNowait())
    // once the closed queue is empty, getting fails
    expect(isClosedError(await rejectionOf(q.get()))).toBe(true)
    expect(isClosedError(thrownBy(() => q.getNowait()))).toBe(true)
  })

  it('test_shutdown_putters_deque', async () => {
    const q = new Queue<string>(2)
    await q.put('E')
    await q.put('W')
    const t = q.put('Y')
    await tick()
    expect(q.statistics().waitingPutters).toBe(1)
    q.close()
    expect(isClosedError(await rejectionOf(t))).toBe(true)
    expect(q.statistics().waitingPutters).toBe(0)
  })

  it('test_shutdown_getters_deque (as in the released 3.13: a waiting getter of an empty queue fails)', async () => {
    const q = new Queue<string>(1)
    await q.put('Y')
    const first = q.get()
    await tick()
    const t = q.get()
    await tick()
    expect(q.statistics().waitingGetters).toBe(1)
    q.close()
    expect(await first).toBe('Y')
    expect(isClosedError(await rejectionOf(t))).toBe(true)
    expect(q.statistics().waitingGetters).toBe(0)
  })

  it('test_shutdown_get', async () => {
    const q = new Queue<string>(2)
    await q.put('Y')
    await q.put('D')
    q.close()
    await sleep(1)
    const results: boolean[] = []
    const attempt = async (fn: () => Promise<string> | string) => {
      try {
        await fn()
        results.push(true)
      } catch (error) {
        expect(isClosedError(error)).toBe(true)
        results.push(false)
      }
    }
    // one of these fails: two items for three getters
    await Promise.all([
      attempt(() => q.get()),
      attempt(() => q.getNowait()),
      attempt(() => q.getNowait()),
    ])
    expect(results.sort()).toEqual([false, true, true])
  })

  it('test_shutdown_put', async () => {
    const q = new Queue<string>()
    q.close()
    expect(isClosedError(await rejectionOf(q.put('Y')))).toBe(true)
    expect(isClosedError(thrownBy(() => q.putNowait('D')))).toBe(true)
  })
})
