/**
 * The SemaphoreTests of CPython's Lib/test/test_asyncio/test_locks.py, test by test, against
 * `Semaphore`. sem.acquire() → acquire() giving a Permit; sem.release() → permit.release();
 * sem.locked() → `available === 0`; cancelling a task blocked in acquire() → aborting the
 * `signal` given to acquire(); sem._waiters → `waiting`; sem._value → `available`.
 * A `Semaphore(0)` (a RangeError here, see README) is a semaphore whose permits the test
 * holds; a bare release() that adds a permit is a permit the test took up front.
 *
 * Not translated: Lock, Event, Condition and Barrier tests (no such classes here).
 */
import { describe, expect, it } from 'vitest'
import { withContext } from '../../src/context/index.js'
import { type Permit, Semaphore, sleep, TaskGroup } from '../../src/task/index.js'
import { rejectionOf, tick, track } from '../_helpers/asyncio.js'

/** A semaphore of `permits` whose permits are all held: asyncio's Semaphore(0) plus releases. */
function heldSemaphore(permits: number): { sem: Semaphore; held: Permit[] } {
  const sem = new Semaphore(permits)
  const held = Array.from({ length: permits }, () => sem.acquireNowait())
  return { sem, held }
}

describe('CPython test_locks.py SemaphoreTests', () => {
  it('test_initial_value_zero (documented: Semaphore(0) is a RangeError; a held semaphore is locked)', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError)
    const { sem } = heldSemaphore(1)
    expect(sem.available).toBe(0)
  })

  it('test_repr (statistics() is the inspectable state)', async () => {
    const sem = new Semaphore(1)
    expect(sem.statistics()).toEqual({ permits: 1, available: 1, waiting: 0 })
    await sem.acquire()
    expect(sem.statistics()).toEqual({ permits: 1, available: 0, waiting: 0 })
    const w1 = new AbortController()
    const w2 = new AbortController()
    const p1 = sem.acquire({ signal: w1.signal })
    expect(sem.statistics().waiting).toBe(1)
    const p2 = sem.acquire({ signal: w2.signal })
    expect(sem.statistics().waiting).toBe(2)
    w1.abort()
    w2.abort()
    await rejectionOf(p1)
    await rejectionOf(p2)
  })

  it('test_semaphore (a Semaphore is not awaitable)', () => {
    const sem = new Semaphore(1)
    expect((sem as unknown as { then?: unknown }).then).toBeUndefined()
    expect(sem.available).toBe(1)
  })

  it('test_semaphore_value', () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError)
  })

  it('test_acquire', async () => {
    const sem = new Semaphore(3)
    const result: number[] = []
    const a = await sem.acquire()
    const b = await sem.acquire()
    expect(sem.available).toBe(1)
    const c = async (n: number) => {
      const permit = await sem.acquire()
      result.push(n)
      return permit
    }
    const t1 = track(c(1))
    const t2 = track(c(2))
    const t3 = track(c(3))
    await tick()
    expect(result).toEqual([1])
    expect(sem.available).toBe(0)
    expect(sem.waiting).toBe(2)
    const t4 = track(c(4))
    a.release()
    b.release()
    expect(sem.available).toBe(0)
    await tick()
    expect(sem.available).toBe(0)
    expect(result).toEqual([1, 2, 3])
    expect(sem.waiting).toBe(1)
    expect(t1.done() && t2.done() && t3.done()).toBe(true)
    expect(t4.done()).toBe(false)
    // cleanup: the semaphore is locked until a permit goes back
    ;(await t1.promise).release()
    await t4.promise
    expect(result).toEqual([1, 2, 3, 4])
  })

  it('test_acquire_cancel', async () => {
    const sem = new Semaphore(1)
    await sem.acquire()
    const task = new AbortController()
    const acquire = sem.acquire({ signal: task.signal })
    setImmediate(() => task.abort())
    expect(await rejectionOf(acquire)).toBe(task.signal.reason)
    expect(sem.waiting).toBe(0)
  })

  it('test_acquire_cancel_before_awoken', async () => {
    const { sem, held } = heldSemaphore(1)
    const cancels = [0, 1, 2, 3].map(() => new AbortController())
    const tasks = cancels.map((c) => track(sem.acquire({ signal: c.signal })))
    await tick()
    cancels[0]?.abort()
    cancels[1]?.abort()
    held[0]?.release()
    await tick()
    await tick()
    expect(tasks[2]?.done()).toBe(true)
    expect(tasks[3]?.done()).toBe(false)
    cancels[2]?.abort()
    cancels[3]?.abort()
    await tick()
    // t3 already had its permit (it resumed before its abort); t4 left the queue.
    ;(await tasks[2]?.promise)?.release()
    expect(await rejectionOf(tasks[3]?.promise as Promise<Permit>)).toBe(cancels[3]?.signal.reason)
    expect(sem.statistics()).toEqual({ permits: 1, available: 1, waiting: 0 })
    await rejectionOf(tasks[0]?.promise as Promise<Permit>)
    await rejectionOf(tasks[1]?.promise as Promise<Permit>)
  })

  it('test_acquire_hang', async () => {
    const { sem, held } = heldSemaphore(1)
    const c1 = new AbortController()
    const t1 = track(sem.acquire({ signal: c1.signal }))
    const t2 = track(sem.acquire())
    await tick()
    c1.abort()
    held[0]?.release()
    await tick()
    await tick()
    expect(sem.available).toBe(0)
    expect(t2.done()).toBe(true)
    expect(await rejectionOf(t1.promise)).toBe(c1.signal.reason)
    ;(await t2.promise).release()
  })

  it('test_acquire_no_hang', async () => {
    const sem = new Semaphore(1)
    const t2cancel = new AbortController()
    let entered2 = false
    const c1 = async () => {
      const permit = await sem.acquire()
      await tick()
      permit.release() // hands the permit to c2, which has not resumed yet
      t2cancel.abort()
    }
    const c2 = async () => {
      using _permit = await sem.acquire({ signal: t2cancel.signal })
      entered2 = true
    }
    const [r1, r2] = await Promise.allSettled([c1(), c2()])
    expect(r1).toEqual({ status: 'fulfilled', value: undefined })
    expect(r2).toEqual({ status: 'rejected', reason: t2cancel.signal.reason })
    expect(entered2).toBe(false)
    // The permit handed to c2 was passed on, not lost.
    sem.acquireNowait().release()
  })

  it('test_release_not_acquired (documented: a second release of a permit is ignored)', async () => {
    const sem = new Semaphore(1)
    const permit = await sem.acquire()
    permit.release()
    permit.release()
    expect(sem.available).toBe(1)
  })

  it('test_release_no_waiters', async () => {
    const sem = new Semaphore(1)
    const permit = await sem.acquire()
    expect(sem.available).toBe(0)
    permit.release()
    expect(sem.available).toBe(1)
  })

  it('test_acquire_fifo_order', async () => {
    const sem = new Semaphore(1)
    const result: string[] = []
    const coro = async (tag: string) => {
      let permit = await sem.acquire()
      result.push(`${tag}_1`)
      await sleep(10)
      permit.release()
      permit = await sem.acquire()
      result.push(`${tag}_2`)
      await sleep(10)
      permit.release()
    }
    await withContext(new TaskGroup(), (tg) => {
      tg.spawn(() => coro('c1'))
      tg.spawn(() => coro('c2'))
      tg.spawn(() => coro('c3'))
    })
    expect(result).toEqual(['c1_1', 'c2_1', 'c3_1', 'c1_2', 'c2_2', 'c3_2'])
  })

  it('test_acquire_fifo_order_2', async () => {
    // Semaphore(1) plus one bare release(): two permits, one held by the test.
    const sem = new Semaphore(2)
    const extra = sem.acquireNowait()
    const result: number[] = []
    let p1: Permit | undefined
    const c1 = async () => {
      p1 = await sem.acquire()
      result.push(1)
    }
    const c2 = async () => {
      const permit = await sem.acquire()
      result.push(2)
      permit.release()
      await sem.acquire()
      result.push(4)
    }
    const c3 = async () => {
      await sem.acquire()
      result.push(3)
    }
    const tasks = [c1(), c2(), c3()]
    await tick()
    p1?.release()
    extra.release()
    await Promise.all(tasks)
    expect(result).toEqual([1, 2, 3, 4])
  })

  it('test_acquire_fifo_order_3', async () => {
    const { sem, held } = heldSemaphore(2)
    const result: number[] = []
    const cancel1 = new AbortController()
    const c = async (n: number, signal?: AbortSignal) => {
      await sem.acquire({ signal })
      result.push(n)
    }
    const tasks = [c(1, cancel1.signal).catch((error: unknown) => error), c(2), c(3)]
    await tick()
    cancel1.abort()
    await tick()
    held[0]?.release()
    held[1]?.release()
    await Promise.allSettled(tasks)
    expect(result).toEqual([2, 3])
  })
})
