import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isWouldBlockError } from '../../src/task/errors.js'
import { type Permit, Semaphore } from '../../src/task/semaphore.js'
import { abortListeners, deferred, ticks } from '../_helpers/concurrent-probe.js'
import { unhandledDuring } from '../_helpers/tracked.js'

/** Settles to 'pending' if `promise` has not settled after a few microtask turns. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let result: 'pending' | 'fulfilled' | 'rejected' = 'pending'
  promise.then(
    () => {
      result = 'fulfilled'
    },
    () => {
      result = 'rejected'
    },
  )
  await ticks(5)
  return result
}

describe('Semaphore', () => {
  it('grants permits up to its count at once and makes the rest wait', async () => {
    const semaphore = new Semaphore(2)
    const first = await semaphore.acquire()
    const second = await semaphore.acquire()
    const third = semaphore.acquire()
    expect(await state(third)).toBe('pending')
    expect(semaphore.statistics()).toEqual({ permits: 2, available: 0, waiting: 1 })
    first.release()
    const permit = await third
    expect(semaphore.statistics()).toEqual({ permits: 2, available: 0, waiting: 0 })
    second.release()
    permit.release()
    expect(semaphore.available).toBe(2)
    expect(semaphore.permits).toBe(2)
    expect(semaphore.waiting).toBe(0)
  })

  it.each([
    [0, RangeError, 'Expected `permits` to be a positive integer, got `0` (number)'],
    [-1, RangeError, 'Expected `permits` to be a positive integer, got `-1` (number)'],
    [1.5, RangeError, 'Expected `permits` to be a positive integer, got `1.5` (number)'],
    [Number.NaN, RangeError, 'Expected `permits` to be a positive integer, got `NaN` (number)'],
    [
      Number.POSITIVE_INFINITY,
      RangeError,
      'Expected `permits` to be a positive integer, got `Infinity` (number)',
    ],
    ['2', TypeError, 'Expected `permits` to be a positive integer, got `2` (string)'],
    [
      undefined,
      TypeError,
      'Expected `permits` to be a positive integer, got `undefined` (undefined)',
    ],
    [null, TypeError, 'Expected `permits` to be a positive integer, got `null` (null)'],
  ])('throws for permits %s', (permits, type, message) => {
    expect(() => new Semaphore(permits as number)).toThrow(type)
    expect(() => new Semaphore(permits as number)).toThrow(message)
  })

  it('throws a TypeError at once when the signal is not an AbortSignal', () => {
    const semaphore = new Semaphore(1)
    const signal = {} as AbortSignal
    expect(() => semaphore.acquire({ signal })).toThrow(TypeError)
    expect(() => semaphore.run(() => 1, { signal })).toThrow(TypeError)
    expect(semaphore.available).toBe(1)
  })

  it('hands a released permit to the oldest waiter', async () => {
    const semaphore = new Semaphore(1)
    const held = await semaphore.acquire()
    const order: number[] = []
    const waiters = Array.from({ length: 50 }, (_, index) =>
      semaphore.acquire().then((permit) => {
        order.push(index)
        return permit
      }),
    )
    expect(semaphore.waiting).toBe(50)
    let permit: Permit = held
    for (const waiter of waiters) {
      permit.release()
      permit = await waiter
    }
    permit.release()
    expect(order).toEqual(Array.from({ length: 50 }, (_, index) => index))
    expect(semaphore.statistics()).toEqual({ permits: 1, available: 1, waiting: 0 })
  })

  it('does not let acquireNowait take a permit while someone waits', async () => {
    const semaphore = new Semaphore(1)
    const held = semaphore.acquireNowait()
    const waiter = semaphore.acquire()
    held.release()
    // The permit went straight to the waiter: nothing is free for a newcomer.
    expect(semaphore.available).toBe(0)
    expect(() => semaphore.acquireNowait()).toThrow('Semaphore has no free permit')
    const permit = await waiter
    permit.release()
    expect(semaphore.acquireNowait()).toBeDefined()
  })

  it('does not let a later acquire overtake a queued one', async () => {
    const semaphore = new Semaphore(2)
    const a = semaphore.acquireNowait()
    const b = semaphore.acquireNowait()
    const order: string[] = []
    const first = semaphore.acquire().then((permit) => {
      order.push('first')
      return permit
    })
    a.release()
    const late = semaphore.acquire().then((permit) => {
      order.push('late')
      return permit
    })
    expect(await state(late)).toBe('pending')
    b.release()
    ;(await first).release()
    ;(await late).release()
    expect(order).toEqual(['first', 'late'])
    expect(semaphore.available).toBe(2)
  })

  it('throws WouldBlockError from acquireNowait when no permit is free', () => {
    const semaphore = new Semaphore(1)
    semaphore.acquireNowait()
    let caught: unknown
    try {
      semaphore.acquireNowait()
    } catch (error) {
      caught = error
    }
    expect(isWouldBlockError(caught)).toBe(true)
    expect((caught as Error).message).toBe('Semaphore has no free permit')
    expect(semaphore.statistics()).toEqual({ permits: 1, available: 0, waiting: 0 })
  })

  it('rejects with the reason unchanged and takes nothing when the signal is already aborted', async () => {
    const semaphore = new Semaphore(1)
    const reason = new Error('stop')
    const signal = AbortSignal.abort(reason)
    await expect(semaphore.acquire({ signal })).rejects.toBe(reason)
    expect(semaphore.statistics()).toEqual({ permits: 1, available: 1, waiting: 0 })
    expect(abortListeners(signal)).toBe(0)
  })

  it('leaves the queue with the reason unchanged when its signal aborts mid-wait', async () => {
    const semaphore = new Semaphore(1)
    const held = semaphore.acquireNowait()
    const controller = new AbortController()
    const reason = { why: 'not an Error' }
    const aborted = semaphore.acquire({ signal: controller.signal })
    const next = semaphore.acquire()
    expect(abortListeners(controller.signal)).toBe(1)
    expect(semaphore.waiting).toBe(2)
    controller.abort(reason)
    await expect(aborted).rejects.toBe(reason)
    expect(semaphore.waiting).toBe(1)
    expect(abortListeners(controller.signal)).toBe(0)
    // The aborted waiter consumed nothing: the permit goes to the next one, then back.
    held.release()
    ;(await next).release()
    expect(semaphore.statistics()).toEqual({ permits: 1, available: 1, waiting: 0 })
  })

  it('removes the abort listener once a permit is handed over', async () => {
    const semaphore = new Semaphore(1)
    const held = semaphore.acquireNowait()
    const controller = new AbortController()
    const waiter = semaphore.acquire({ signal: controller.signal })
    held.release()
    expect(abortListeners(controller.signal)).toBe(0)
    ;(await waiter).release()
    expect(abortListeners(new AbortController().signal)).toBe(0)
  })

  it('passes the permit on when the signal aborts after the handoff but before the caller resumes', async () => {
    // asyncio test_acquire_no_hang: a waiter cancelled after release() woke it never holds it
    const semaphore = new Semaphore(1)
    const held = semaphore.acquireNowait()
    const controller = new AbortController()
    const reason = new Error('too late')
    const waiter = semaphore.acquire({ signal: controller.signal })
    const next = semaphore.acquire()
    held.release()
    controller.abort(reason)
    await expect(waiter).rejects.toBe(reason)
    const permit = await next
    expect(semaphore.statistics()).toEqual({ permits: 1, available: 0, waiting: 0 })
    permit.release()
    expect(semaphore.statistics()).toEqual({ permits: 1, available: 1, waiting: 0 })
  })

  it('returns the permit to the semaphore when the aborted waiter was the last one', async () => {
    const semaphore = new Semaphore(1)
    const held = semaphore.acquireNowait()
    const controller = new AbortController()
    const waiter = semaphore.acquire({ signal: controller.signal })
    held.release()
    controller.abort(new Error('too late'))
    await expect(waiter).rejects.toThrow('too late')
    expect(semaphore.statistics()).toEqual({ permits: 1, available: 1, waiting: 0 })
  })

  it('ignores a second release of the same permit', async () => {
    const semaphore = new Semaphore(2)
    const permit = await semaphore.acquire()
    const other = await semaphore.acquire()
    permit.release()
    permit.release()
    permit[Symbol.dispose]()
    expect(semaphore.available).toBe(1)
    other.release()
    expect(semaphore.available).toBe(2)
  })

  it('releases the permit at the end of a using block', async () => {
    const semaphore = new Semaphore(1)
    {
      using permit = await semaphore.acquire()
      expect(permit).toBeDefined()
      expect(semaphore.available).toBe(0)
    }
    expect(semaphore.available).toBe(1)
    const failing = async () => {
      using _permit = semaphore.acquireNowait()
      throw new Error('body')
    }
    await expect(failing()).rejects.toThrow('body')
    expect(semaphore.available).toBe(1)
  })

  it('leaves no rejection unhandled when waiters are aborted', async () => {
    const unhandled = await unhandledDuring(async () => {
      const semaphore = new Semaphore(1)
      const held = semaphore.acquireNowait()
      const controllers = Array.from({ length: 5 }, () => new AbortController())
      const waits = controllers.map((controller) =>
        semaphore.acquire({ signal: controller.signal }),
      )
      for (const controller of controllers) controller.abort(new Error('stop'))
      const results = await Promise.allSettled(waits)
      expect(results.every((result) => result.status === 'rejected')).toBe(true)
      held.release()
    })
    expect(unhandled).toEqual([])
  })
})

describe('Semaphore.run()', () => {
  it('calls fn synchronously when a permit is free and returns its result', async () => {
    const semaphore = new Semaphore(1)
    let called = false
    const result = semaphore.run(() => {
      called = true
      return 42
    })
    expect(called).toBe(true)
    expect(semaphore.available).toBe(0)
    expect(await result).toBe(42)
    expect(semaphore.available).toBe(1)
  })

  it('passes the signal from options to fn', async () => {
    const semaphore = new Semaphore(1)
    const controller = new AbortController()
    const seen = await semaphore.run((signal) => signal, { signal: controller.signal })
    expect(seen).toBe(controller.signal)
    expect(await semaphore.run((signal) => signal)).toBeUndefined()
  })

  it('resolves to the value of a returned thenable', async () => {
    const semaphore = new Semaphore(1)
    const thenable = {
      then: (resolve: (value: string) => void) => resolve('done'),
    } as PromiseLike<string>
    expect(await semaphore.run(() => thenable)).toBe('done')
    expect(semaphore.available).toBe(1)
  })

  it.each([
    [
      'throws synchronously',
      (error: Error) => () => {
        throw error
      },
    ],
    ['rejects', (error: Error) => () => Promise.reject(error)],
    [
      'rejects later',
      (error: Error) => async () => {
        await ticks(3)
        throw error
      },
    ],
  ])('releases the permit and passes the error on when fn %s', async (_name, make) => {
    const semaphore = new Semaphore(1)
    const error = new Error('boom')
    const held = semaphore.acquireNowait()
    const failing = semaphore.run(make(error))
    const next = semaphore.run(() => 'next')
    held.release()
    await expect(failing).rejects.toBe(error)
    expect(await next).toBe('next')
    await expect(semaphore.run(make(error))).rejects.toBe(error)
    expect(semaphore.statistics()).toEqual({ permits: 1, available: 1, waiting: 0 })
  })

  it('runs queued functions first in, first out', async () => {
    const semaphore = new Semaphore(2)
    const started: number[] = []
    const gates = Array.from({ length: 10 }, () => deferred())
    const runs = gates.map((gate, index) =>
      semaphore.run(async () => {
        started.push(index)
        await gate.promise
        return index
      }),
    )
    expect(started).toEqual([0, 1])
    for (const gate of gates) {
      gate.resolve()
      await ticks()
    }
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 10 }, (_, index) => index))
    expect(started).toEqual(Array.from({ length: 10 }, (_, index) => index))
  })

  it('never calls fn when the signal aborts while waiting', async () => {
    const semaphore = new Semaphore(1)
    const held = semaphore.acquireNowait()
    const controller = new AbortController()
    const reason = new Error('stop')
    let called = false
    const run = semaphore.run(
      () => {
        called = true
      },
      { signal: controller.signal },
    )
    controller.abort(reason)
    await expect(run).rejects.toBe(reason)
    expect(called).toBe(false)
    expect(abortListeners(controller.signal)).toBe(0)
    held.release()
    expect(semaphore.statistics()).toEqual({ permits: 1, available: 1, waiting: 0 })
  })

  it('passes the permit on when the signal aborts between the handoff and the call', async () => {
    const semaphore = new Semaphore(1)
    const held = semaphore.acquireNowait()
    const controller = new AbortController()
    const reason = new Error('stop')
    let called = false
    const run = semaphore.run(
      () => {
        called = true
      },
      { signal: controller.signal },
    )
    const next = semaphore.run(() => 'next')
    held.release()
    controller.abort(reason)
    await expect(run).rejects.toBe(reason)
    expect(called).toBe(false)
    expect(await next).toBe('next')
    expect(semaphore.statistics()).toEqual({ permits: 1, available: 1, waiting: 0 })
  })

  it('rejects at once, without calling fn, when the signal is already aborted', async () => {
    const semaphore = new Semaphore(1)
    const reason = new Error('stop')
    let called = false
    const run = semaphore.run(
      () => {
        called = true
      },
      { signal: AbortSignal.abort(reason) },
    )
    await expect(run).rejects.toBe(reason)
    expect(called).toBe(false)
    expect(semaphore.available).toBe(1)
  })

  it('throws a TypeError at once when fn is not a function', () => {
    const semaphore = new Semaphore(1)
    expect(() => semaphore.run('nope' as never)).toThrow(
      'Expected `fn` to be a function, got `nope` (string)',
    )
    expect(semaphore.available).toBe(1)
  })

  it('drains a long queue of synchronously failing functions without growing the stack', async () => {
    const semaphore = new Semaphore(1)
    const held = semaphore.acquireNowait()
    const runs = Array.from({ length: 20_000 }, () =>
      semaphore.run(() => {
        throw new Error('sync')
      }),
    )
    held.release()
    const results = await Promise.allSettled(runs)
    expect(results.every((result) => result.status === 'rejected')).toBe(true)
    expect(semaphore.statistics()).toEqual({ permits: 1, available: 1, waiting: 0 })
  })

  it('leaves no rejection unhandled when fn fails or waiters abort', async () => {
    const unhandled = await unhandledDuring(async () => {
      const semaphore = new Semaphore(1)
      const controller = new AbortController()
      const runs = [
        semaphore.run(() => Promise.reject(new Error('a'))),
        semaphore.run(() => 'b', { signal: controller.signal }),
        semaphore.run(() => {
          throw new Error('c')
        }),
      ]
      controller.abort(new Error('stop'))
      await Promise.allSettled(runs)
    })
    expect(unhandled).toEqual([])
  })
})

describe('Semaphore (property)', () => {
  it('never lets more than permits in at once, and every caller gets a permit or its abort reason', async () => {
    const op = fc.record({
      run: fc.boolean(),
      hold: fc.integer({ min: 0, max: 4 }),
      fail: fc.boolean(),
      abortAfter: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(op, { maxLength: 30 }),
        async (permits, ops) => {
          const semaphore = new Semaphore(permits)
          let inFlight = 0
          let peak = 0
          const signals: AbortSignal[] = []
          const work = async (hold: number, fail: boolean) => {
            inFlight++
            peak = Math.max(peak, inFlight)
            try {
              await ticks(hold)
              if (fail) throw new Error('work failed')
            } finally {
              inFlight--
            }
          }
          const outcomes = ops.map(async ({ run, hold, fail, abortAfter }) => {
            const controller = new AbortController()
            const reason = new Error('aborted')
            const signal = abortAfter === undefined ? undefined : controller.signal
            if (signal !== undefined) {
              signals.push(signal)
              void ticks(abortAfter ?? 0).then(() => controller.abort(reason))
            }
            try {
              if (run) {
                await semaphore.run(() => work(hold, fail), { signal })
              } else {
                using _permit = await semaphore.acquire({ signal })
                await work(hold, fail)
              }
              return 'worked'
            } catch (error) {
              if (error === reason) return 'aborted'
              if (error instanceof Error && error.message === 'work failed') return 'failed'
              throw error
            }
          })
          const results = await Promise.all(outcomes)
          await ticks(10)
          expect(peak).toBeLessThanOrEqual(permits)
          expect(results).toHaveLength(ops.length)
          ops.forEach(({ fail }, index) => {
            if (results[index] !== 'aborted')
              expect(results[index]).toBe(fail ? 'failed' : 'worked')
          })
          expect(semaphore.statistics()).toEqual({ permits, available: permits, waiting: 0 })
          for (const signal of signals) expect(abortListeners(signal)).toBe(0)
        },
      ),
      { numRuns: 200 },
    )
  })
})
