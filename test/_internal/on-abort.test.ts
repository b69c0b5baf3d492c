import { withContext } from 'asyncwith/context'
import { Queue, RateLimiter, Semaphore, sleep, TaskGroup, timeout } from 'asyncwith/task'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { onAbort } from '../../src/_internal/on-abort.js'
import { abortListeners, ticks } from '../_helpers/concurrent-probe.js'

// Node prints "MaxListenersExceededWarning: Possible EventTarget memory leak detected. 11 abort
// listeners added to [AbortSignal]" from the 11th listener on: every wait on one signal must
// share a single listener.
let warnings: Error[] = []
const onWarning = (warning: Error) => warnings.push(warning)
beforeEach(() => {
  warnings = []
  process.on('warning', onWarning)
})
afterEach(() => {
  process.off('warning', onWarning)
})

/** Lets Node emit any pending 'warning' event (it is emitted on the next tick). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('one abort listener per signal', () => {
  it('lets 100 tasks sleep on one group signal with no warning and no listener left', async () => {
    const controller = new AbortController()
    let inside = -1
    const reason = new Error('stop')
    const run = withContext(new TaskGroup({ signal: controller.signal }), async (group) => {
      for (let i = 0; i < 100; i++) group.spawn((signal) => sleep(60_000, { signal }))
      await ticks(2)
      inside = abortListeners(group.signal)
    })
    await ticks(5)
    controller.abort(reason)
    await expect(run).rejects.toBe(reason)
    await settle()
    expect(inside).toBe(1)
    expect(warnings.map((warning) => warning.name)).toEqual([])
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('adds one listener for 50 Semaphore, Queue and RateLimiter waits and removes it after', async () => {
    const controller = new AbortController()
    const { signal } = controller
    const semaphore = new Semaphore(1)
    const held = semaphore.acquireNowait()
    const queue = new Queue<number>(0)
    const limiter = new RateLimiter({ rate: 1, per: 60_000 })
    limiter.takeNowait()
    const waits: Promise<unknown>[] = []
    for (let i = 0; i < 50; i++) {
      waits.push(semaphore.acquire({ signal }), queue.get({ signal }), limiter.take({ signal }))
      waits.push(sleep(60_000, { signal }), queue.put(i, { signal }))
    }
    expect(abortListeners(signal)).toBe(1)
    controller.abort(new Error('stop'))
    const outcomes = await Promise.allSettled(waits)
    // Each put met a waiting get and resolved; each get was aborted before it resumed, so it
    // rejected and gave its item back to the queue.
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(200)
    expect(queue.size).toBe(50)
    await settle()
    expect(warnings).toEqual([])
    expect(abortListeners(signal)).toBe(0)
    held.release()
  })

  it('removes the shared listener once the last wait settles without an abort', async () => {
    const controller = new AbortController()
    const scope = timeout(60_000, { signal: controller.signal })
    const waits = Array.from({ length: 20 }, () => sleep(1, { signal: scope.signal }))
    expect(abortListeners(scope.signal)).toBe(1)
    expect(abortListeners(controller.signal)).toBe(1)
    await Promise.all(waits)
    expect(abortListeners(scope.signal)).toBe(0)
    await scope.exit()
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('runs callbacks in the order they were added, and a removed one not at all', () => {
    const controller = new AbortController()
    const calls: number[] = []
    onAbort(controller.signal, () => calls.push(1))
    const remove = onAbort(controller.signal, () => calls.push(2))
    onAbort(controller.signal, () => calls.push(3))
    remove()
    remove()
    controller.abort()
    expect(calls).toEqual([1, 3])
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('still runs the other callbacks when one throws, and reports that error', async () => {
    const controller = new AbortController()
    const calls: number[] = []
    const boom = new Error('boom')
    const reported: unknown[] = []
    const onUncaught = (error: unknown) => reported.push(error)
    process.prependListener('uncaughtException', onUncaught)
    try {
      onAbort(controller.signal, () => {
        throw boom
      })
      onAbort(controller.signal, () => calls.push(2))
      controller.abort()
      await settle()
    } finally {
      process.off('uncaughtException', onUncaught)
    }
    expect(calls).toEqual([2])
    expect(reported).toEqual([boom])
  })
})
