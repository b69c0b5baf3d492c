import { afterEach, describe, expect, it, vi } from 'vitest'
import { withContext } from '../../src/context/index.js'
import {
  AlreadyEnteredError,
  deadline,
  isAlreadyEnteredError,
  isTimeoutError,
  sleep,
  TaskGroup,
  TimeoutError,
  type TimeoutScope,
  timeout,
} from '../../src/task/index.js'
import { abortListeners, ticks } from '../_helpers/concurrent-probe.js'
import { activeTimers, timersAbove } from '../_helpers/tracked.js'

/** What `promise` rejected with; fails the test if it resolved. */
async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('Expected a rejection, but the promise resolved')
}

/** An `AbortError` whose `cause` is the signal's reason, as Node's timers/promises reports. */
function abortErrorFrom(reason: unknown): Error {
  const error = new Error('The operation was aborted', { cause: reason })
  error.name = 'AbortError'
  return error
}

afterEach(() => {
  vi.useRealTimers()
})

describe('timeout()', () => {
  it('throws TimeoutError when its own deadline passes', async () => {
    vi.useFakeTimers()
    const scope = timeout(10)
    const outcome = rejectionOf(withContext(scope, ({ signal }) => sleep(1000, { signal })))
    await vi.advanceTimersByTimeAsync(9)
    expect(scope.signal.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    const error = await outcome
    expect(error).toBeInstanceOf(TimeoutError)
    expect(isTimeoutError(error)).toBe(true)
    expect((error as TimeoutError).code).toBe('ASYNCWITH_TIMEOUT')
    expect((error as Error).message).toBe('Timed out after 10 ms')
    expect(scope.expired).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('aborts its signal with a TimeoutError when time runs out', async () => {
    vi.useFakeTimers()
    const scope = timeout(5)
    const reasons: unknown[] = []
    scope.signal.addEventListener('abort', () => reasons.push(scope.signal.reason))
    await vi.advanceTimersByTimeAsync(5)
    expect(reasons).toHaveLength(1)
    expect(isTimeoutError(reasons[0])).toBe(true)
    expect(scope.expired).toBe(true)
    await scope.exit()
  })

  it('rethrows the same TimeoutError when the body rejects with the signal reason', async () => {
    vi.useFakeTimers()
    let reason: unknown
    const outcome = rejectionOf(
      withContext(timeout(10), async ({ signal }) => {
        await sleep(1000, { signal })
      }).catch((error: unknown) => {
        reason = error
        throw error
      }),
    )
    await vi.advanceTimersByTimeAsync(10)
    const error = await outcome
    expect(error).toBe(reason)
    expect(isTimeoutError(error)).toBe(true)
    expect((error as Error).cause).toBeUndefined()
  })

  it('throws a new TimeoutError with cause when the body rejects with an AbortError caused by the reason', async () => {
    vi.useFakeTimers()
    let bodyError: Error | undefined
    const scope = timeout(10)
    const outcome = rejectionOf(
      withContext(scope, async ({ signal }) => {
        try {
          await sleep(1000, { signal })
        } catch (reason) {
          bodyError = abortErrorFrom(reason)
          throw bodyError
        }
      }),
    )
    await vi.advanceTimersByTimeAsync(10)
    const error = await outcome
    expect(isTimeoutError(error)).toBe(true)
    expect(error).not.toBe(scope.signal.reason)
    expect((error as Error).message).toBe('Timed out after 10 ms')
    expect((error as Error).cause).toBe(bodyError)
  })

  it('throws a new TimeoutError with cause when the body wraps the reason in its own error', async () => {
    vi.useFakeTimers()
    const scope = timeout(10)
    let bodyError: Error | undefined
    const outcome = rejectionOf(
      withContext(scope, async ({ signal }) => {
        await sleep(1000, { signal }).catch((reason: unknown) => {
          bodyError = new Error('request failed', { cause: reason })
          throw bodyError
        })
      }),
    )
    await vi.advanceTimersByTimeAsync(10)
    const error = await outcome
    expect(isTimeoutError(error)).toBe(true)
    expect((error as Error).cause).toBe(bodyError)
  })

  it('lets another error through unchanged when the deadline has not passed', async () => {
    const failure = new Error('unrelated')
    const scope = timeout(1000)
    expect(
      await rejectionOf(
        withContext(scope, () => {
          throw failure
        }),
      ),
    ).toBe(failure)
    expect(scope.expired).toBe(false)
  })

  it('lets another error through unchanged even after the deadline passed', async () => {
    vi.useFakeTimers()
    const failure = new Error('unrelated')
    const scope = timeout(5)
    const outcome = rejectionOf(
      withContext(scope, async () => {
        await sleep(10)
        throw failure
      }),
    )
    await vi.advanceTimersByTimeAsync(10)
    expect(await outcome).toBe(failure)
    expect(scope.expired).toBe(true)
  })

  it('rethrows an outer abort reason unchanged', async () => {
    const controller = new AbortController()
    const reason = new Error('outer reason')
    const scope = timeout(1000, { signal: controller.signal })
    const outcome = rejectionOf(withContext(scope, ({ signal }) => sleep(1000, { signal })))
    await ticks()
    controller.abort(reason)
    expect(await outcome).toBe(reason)
    expect(scope.signal.reason).toBe(reason)
    expect(scope.expired).toBe(false)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('aborts at once with the outer reason when the outer signal is already aborted', async () => {
    const before = activeTimers()
    const reason = new Error('already')
    const scope = timeout(1000, { signal: AbortSignal.abort(reason) })
    expect(scope.signal.aborted).toBe(true)
    expect(scope.signal.reason).toBe(reason)
    expect(await rejectionOf(withContext(scope, ({ signal }) => sleep(1, { signal })))).toBe(reason)
    expect(await timersAbove(before)).toBe(0)
  })

  it('raises the outer TimeoutError from the outer scope only, when nested inside a shorter timeout', async () => {
    vi.useFakeTimers()
    const outer = timeout(10)
    let inner: TimeoutScope | undefined
    const outcome = rejectionOf(
      withContext(outer, ({ signal }) => {
        inner = timeout(1000, { signal })
        return withContext(inner, (scope) => sleep(5000, { signal: scope.signal }))
      }),
    )
    await vi.advanceTimersByTimeAsync(10)
    const error = await outcome
    expect(error).toBe(outer.signal.reason)
    expect(isTimeoutError(error)).toBe(true)
    expect((error as Error).message).toBe('Timed out after 10 ms')
    expect(outer.expired).toBe(true)
    expect(inner?.expired).toBe(false)
    // Inside, the outer expiry is a cancellation, not a TimeoutError.
    const inside = inner?.signal.reason as Error
    expect(inside.name).toBe('AbortError')
    expect(isTimeoutError(inside)).toBe(false)
    expect(inside.cause).toBe(error)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('throws its own TimeoutError through an outer scope when the inner deadline is shorter', async () => {
    vi.useFakeTimers()
    const outer = timeout(1000)
    let inner: TimeoutScope | undefined
    const outcome = rejectionOf(
      withContext(outer, ({ signal }) => {
        inner = timeout(10, { signal })
        return withContext(inner, (scope) => sleep(5000, { signal: scope.signal }))
      }),
    )
    await vi.advanceTimersByTimeAsync(10)
    const error = await outcome
    expect(error).toBe(inner?.signal.reason)
    expect((error as Error).message).toBe('Timed out after 10 ms')
    expect(outer.expired).toBe(false)
    expect(outer.signal.aborted).toBe(false)
  })

  it('returns the body value and leaves no timer when the body finishes in time', async () => {
    const before = activeTimers()
    const scope = timeout(1000)
    const result = await withContext(scope, async ({ signal }) => {
      await sleep(1, { signal })
      return 'in time'
    })
    expect(result).toBe('in time')
    expect(scope.expired).toBe(false)
    expect(scope.signal.aborted).toBe(false)
    expect(await timersAbove(before)).toBe(0)
  })

  it('returns normally with expired true when the body ignores the signal and finishes late', async () => {
    vi.useFakeTimers()
    const scope = timeout(5)
    const outcome = withContext(scope, async () => {
      await sleep(20)
      return 'late'
    })
    await vi.advanceTimersByTimeAsync(20)
    expect(await outcome).toBe('late')
    expect(scope.expired).toBe(true)
    expect(scope.signal.aborted).toBe(true)
  })

  it('moves the deadline later when rescheduled', async () => {
    vi.useFakeTimers({ now: 1_000 })
    const scope = timeout(10)
    expect(scope.deadline).toBe(1_010)
    await vi.advanceTimersByTimeAsync(5)
    scope.reschedule(Date.now() + 20)
    expect(scope.deadline).toBe(1_025)
    await vi.advanceTimersByTimeAsync(19)
    expect(scope.signal.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(scope.expired).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('names the new deadline in its TimeoutError once rescheduled', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 25, 12) })
    const scope = timeout(1000)
    expect(scope.deadline).toBe(Date.UTC(2026, 10, 25, 12, 0, 1))
    scope.reschedule(Date.UTC(2026, 10, 25, 12, 0, 0, 500))
    await vi.advanceTimersByTimeAsync(500)
    expect((scope.signal.reason as Error).message).toBe(
      'Timed out: the deadline 2026-11-25T12:00:00.500Z passed',
    )
  })

  it('moves the deadline earlier when rescheduled', async () => {
    vi.useFakeTimers()
    const scope = timeout(1000)
    scope.reschedule(Date.now() + 3)
    await vi.advanceTimersByTimeAsync(3)
    expect(scope.expired).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('aborts at once when rescheduled into the past', () => {
    const scope = timeout(1000)
    scope.reschedule(Date.now() - 1)
    expect(scope.expired).toBe(true)
    expect(isTimeoutError(scope.signal.reason)).toBe(true)
  })

  it('removes the deadline when rescheduled to Infinity', async () => {
    vi.useFakeTimers()
    const scope = timeout(10)
    scope.reschedule(Number.POSITIVE_INFINITY)
    expect(scope.deadline).toBe(Number.POSITIVE_INFINITY)
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(1_000_000)
    expect(scope.signal.aborted).toBe(false)
  })

  it('ignores reschedule once the signal aborted or the scope was left', async () => {
    vi.useFakeTimers()
    const expired = timeout(1)
    await vi.advanceTimersByTimeAsync(1)
    const expiredDeadline = expired.deadline
    expired.reschedule(Date.now() + 1000)
    expect(expired.deadline).toBe(expiredDeadline)
    expect(vi.getTimerCount()).toBe(0)

    const left = timeout(10)
    await withContext(left, () => {})
    left.reschedule(Date.now() + 5)
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(100)
    expect(left.signal.aborted).toBe(false)
  })

  it.each([
    [Number.NaN, RangeError, '`NaN` (number)'],
    [Number.NEGATIVE_INFINITY, RangeError, '`-Infinity` (number)'],
    ['5', TypeError, '`5` (string)'],
  ])('throws when rescheduled to %s', (at, type, detail) => {
    const scope = timeout(10)
    expect(() => scope.reschedule(at as number)).toThrow(type)
    expect(() => scope.reschedule(at as number)).toThrow(detail)
    scope[Symbol.dispose]()
  })

  it('sets no timer and never expires when ms is Infinity', async () => {
    vi.useFakeTimers()
    const scope = timeout(Number.POSITIVE_INFINITY)
    expect(vi.getTimerCount()).toBe(0)
    expect(scope.deadline).toBe(Number.POSITIVE_INFINITY)
    const outcome = withContext(scope, async ({ signal }) => {
      await sleep(1_000_000, { signal })
      return 'done'
    })
    await vi.advanceTimersByTimeAsync(1_000_000)
    expect(await outcome).toBe('done')
    expect(scope.signal.aborted).toBe(false)
  })

  it('aborts at once when ms is 0', () => {
    const scope = timeout(0)
    expect(scope.signal.aborted).toBe(true)
    expect(scope.expired).toBe(true)
    expect(isTimeoutError(scope.signal.reason)).toBe(true)
  })

  it('waits past 2^31 - 1 ms without firing early', async () => {
    vi.useFakeTimers()
    const scope = timeout(2 ** 31 + 1000)
    await vi.advanceTimersByTimeAsync(2 ** 31)
    expect(scope.signal.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1000)
    expect(scope.expired).toBe(true)
  })

  it.each([
    [
      Number.NaN,
      RangeError,
      'Expected `ms` to be a non-negative number of milliseconds or Infinity, got `NaN` (number)',
    ],
    [
      -1,
      RangeError,
      'Expected `ms` to be a non-negative number of milliseconds or Infinity, got `-1` (number)',
    ],
    [
      Number.NEGATIVE_INFINITY,
      RangeError,
      'Expected `ms` to be a non-negative number of milliseconds or Infinity, got `-Infinity` (number)',
    ],
    [
      '5',
      TypeError,
      'Expected `ms` to be a non-negative number of milliseconds or Infinity, got `5` (string)',
    ],
    [
      undefined,
      TypeError,
      'Expected `ms` to be a non-negative number of milliseconds or Infinity, got `undefined` (undefined)',
    ],
    [
      null,
      TypeError,
      'Expected `ms` to be a non-negative number of milliseconds or Infinity, got `null` (null)',
    ],
  ])('throws when ms is %s', (ms, type, message) => {
    expect(() => timeout(ms as number)).toThrow(type)
    expect(() => timeout(ms as number)).toThrow(message)
  })

  it('throws a TypeError when the signal is not an AbortSignal', () => {
    expect(() => timeout(10, { signal: 'nope' as never })).toThrow(TypeError)
    expect(() => timeout(10, { signal: 'nope' as never })).toThrow(
      'Expected `signal` to be an AbortSignal, got `nope` (string)',
    )
  })

  it('gives the scope itself when entered, and never suppresses', async () => {
    const scope = timeout(1000)
    expect(await scope.enter()).toBe(scope)
    expect(await scope.exit({ error: new Error('x') })).toBeUndefined()
  })

  it('removes its listener from the outer signal when left', async () => {
    const controller = new AbortController()
    await withContext(timeout(1000, { signal: controller.signal }), () => {
      expect(abortListeners(controller.signal)).toBe(1)
    })
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('removes its listener from the outer signal when its own deadline passes', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const scope = timeout(5, { signal: controller.signal })
    await vi.advanceTimersByTimeAsync(5)
    expect(scope.expired).toBe(true)
    expect(abortListeners(controller.signal)).toBe(0)
    controller.abort(new Error('too late'))
    expect(isTimeoutError(scope.signal.reason)).toBe(true)
  })

  it('clears the timer when using disposes the scope', () => {
    vi.useFakeTimers()
    {
      using scope = timeout(1000)
      expect(scope.signal.aborted).toBe(false)
      expect(vi.getTimerCount()).toBe(1)
    }
    expect(vi.getTimerCount()).toBe(0)
  })

  it('clears the timer when await using disposes the scope', async () => {
    vi.useFakeTimers()
    {
      await using scope = timeout(1000)
      expect(scope.signal.aborted).toBe(false)
      expect(vi.getTimerCount()).toBe(1)
    }
    expect(vi.getTimerCount()).toBe(0)
  })

  it('lets the TimeoutError reason through await using as the body threw it', async () => {
    vi.useFakeTimers()
    let reason: unknown
    const outcome = rejectionOf(
      (async () => {
        await using scope = timeout(10)
        reason = scope.signal
        await sleep(1000, { signal: scope.signal })
      })(),
    )
    await vi.advanceTimersByTimeAsync(10)
    const error = await outcome
    expect(error).toBe((reason as AbortSignal).reason)
    expect(isTimeoutError(error)).toBe(true)
  })
})

describe('nested timeout scopes (asyncio test_timeouts.py, trio cancel scopes)', () => {
  it('does not let a TimeoutError catch inside the inner scope swallow the outer expiry', async () => {
    // test_nested_timeouts_concurrent: the outer deadline passes while the inner one has not.
    vi.useFakeTimers()
    const caughtInside: unknown[] = []
    let reachedEnd = false
    const outer = timeout(10)
    const outcome = rejectionOf(
      withContext(outer, async ({ signal }) => {
        await withContext(timeout(1000, { signal }), async (inner) => {
          try {
            await sleep(5000, { signal: inner.signal })
          } catch (error) {
            caughtInside.push(error)
            if (isTimeoutError(error)) return // "my own timeout": must not match the outer one
            throw error
          }
        })
        reachedEnd = true
      }),
    )
    await vi.advanceTimersByTimeAsync(10)
    const error = await outcome
    expect(isTimeoutError(error)).toBe(true)
    expect(error).toBe(outer.signal.reason)
    expect(reachedEnd).toBe(false)
    expect(caughtInside).toHaveLength(1)
    expect((caughtInside[0] as Error).name).toBe('AbortError')
    expect((caughtInside[0] as Error).cause).toBe(error)
  })

  it('raises only from the outer scope when both share one deadline, and both are expired', async () => {
    // test_nested_timeouts: "Only the topmost context manager should raise TimeoutError"
    vi.useFakeTimers()
    const at = Date.now() + 10
    const outer = deadline(at)
    let inner: TimeoutScope | undefined
    let fromInner: unknown
    const outcome = rejectionOf(
      withContext(outer, async ({ signal }) => {
        inner = deadline(at, { signal })
        try {
          await withContext(inner, (scope) => sleep(5000, { signal: scope.signal }))
        } catch (error) {
          fromInner = error
          throw error
        }
      }),
    )
    await vi.advanceTimersByTimeAsync(10)
    const error = await outcome
    expect(isTimeoutError(error)).toBe(true)
    expect(isTimeoutError(fromInner)).toBe(false)
    expect((fromInner as Error).name).toBe('AbortError')
    expect(outer.expired).toBe(true)
    expect(inner?.expired).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('raises only from the outer scope when the inner timer of a shared deadline runs first', async () => {
    vi.useFakeTimers()
    const at = Date.now() + 10
    const outer = deadline(at)
    let inner: TimeoutScope | undefined
    let fromInner: unknown
    let ownReason: unknown
    const outcome = rejectionOf(
      withContext(outer, async ({ signal }) => {
        inner = deadline(at, { signal })
        // Re-arming the outer timer for the same time puts it after the inner one.
        outer.reschedule(at)
        // The body ignores the signal until both timers have run.
        await withContext(inner, async () => {
          await new Promise((resolve) => setTimeout(resolve, 20))
          // The inner timer ran first: its own signal holds its own TimeoutError.
          ownReason = inner?.signal.reason
          inner?.signal.throwIfAborted()
        }).catch((error: unknown) => {
          fromInner = error
          throw error
        })
      }),
    )
    await vi.advanceTimersByTimeAsync(20)
    const error = await outcome
    expect(isTimeoutError(error)).toBe(true)
    expect(error).toBe(outer.signal.reason)
    expect(isTimeoutError(fromInner)).toBe(false)
    expect(isTimeoutError(ownReason)).toBe(true)
    expect(ownReason).not.toBe(error)
    expect(outer.expired).toBe(true)
    expect(inner?.expired).toBe(true)
  })

  it('shows the outer expiry to tasks of a TaskGroup in the inner scope as a cancellation', async () => {
    vi.useFakeTimers()
    const seen: unknown[] = []
    const outer = timeout(10)
    const outcome = rejectionOf(
      withContext(outer, ({ signal }) =>
        withContext(timeout(1000, { signal }), (inner) =>
          withContext(new TaskGroup({ signal: inner.signal }), (group) => {
            for (let i = 0; i < 3; i++) {
              group.spawn((taskSignal) =>
                sleep(5000, { signal: taskSignal }).catch((error: unknown) => {
                  seen.push(error)
                  throw error
                }),
              )
            }
          }),
        ),
      ),
    )
    await vi.advanceTimersByTimeAsync(10)
    const error = await outcome
    expect(error).toBe(outer.signal.reason)
    expect(seen).toHaveLength(3)
    expect(seen.every((reason) => !isTimeoutError(reason))).toBe(true)
  })
})

describe('a timeout scope is single-use (asyncio test_timeout_double_enter)', () => {
  it('throws AlreadyEnteredError when entered while active, and keeps its own deadline', async () => {
    vi.useFakeTimers()
    const scope = timeout(100)
    let second: unknown
    const outcome = rejectionOf(
      withContext(scope, async ({ signal }) => {
        second = await rejectionOf(withContext(scope, () => 'nested'))
        await sleep(300, { signal })
      }),
    )
    await vi.advanceTimersByTimeAsync(100)
    const error = await outcome
    expect(second).toBeInstanceOf(AlreadyEnteredError)
    expect((second as Error).message).toContain('already active')
    expect(isTimeoutError(error)).toBe(true)
    expect(scope.expired).toBe(true)
  })

  it('throws AlreadyEnteredError when entered after it finished', async () => {
    const scope = timeout(1000)
    expect(await withContext(scope, () => 'first')).toBe('first')
    let ran = false
    const error = await rejectionOf(
      withContext(scope, () => {
        ran = true
      }),
    )
    expect(isAlreadyEnteredError(error)).toBe(true)
    expect((error as Error).message).toContain('already finished')
    expect(ran).toBe(false)
  })

  it('throws AlreadyEnteredError when entered after using disposed it', async () => {
    const scope = timeout(1000)
    {
      using _scope = scope
    }
    await expect(scope.enter()).rejects.toBeInstanceOf(AlreadyEnteredError)
  })
})

describe('deadline()', () => {
  it('throws TimeoutError when a deadline given in epoch milliseconds passes', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00.000Z') })
    const scope = deadline(Date.now() + 10)
    expect(scope.deadline).toBe(Date.now() + 10)
    const outcome = rejectionOf(withContext(scope, ({ signal }) => sleep(1000, { signal })))
    await vi.advanceTimersByTimeAsync(10)
    const error = await outcome
    expect(isTimeoutError(error)).toBe(true)
    expect((error as Error).message).toBe('Timed out: the deadline 2030-01-01T00:00:00.010Z passed')
    expect(scope.expired).toBe(true)
  })

  it('accepts a Date', async () => {
    vi.useFakeTimers()
    const at = new Date(Date.now() + 20)
    const scope = deadline(at)
    expect(scope.deadline).toBe(at.getTime())
    await vi.advanceTimersByTimeAsync(19)
    expect(scope.signal.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(scope.expired).toBe(true)
  })

  it('aborts at once when the deadline is in the past', async () => {
    const before = activeTimers()
    for (const at of [Date.now() - 1000, new Date(0), 0, -1]) {
      const scope = deadline(at)
      expect(scope.signal.aborted).toBe(true)
      expect(scope.expired).toBe(true)
      expect(isTimeoutError(scope.signal.reason)).toBe(true)
    }
    expect(await timersAbove(before)).toBe(0)
  })

  it('sets no timer when the deadline is Infinity', () => {
    vi.useFakeTimers()
    const scope = deadline(Number.POSITIVE_INFINITY)
    expect(vi.getTimerCount()).toBe(0)
    expect(scope.deadline).toBe(Number.POSITIVE_INFINITY)
  })

  it('returns the body value and leaves no timer when the body finishes in time', async () => {
    const before = activeTimers()
    const result = await withContext(deadline(Date.now() + 1000), async ({ signal }) => {
      await sleep(1, { signal })
      return 'in time'
    })
    expect(result).toBe('in time')
    expect(await timersAbove(before)).toBe(0)
  })

  it('rethrows an outer abort reason unchanged', async () => {
    const controller = new AbortController()
    const reason = new Error('outer')
    const outcome = rejectionOf(
      withContext(deadline(Date.now() + 1000, { signal: controller.signal }), ({ signal }) =>
        sleep(1000, { signal }),
      ),
    )
    await ticks()
    controller.abort(reason)
    expect(await outcome).toBe(reason)
  })

  it.each([
    [Number.NaN, RangeError, '`NaN` (number)'],
    [Number.NEGATIVE_INFINITY, RangeError, '`-Infinity` (number)'],
    [new Date('not a date'), RangeError, '`Invalid Date` (object)'],
    ['5', TypeError, '`5` (string)'],
    [undefined, TypeError, '`undefined` (undefined)'],
  ])('throws when at is %s', (at, type, detail) => {
    const message = `Expected \`at\` to be epoch milliseconds, a valid Date or Infinity, got ${detail}`
    expect(() => deadline(at as number)).toThrow(type)
    expect(() => deadline(at as number)).toThrow(message)
  })
})

describe('timeout() nested on one deadline', () => {
  it('counts the inner scope expired even when the outer timer ran before Date.now() reached the deadline', async () => {
    vi.useFakeTimers()
    const t0 = Date.now()
    const outer = deadline(t0 + 10)
    // Node may run a timer a millisecond early by Date.now(): make the outer one do so.
    vi.setSystemTime(t0 - 1)
    let inner: TimeoutScope | undefined
    const outcome = rejectionOf(
      withContext(outer, ({ signal }) => {
        inner = deadline(t0 + 10, { signal })
        return withContext(inner, (scope) => sleep(5000, { signal: scope.signal }))
      }),
    )
    await vi.advanceTimersByTimeAsync(10)
    expect(Date.now()).toBeLessThan(t0 + 10)
    expect(await outcome).toBe(outer.signal.reason)
    expect(outer.expired).toBe(true)
    expect(inner?.expired).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('lets only the outer scope raise even when the inner timer runs first', async () => {
    vi.useFakeTimers()
    const t0 = Date.now()
    const outer = deadline(t0 + 10)
    // The inner scope is created a millisecond later, so its timer is due first.
    vi.setSystemTime(t0 + 1)
    let inner: TimeoutScope | undefined
    let seenInside: unknown
    const outcome = rejectionOf(
      withContext(outer, async ({ signal }) => {
        inner = deadline(t0 + 10, { signal })
        seenInside = await rejectionOf(
          withContext(inner, (scope) => sleep(5000, { signal: scope.signal })),
        )
        throw seenInside
      }),
    )
    await vi.advanceTimersByTimeAsync(9)
    const error = await outcome
    expect(error).toBe(outer.signal.reason)
    expect(isTimeoutError(error)).toBe(true)
    expect(isTimeoutError(seenInside)).toBe(false)
    expect((seenInside as Error).name).toBe('AbortError')
    expect(outer.expired).toBe(true)
    expect(inner?.expired).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })
})
