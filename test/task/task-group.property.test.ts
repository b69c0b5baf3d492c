import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { withContext } from '../../src/context/index.js'
import { isTaskGroupError, type TaskGroupError } from '../../src/task/errors.js'
import { sleep } from '../../src/task/sleep.js'
import { TaskGroup } from '../../src/task/task-group.js'
import { abortListeners } from '../_helpers/concurrent-probe.js'

/** One task: waits `delay` ms (honouring the signal or not), then may spawn a child and fail. */
interface TaskPlan {
  readonly delay: number
  readonly honoursSignal: boolean
  /** `'sync'` throws before the first await, `'after'` throws once the wait is over. */
  readonly fails: 'no' | 'sync' | 'after'
  readonly child: TaskPlan | null
}

const leaf = fc.record({
  delay: fc.nat(20),
  honoursSignal: fc.boolean(),
  fails: fc.constantFrom('no', 'sync', 'after', 'no'),
  child: fc.constant(null),
}) as fc.Arbitrary<TaskPlan>

const taskPlan: fc.Arbitrary<TaskPlan> = fc.record({
  delay: fc.nat(20),
  honoursSignal: fc.boolean(),
  fails: fc.constantFrom('no', 'sync', 'after', 'no'),
  child: fc.option(leaf, { nil: null, freq: 3 }),
}) as fc.Arbitrary<TaskPlan>

const bodyPlan = fc.record({
  delay: fc.nat(20),
  honoursSignal: fc.boolean(),
  throws: fc.boolean(),
})

/** When the outer signal aborts: never, before the group is made, or after `at` ms. */
const outerPlan = fc.oneof(
  fc.constant({ kind: 'never' as const }),
  fc.constant({ kind: 'pre' as const }),
  fc.record({ kind: fc.constant('at' as const), at: fc.nat(30) }),
)

afterEach(() => {
  vi.useRealTimers()
})

describe('TaskGroup properties', () => {
  it('settles every task before exiting and throws exactly the failures that happened, under any timing', async () => {
    vi.useFakeTimers()
    await fc.assert(
      fc.asyncProperty(
        fc.array(taskPlan, { maxLength: 8 }),
        bodyPlan,
        outerPlan,
        async (plans, body, outerAbort) => {
          const controller = new AbortController()
          const outerReason = new Error('outer abort')
          if (outerAbort.kind === 'pre') controller.abort(outerReason)
          if (outerAbort.kind === 'at')
            setTimeout(() => controller.abort(outerReason), outerAbort.at)
          const group = new TaskGroup({ signal: controller.signal })
          // Every error a task or the body actually threw, in the order it was thrown.
          const thrown: Error[] = []
          let bodyError: Error | undefined
          let started = 0
          let settled = 0
          // Whether any work stopped because of an abort (a wait that honoured the signal,
          // or a spawn into the aborted group).
          let cancelled = false

          const wait = async (
            plan: { delay: number; honoursSignal: boolean },
            signal: AbortSignal,
          ) => {
            if (!plan.honoursSignal) return sleep(plan.delay)
            try {
              await sleep(plan.delay, { signal })
            } catch (reason) {
              expect(reason).toBe(signal.reason)
              cancelled = true
              throw reason
            }
          }
          const spawn = (fn: (signal: AbortSignal) => unknown) => {
            if (group.signal.aborted) cancelled = true
            group.spawn(fn)
          }

          const run = (plan: TaskPlan, id: string) => (signal: AbortSignal) => {
            started++
            if (plan.fails === 'sync') {
              settled++
              const error = new Error(`sync ${id}`)
              thrown.push(error)
              throw error
            }
            return (async () => {
              try {
                await wait(plan, signal)
                if (plan.child !== null) spawn(run(plan.child, `${id}.child`))
                if (plan.fails === 'after') {
                  const error = new Error(`after ${id}`)
                  thrown.push(error)
                  throw error
                }
                return id
              } finally {
                settled++
              }
            })()
          }

          const outcome = withContext(group, async () => {
            plans.forEach((plan, index) => {
              spawn(run(plan, String(index)))
            })
            await wait(body, group.signal)
            if (body.throws) {
              bodyError = new Error('body')
              throw bodyError
            }
            return 'body done'
          })
          let settledAtExit = -1
          let startedAtExit = -1
          const result = outcome.then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error }),
          )
          void result.then(() => {
            settledAtExit = settled
            startedAtExit = started
          })
          // Durations are at most 20 ms, children double it: 100 ms is past everything.
          await vi.advanceTimersByTimeAsync(100)
          const final = await result

          expect(settledAtExit).toBe(startedAtExit)
          expect(group.statistics()).toMatchObject({ running: 0, state: 'closed' })
          expect(vi.getTimerCount()).toBe(0)

          expect(abortListeners(controller.signal)).toBe(0)

          const expected = bodyError === undefined ? thrown : [bodyError, ...thrown]
          if (expected.length === 0) {
            if (controller.signal.aborted && cancelled) {
              // Only the outer abort stopped work: its reason comes back unchanged.
              expect(final).toEqual({ ok: false, error: outerReason })
              expect((final as { error: unknown }).error).toBe(outerReason)
            } else {
              expect(final).toEqual({ ok: true, value: 'body done' })
            }
            return
          }
          expect(final.ok).toBe(false)
          const error = (final as { error: unknown }).error
          expect(isTaskGroupError(error)).toBe(true)
          const errors = (error as TaskGroupError).errors
          expect(errors).toHaveLength(expected.length)
          expected.forEach((failure, index) => {
            expect(errors[index]).toBe(failure)
          })
          expect(errors).not.toContain(group.signal.reason)
          expect(group.signal.aborted).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })
})
