/**
 * CPython's Lib/test/test_asyncio/test_timeouts.py, test by test, against `timeout`/`deadline`.
 * asyncio.timeout(s) → timeout(ms); timeout_at(when) → deadline(at); cm.when() → scope.deadline
 * (Infinity for None); cm.expired() → scope.expired; task.cancel() → aborting the `signal`
 * option (JavaScript has no current task to cancel).
 *
 * Not translated:
 * - test_repr_active, test_repr_expired, test_repr_finished, test_repr_disabled: no repr.
 * - test_timeout_without_task: there are no tasks to be outside of.
 * - test_cancel_in_timeout_after_cancellation: an AbortSignal aborts once; a second
 *   cancellation of the same signal cannot happen (test_foreign_cancel_… covers a cancel).
 */
import { describe, expect, it } from 'vitest'
import { withContext } from '../../src/context/index.js'
import {
  deadline,
  isAlreadyEnteredError,
  isTimeoutError,
  sleep,
  TaskGroup,
  TimeoutError,
  type TimeoutScope,
  timeout,
} from '../../src/task/index.js'
import { rejectionOf } from '../_helpers/asyncio.js'

function busyWait(ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) {
    // the event loop is blocked, as time.sleep() blocks asyncio's
  }
}

describe('CPython test_timeouts.py', () => {
  it('test_timeout_basic', async () => {
    const cm = timeout(10)
    const error = await rejectionOf(withContext(cm, ({ signal }) => sleep(10_000, { signal })))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(cm.expired).toBe(true)
  })

  it('test_timeout_at_basic', async () => {
    const at = Date.now() + 10
    const cm = deadline(at)
    const error = await rejectionOf(withContext(cm, ({ signal }) => sleep(10_000, { signal })))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(cm.expired).toBe(true)
    expect(cm.deadline).toBe(at)
  })

  it('test_nested_timeouts', async () => {
    const at = Date.now() + 10
    let cancelled = false
    let cm2: TimeoutScope | undefined
    const cm1 = deadline(at)
    const error = await rejectionOf(
      withContext(cm1, async ({ signal }) => {
        cm2 = deadline(at, { signal })
        try {
          await withContext(cm2, ({ signal: inner }) => sleep(10_000, { signal: inner }))
        } catch (inner) {
          // Only the topmost scope raises TimeoutError; the inner one sees a cancellation.
          cancelled = !isTimeoutError(inner) && (inner as Error).name === 'AbortError'
          throw inner
        }
      }),
    )
    expect(error).toBeInstanceOf(TimeoutError)
    expect(cancelled).toBe(true)
    expect(cm1.expired).toBe(true)
    expect(cm2?.expired).toBe(true)
  })

  it('test_waiter_cancelled (documented: the waiter sees the TimeoutError itself)', async () => {
    let seen: unknown
    const cm = timeout(10)
    const error = await rejectionOf(
      withContext(cm, async ({ signal }) => {
        try {
          await sleep(10_000, { signal })
        } catch (inner) {
          seen = inner
          throw inner
        }
      }),
    )
    expect(error).toBeInstanceOf(TimeoutError)
    expect(seen).toBe(cm.signal.reason)
  })

  it('test_timeout_not_called', async () => {
    const cm = timeout(10_000)
    await withContext(cm, ({ signal }) => sleep(10, { signal }))
    const t1 = Date.now()
    expect(cm.expired).toBe(false)
    expect(cm.deadline).toBeGreaterThan(t1)
  })

  it('test_timeout_disabled', async () => {
    const cm = timeout(Number.POSITIVE_INFINITY)
    await withContext(cm, ({ signal }) => sleep(10, { signal }))
    expect(cm.expired).toBe(false)
    expect(cm.deadline).toBe(Number.POSITIVE_INFINITY)
  })

  it('test_timeout_at_disabled', async () => {
    const cm = deadline(Number.POSITIVE_INFINITY)
    await withContext(cm, ({ signal }) => sleep(10, { signal }))
    expect(cm.expired).toBe(false)
    expect(cm.deadline).toBe(Number.POSITIVE_INFINITY)
  })

  it('test_timeout_zero', async () => {
    const t0 = Date.now()
    const cm = timeout(0)
    const error = await rejectionOf(withContext(cm, ({ signal }) => sleep(10_000, { signal })))
    const t1 = Date.now()
    expect(error).toBeInstanceOf(TimeoutError)
    expect(cm.expired).toBe(true)
    expect(cm.deadline).toBeGreaterThanOrEqual(t0)
    expect(cm.deadline).toBeLessThanOrEqual(t1)
  })

  it('test_timeout_zero_sleep_zero', async () => {
    const t0 = Date.now()
    const cm = timeout(0)
    const error = await rejectionOf(withContext(cm, ({ signal }) => sleep(0, { signal })))
    const t1 = Date.now()
    expect(error).toBeInstanceOf(TimeoutError)
    expect(cm.expired).toBe(true)
    expect(cm.deadline).toBeGreaterThanOrEqual(t0)
    expect(cm.deadline).toBeLessThanOrEqual(t1)
  })

  it('test_timeout_in_the_past_sleep_zero (a negative delay is a RangeError; deadline() takes the past)', async () => {
    expect(() => timeout(-11)).toThrow(RangeError)
    const t0 = Date.now()
    const cm = deadline(t0 - 11)
    const error = await rejectionOf(withContext(cm, ({ signal }) => sleep(0, { signal })))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(cm.expired).toBe(true)
    expect(cm.deadline).toBeLessThanOrEqual(t0)
  })

  it('test_foreign_exception_passed', async () => {
    const keyError = new Error('KeyError')
    const cm = timeout(10)
    const error = await rejectionOf(
      withContext(cm, () => {
        throw keyError
      }),
    )
    expect(error).toBe(keyError)
    expect(cm.expired).toBe(false)
  })

  it('test_foreign_exception_on_timeout', async () => {
    const zeroDivision = new RangeError('division by zero')
    async function crash(signal: AbortSignal): Promise<void> {
      try {
        await sleep(1000, { signal })
      } finally {
        // biome-ignore lint/correctness/noUnsafeFinally: the test is about an error from finally
        throw zeroDivision
      }
    }
    const error = await rejectionOf(withContext(timeout(10), ({ signal }) => crash(signal)))
    expect(error).toBe(zeroDivision)
  })

  it('test_foreign_cancel_doesnt_timeout_if_not_expired', async () => {
    const task = new AbortController()
    const cm = timeout(10_000, { signal: task.signal })
    const error = await rejectionOf(
      withContext(cm, ({ signal }) => {
        task.abort()
        return sleep(10_000, { signal })
      }),
    )
    expect(error).toBe(task.signal.reason)
    expect((error as Error).name).toBe('AbortError')
    expect(cm.expired).toBe(false)
  })

  it('test_outer_task_is_not_cancelled', async () => {
    let outcome: unknown
    await withContext(new TaskGroup(), (group) => {
      const task = group.spawn(async (signal) => {
        outcome = await rejectionOf(
          withContext(timeout(1, { signal }), ({ signal: inner }) =>
            sleep(10_000, { signal: inner }),
          ),
        )
        return 'done'
      })
      expect(group.signal.aborted).toBe(false)
      return task
    })
    expect(outcome).toBeInstanceOf(TimeoutError)
  })

  it('test_nested_timeouts_concurrent', async () => {
    let inner: unknown
    const error = await rejectionOf(
      withContext(timeout(2), async ({ signal }) => {
        inner = await rejectionOf(
          withContext(timeout(100, { signal }), ({ signal: s }) => {
            busyWait(10) // pretend we crunch some numbers
            return sleep(1000, { signal: s })
          }),
        )
        throw inner
      }),
    )
    expect(error).toBeInstanceOf(TimeoutError)
    // The outer scope expired, so inside it is a cancellation, not a TimeoutError.
    expect(isTimeoutError(inner)).toBe(false)
    expect((inner as Error).name).toBe('AbortError')
  })

  it('test_nested_timeouts_loop_busy', async () => {
    let inner: unknown
    const error = await rejectionOf(
      withContext(timeout(100), async ({ signal }) => {
        inner = await rejectionOf(
          withContext(timeout(10, { signal }), ({ signal: s }) => {
            busyWait(100) // pretend the loop is busy for a while
            return sleep(1000, { signal: s })
          }),
        )
        // The TimeoutError was caught here; this sleep is interrupted by the outer scope.
        await sleep(10_000, { signal })
      }),
    )
    expect(inner).toBeInstanceOf(TimeoutError)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).not.toBe(inner)
  })

  it('test_reschedule', async () => {
    const task = new AbortController()
    const deadline1 = Date.now() + 10_000
    const deadline2 = deadline1 + 20_000
    const cm = deadline(deadline1, { signal: task.signal })
    const running = withContext(cm, ({ signal }) => sleep(50_000, { signal }))
    expect(cm.deadline).toBe(deadline1)
    cm.reschedule(deadline2)
    expect(cm.deadline).toBe(deadline2)
    cm.reschedule(Number.POSITIVE_INFINITY)
    expect(cm.deadline).toBe(Number.POSITIVE_INFINITY)
    task.abort()
    expect(await rejectionOf(running)).toBe(task.signal.reason)
    expect(cm.expired).toBe(false)
  })

  it('test_nested_timeout_in_finally', async () => {
    let inner: unknown
    const error = await rejectionOf(
      withContext(timeout(10), async ({ signal }) => {
        try {
          await sleep(1000, { signal })
        } finally {
          // Cleanup gets a scope of its own (not linked to the expired one).
          inner = await rejectionOf(
            withContext(timeout(10), ({ signal: s }) => sleep(10_000, { signal: s })),
          )
        }
      }),
    )
    expect(inner).toBeInstanceOf(TimeoutError)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).not.toBe(inner)
  })

  it('test_timeout_after_cancellation', async () => {
    let cleanup: unknown
    await withContext(new TaskGroup(), (group) => {
      const task = group.spawn(async (signal) => {
        try {
          await sleep(1000, { signal }) // work which will be cancelled
        } catch {
          // cancelled
        } finally {
          cleanup = await rejectionOf(
            withContext(timeout(0), ({ signal: s }) => sleep(1000, { signal: s })),
          )
        }
      })
      task.cancel()
    })
    expect(cleanup).toBeInstanceOf(TimeoutError)
  })

  it('test_timeout_exception_cause (documented: no cancellation behind the TimeoutError)', async () => {
    const cm = timeout(0)
    const error = await rejectionOf(withContext(cm, ({ signal }) => sleep(1000, { signal })))
    expect(error).toBeInstanceOf(TimeoutError)
    // The signal's reason is the TimeoutError itself, so there is no CancelledError to chain.
    expect(error).toBe(cm.signal.reason)
    // An API that reports an AbortError caused by the reason gets it as the cause.
    const cm2 = timeout(0)
    const error2 = await rejectionOf(
      withContext(cm2, () => {
        throw new DOMException('aborted', 'AbortError')
      }),
    )
    expect(error2).toBeInstanceOf(TimeoutError)
    expect(((error2 as Error).cause as Error).name).toBe('AbortError')
  })

  it('test_timeout_already_entered', async () => {
    const cm = timeout(10)
    await withContext(cm, async () => {
      const error = await rejectionOf(withContext(cm, () => undefined))
      expect(isAlreadyEnteredError(error)).toBe(true)
      expect((error as Error).message).toMatch(/already active/)
    })
  })

  it('test_timeout_double_enter', async () => {
    const cm = timeout(10)
    await withContext(cm, () => undefined)
    const error = await rejectionOf(withContext(cm, () => undefined))
    expect(isAlreadyEnteredError(error)).toBe(true)
    expect((error as Error).message).toMatch(/already finished/)
  })

  it('test_timeout_finished (documented: reschedule on a finished scope does nothing)', async () => {
    const cm = timeout(10)
    await withContext(cm, () => undefined)
    const before = cm.deadline
    expect(() => cm.reschedule(Date.now() + 20)).not.toThrow()
    expect(cm.deadline).toBe(before)
  })

  it('test_timeout_not_entered (documented: the clock runs from creation, so reschedule works)', async () => {
    const cm = timeout(10)
    const at = Date.now() + 20
    cm.reschedule(at)
    expect(cm.deadline).toBe(at)
    await withContext(cm, () => undefined)
  })
})
