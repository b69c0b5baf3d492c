import { afterEach, describe, expect, it, vi } from 'vitest'
import { isSuppressedError, withContext } from '../../src/context/index.js'
import {
  AlreadyEnteredError,
  isClosedError,
  isTaskGroupError,
  TaskGroupError,
} from '../../src/task/errors.js'
import { isTimeoutError, TimeoutError, timeout } from '../../src/task/index.js'
import { sleep } from '../../src/task/sleep.js'
import { Task } from '../../src/task/task.js'
import { TaskGroup } from '../../src/task/task-group.js'
import { abortListeners, deferred, ticks } from '../_helpers/concurrent-probe.js'
import { activeTimers, timersAbove, unhandledDuring } from '../_helpers/tracked.js'

/** What `promise` rejected with; fails the test if it resolved. */
async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('Expected a rejection, but the promise resolved')
}

/** The `TaskGroupError` that `promise` rejected with. */
async function groupErrorOf(promise: PromiseLike<unknown>): Promise<TaskGroupError> {
  const error = await rejectionOf(promise)
  expect(isTaskGroupError(error)).toBe(true)
  return error as TaskGroupError
}

/** Resolves when `signal` aborts, then rejects with its reason, as a signal-aware API does. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason)
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

afterEach(() => {
  vi.useRealTimers()
})

describe('TaskGroup', () => {
  it('passes fn a signal of its own that follows the group signal when spawning', async () => {
    const seen: AbortSignal[] = []
    const controller = new AbortController()
    const run = withContext(new TaskGroup({ signal: controller.signal }), (group) => {
      group.spawn(async (signal) => {
        seen.push(signal)
      })
      group.spawn((signal) => {
        seen.push(signal)
      })
      expect(seen).toHaveLength(2)
      expect(seen[0]).not.toBe(seen[1])
      expect(seen.some((signal) => signal.aborted)).toBe(false)
      const waiting = group.spawn((signal) => sleep(60_000, { signal }))
      controller.abort(new Error('outer'))
      return waiting
    })
    await expect(run).rejects.toThrow('outer')
  })

  it('runs fn synchronously up to its first await when spawning', async () => {
    const log: string[] = []
    await withContext(new TaskGroup(), (group) => {
      group.spawn(async () => {
        log.push('task started')
        await null
        log.push('task resumed')
      })
      log.push('spawn returned')
    })
    expect(log).toEqual(['task started', 'spawn returned', 'task resumed'])
  })

  it('waits for every task to settle when leaving', async () => {
    let finallies = 0
    const result = await withContext(new TaskGroup(), (group) => {
      for (const ms of [15, 1, 5]) {
        group.spawn(async () => {
          try {
            await sleep(ms)
          } finally {
            finallies++
          }
        })
      }
      expect(finallies).toBe(0)
      return 'body value'
    })
    expect(result).toBe('body value')
    expect(finallies).toBe(3)
  })

  it('awaits tasks that tasks spawn while the group is closing', async () => {
    const log: string[] = []
    const group = new TaskGroup()
    await withContext(group, () => {
      group.spawn(async () => {
        await sleep(2)
        expect(group.statistics().state).toBe('closing')
        group.spawn(async () => {
          await sleep(5)
          group.spawn(async () => {
            await sleep(1)
            log.push('grandchild')
          })
          log.push('child')
        })
        log.push('parent')
      })
    })
    log.push('exited')
    expect(log).toEqual(['parent', 'child', 'grandchild', 'exited'])
    expect(group.statistics().state).toBe('closed')
  })

  it('aborts the other tasks when the first task fails and waits for them before throwing', async () => {
    const log: string[] = []
    const failure = new Error('task failed')
    const signals: AbortSignal[] = []
    const outcome = withContext(new TaskGroup(), (group) => {
      for (const name of ['a', 'b']) {
        group.spawn(async (signal) => {
          signals.push(signal)
          try {
            await untilAborted(signal)
          } finally {
            // Cleanup that itself takes time must still finish before the group exits.
            await sleep(3)
            log.push(`finally ${name}`)
          }
        })
      }
      group.spawn(async () => {
        await sleep(1)
        throw failure
      })
    })
    const error = await groupErrorOf(outcome)
    log.push('exited')
    expect(log).toEqual(['finally a', 'finally b', 'exited'])
    expect(error.errors).toEqual([failure])
    expect(error.errors[0]).toBe(failure)
    for (const signal of signals) {
      expect(signal.aborted).toBe(true)
      expect(signal.reason).toBeInstanceOf(DOMException)
      expect((signal.reason as DOMException).name).toBe('AbortError')
    }
  })

  it('throws a TaskGroupError, an AggregateError, even when a single task fails', async () => {
    const failure = new Error('only one')
    const error = await groupErrorOf(
      withContext(new TaskGroup(), (group) => {
        group.spawn(async () => {
          throw failure
        })
      }),
    )
    expect(error).toBeInstanceOf(AggregateError)
    expect(error).toBeInstanceOf(TaskGroupError)
    expect(error.name).toBe('TaskGroupError')
    expect(error.code).toBe('ASYNCWITH_TASK_GROUP')
    expect(error.message).toBe('TaskGroup ended with 1 failure; first: Error: only one')
    expect(error.errors).toEqual([failure])
  })

  it('lists task failures in the order they failed when several tasks fail', async () => {
    const errors = [new Error('second'), new Error('first'), new Error('third')]
    const error = await groupErrorOf(
      withContext(new TaskGroup(), (group) => {
        const [second, first, third] = errors
        group.spawn(async () => {
          await sleep(5)
          throw second
        })
        group.spawn(async () => {
          await sleep(1)
          throw first
        })
        // Ignores the abort, then fails on its own: still a failure, listed last.
        group.spawn(async () => {
          await sleep(10)
          throw third
        })
      }),
    )
    expect(error.errors).toHaveLength(3)
    expect(error.errors[0]).toBe(errors[1])
    expect(error.errors[1]).toBe(errors[0])
    expect(error.errors[2]).toBe(errors[2])
    expect(error.message).toBe('TaskGroup ended with 3 failures; first: Error: first')
  })

  it('lists the body error first when the body throws after a task failed', async () => {
    const taskFailure = new Error('task')
    const bodyFailure = new Error('body')
    const error = await groupErrorOf(
      withContext(new TaskGroup(), async (group) => {
        group.spawn(async () => {
          throw taskFailure
        })
        await ticks()
        expect(group.signal.aborted).toBe(true)
        throw bodyFailure
      }),
    )
    expect(error.errors).toHaveLength(2)
    expect(error.errors[0]).toBe(bodyFailure)
    expect(error.errors[1]).toBe(taskFailure)
  })

  it('aborts the tasks at once when the body throws', async () => {
    const bodyFailure = new Error('body')
    let taskSignal: AbortSignal | undefined
    let finallies = 0
    const error = await groupErrorOf(
      withContext(new TaskGroup(), (group) => {
        group.spawn(async (signal) => {
          taskSignal = signal
          try {
            await sleep(10_000, { signal })
          } finally {
            finallies++
          }
        })
        throw bodyFailure
      }),
    )
    expect(error.errors).toEqual([bodyFailure])
    expect(error.errors[0]).toBe(bodyFailure)
    expect(taskSignal?.aborted).toBe(true)
    expect(finallies).toBe(1)
  })

  it('does not list tasks that stopped by throwing signal.reason or an AbortError caused by it', async () => {
    const failure = new Error('real failure')
    const error = await groupErrorOf(
      withContext(new TaskGroup(), (group) => {
        group.spawn((signal) => sleep(10_000, { signal }))
        group.spawn(async (signal) => {
          await untilAborted(signal).catch((reason: unknown) => {
            const abortError = new Error('The operation was aborted', { cause: reason })
            abortError.name = 'AbortError'
            throw abortError
          })
        })
        group.spawn(async () => {
          await sleep(1)
          throw failure
        })
      }),
    )
    expect(error.errors).toEqual([failure])
  })

  it('lists a task that throws a different error after being aborted', async () => {
    const failure = new Error('first')
    const cleanupFailure = new Error('cleanup failed')
    const error = await groupErrorOf(
      withContext(new TaskGroup(), (group) => {
        group.spawn(async (signal) => {
          await untilAborted(signal).catch(() => {
            throw cleanupFailure
          })
        })
        group.spawn(async () => {
          throw failure
        })
      }),
    )
    expect(error.errors).toHaveLength(2)
    expect(error.errors[0]).toBe(failure)
    expect(error.errors[1]).toBe(cleanupFailure)
  })

  it('counts a synchronous throw in fn as a task failure, not an error of spawn', async () => {
    const failure = new Error('sync')
    let task: Task<never> | undefined
    let otherSignal: AbortSignal | undefined
    const error = await groupErrorOf(
      withContext(new TaskGroup(), (group) => {
        group.spawn(async (signal) => {
          otherSignal = signal
          await untilAborted(signal)
        })
        task = group.spawn((): never => {
          throw failure
        })
        expect(group.signal.aborted).toBe(true)
      }),
    )
    expect(error.errors).toEqual([failure])
    expect(await rejectionOf(task as Task<never>)).toBe(failure)
    expect(otherSignal?.aborted).toBe(true)
  })

  it('resolves the task with the value when fn returns a non-promise', async () => {
    await withContext(new TaskGroup(), async (group) => {
      const task = group.spawn(() => 42)
      expect(group.statistics().running).toBe(0)
      expect(await task).toBe(42)
    })
  })

  it('accepts fn returning a thenable that is not a Promise', async () => {
    const failure = new Error('thenable')
    const error = await groupErrorOf(
      withContext(new TaskGroup(), async (group) => {
        const ok = group.spawn(
          () =>
            ({
              then: (resolve: (value: string) => void) => resolve('custom'),
            }) as unknown as PromiseLike<string>,
        )
        expect(await ok).toBe('custom')
        group.spawn(
          () =>
            ({
              then: (_: unknown, reject: (error: unknown) => void) => reject(failure),
            }) as unknown as PromiseLike<never>,
        )
      }),
    )
    expect(error.errors).toEqual([failure])
  })

  it('gives the result or the error when awaiting a task', async () => {
    const failure = new Error('task failed')
    const error = await groupErrorOf(
      withContext(new TaskGroup(), async (group) => {
        const ok = group.spawn(async () => 'ok', { name: 'good' })
        expect(ok).toBeInstanceOf(Task)
        expect(ok.name).toBe('good')
        expect(await ok).toBe('ok')
        expect(await ok.promise).toBe('ok')
        const bad = group.spawn(async () => {
          throw failure
        })
        expect(bad.name).toBeUndefined()
        expect(await rejectionOf(bad)).toBe(failure)
        expect(await rejectionOf(bad.promise)).toBe(failure)
      }),
    )
    expect(error.errors).toEqual([failure])
  })

  it('lists a failure once when the body rethrows a task error it awaited', async () => {
    const failure = new Error('task failed')
    const error = await groupErrorOf(
      withContext(new TaskGroup(), async (group) => {
        const tasks = [
          group.spawn(async () => {
            throw failure
          }),
          group.spawn((signal) => sleep(10_000, { signal })),
        ]
        await Promise.all(tasks)
      }),
    )
    expect(error.errors).toHaveLength(1)
    expect(error.errors[0]).toBe(failure)
  })

  it('lists a failure once when a task rethrows a sibling error it awaited', async () => {
    const failure = new Error('task failed')
    const error = await groupErrorOf(
      withContext(new TaskGroup(), (group) => {
        const first = group.spawn(async () => {
          await sleep(1)
          throw failure
        })
        group.spawn(async () => {
          await first
        })
      }),
    )
    expect(error.errors).toHaveLength(1)
    expect(error.errors[0]).toBe(failure)
  })

  it('lists two equal primitive failures twice when two tasks throw them', async () => {
    const error = await groupErrorOf(
      withContext(new TaskGroup(), (group) => {
        group.spawn(async () => {
          throw 'boom'
        })
        group.spawn(async () => {
          throw 'boom'
        })
      }),
    )
    expect(error.errors).toEqual(['boom', 'boom'])
  })

  it('reports no unhandled rejection when a failing task is never awaited', async () => {
    const seen = await unhandledDuring(async () => {
      const error = await groupErrorOf(
        withContext(new TaskGroup(), (group) => {
          group.spawn(async () => {
            throw new Error('async failure')
          })
          group.spawn(() => {
            throw new Error('sync failure')
          })
          group.spawn(async (signal) => {
            await untilAborted(signal)
          })
          // Spawned into the aborted group: rejects with the reason, never awaited.
          group.spawn(async () => 'never runs')
        }),
      )
      expect(error.errors).toHaveLength(2)
    })
    expect(seen).toEqual([])
  })

  it('throws ClosedError when spawning after the group has exited', async () => {
    const group = new TaskGroup()
    await withContext(group, () => {})
    const fn = vi.fn(async () => {})
    let error: unknown
    try {
      group.spawn(fn)
    } catch (caught) {
      error = caught
    }
    expect(isClosedError(error)).toBe(true)
    expect((error as { code: string }).code).toBe('ASYNCWITH_CLOSED')
    expect((error as Error).message).toMatch(/closed to new tasks/)
    expect(fn).not.toHaveBeenCalled()
    expect(group.statistics().state).toBe('closed')
  })

  it('throws ClosedError when spawning after a failed group has exited', async () => {
    const group = new TaskGroup()
    await groupErrorOf(
      withContext(group, () => {
        throw new Error('body')
      }),
    )
    expect(() => group.spawn(async () => {})).toThrow(
      expect.objectContaining({ code: 'ASYNCWITH_CLOSED' }),
    )
  })

  it('does not call fn when spawning into an aborted group, and rejects the task with the reason', async () => {
    const failure = new Error('first')
    const fn = vi.fn(async () => 'late')
    let late: Task<string> | undefined
    const error = await groupErrorOf(
      withContext(new TaskGroup(), async (group) => {
        group.spawn(async () => {
          throw failure
        })
        await ticks()
        late = group.spawn(fn)
      }),
    )
    expect(fn).not.toHaveBeenCalled()
    const reason = await rejectionOf(late as Task<string>)
    expect(reason).toBeInstanceOf(DOMException)
    expect(error.errors).toEqual([failure])
  })

  it('throws TypeError when fn is not a function', async () => {
    await withContext(new TaskGroup(), (group) => {
      expect(() => group.spawn(42 as never)).toThrow(TypeError)
      expect(() => group.spawn(42 as never)).toThrow(
        'Expected `fn` to be a function, got `42` (number)',
      )
    })
  })

  it('throws TypeError when constructed with a signal that is not an AbortSignal', () => {
    expect(() => new TaskGroup({ signal: {} as AbortSignal })).toThrow(TypeError)
    expect(() => new TaskGroup({ signal: {} as AbortSignal })).toThrow(
      'Expected `signal` to be an AbortSignal',
    )
  })

  it('throws when entered twice', async () => {
    const group = new TaskGroup()
    await withContext(group, async () => {
      await expect(group.enter()).rejects.toThrow('TaskGroup has already been entered')
      await expect(group.enter()).rejects.toBeInstanceOf(AlreadyEnteredError)
    })
    await expect(group.enter()).rejects.toSatisfy(isClosedError)
    await expect(withContext(group, () => {})).rejects.toSatisfy(isClosedError)
  })

  it('throws when left twice', async () => {
    const group = new TaskGroup()
    await group.enter()
    await group.exit()
    await expect(group.exit()).rejects.toThrow('TaskGroup is already leaving or has left')
  })

  it('waits for the tasks when used with await using', async () => {
    let finallies = 0
    {
      await using group = new TaskGroup()
      group.spawn(async () => {
        try {
          await sleep(5)
        } finally {
          finallies++
        }
      })
    }
    expect(finallies).toBe(1)
  })

  it('throws TaskGroupError when used with await using and a task fails', async () => {
    const failure = new Error('task')
    const error = await groupErrorOf(
      (async () => {
        await using group = new TaskGroup()
        group.spawn((signal) => sleep(10_000, { signal }))
        group.spawn(async () => {
          throw failure
        })
      })(),
    )
    expect(error.errors).toEqual([failure])
  })

  it('combines the body error and task failures into a SuppressedError when used with await using', async () => {
    const bodyFailure = new Error('body')
    const taskFailure = new Error('task')
    let finallies = 0
    const error = await rejectionOf(
      (async () => {
        await using group = new TaskGroup()
        group.spawn(async () => {
          try {
            await sleep(5)
            throw taskFailure
          } finally {
            finallies++
          }
        })
        // Disposal cannot see this error, so the task is not aborted: the group waits for it.
        throw bodyFailure
      })(),
    )
    expect(finallies).toBe(1)
    expect(isSuppressedError(error)).toBe(true)
    const suppressed = error as SuppressedError
    expect(suppressed.suppressed).toBe(bodyFailure)
    expect(isTaskGroupError(suppressed.error)).toBe(true)
    expect((suppressed.error as TaskGroupError).errors).toEqual([taskFailure])
  })

  it('leaves an outer abort to the body when used with await using, so timeout still reports it', async () => {
    const error = await rejectionOf(
      withContext(timeout(10), async ({ signal }) => {
        await using group = new TaskGroup({ signal })
        group.spawn((taskSignal) => sleep(5_000, { signal: taskSignal }))
        await sleep(5_000, { signal: group.signal }) // rejects with the timeout's reason
      }),
    )
    expect(isTimeoutError(error)).toBe(true)
    expect(isSuppressedError(error)).toBe(false)
  })

  describe('with an outer signal', () => {
    it('aborts the group at once and never calls fn when the outer signal is already aborted', async () => {
      const reason = new Error('outer reason')
      const fn = vi.fn(async () => {})
      const group = new TaskGroup({ signal: AbortSignal.abort(reason) })
      expect(group.signal.aborted).toBe(true)
      expect(group.signal.reason).toBe(reason)
      const error = await rejectionOf(
        withContext(group, (entered) => {
          const task = entered.spawn(fn)
          task.promise.catch(() => {})
        }),
      )
      expect(error).toBe(reason)
      expect(fn).not.toHaveBeenCalled()
    })

    it('aborts running tasks with the same reason when the outer signal aborts mid-flight', async () => {
      const controller = new AbortController()
      const reason = new Error('stop')
      const reasons: unknown[] = []
      let finallies = 0
      const outcome = withContext(new TaskGroup({ signal: controller.signal }), (group) => {
        for (let i = 0; i < 2; i++) {
          group.spawn(async (signal) => {
            try {
              await sleep(10_000, { signal })
            } catch (error) {
              reasons.push(error)
              throw error
            } finally {
              finallies++
            }
          })
        }
      })
      await ticks()
      controller.abort(reason)
      const error = await rejectionOf(outcome)
      expect(error).toBe(reason)
      expect(reasons).toEqual([reason, reason])
      expect(finallies).toBe(2)
    })

    it('returns normally when the outer signal aborts but every task ignores it and completes', async () => {
      const controller = new AbortController()
      const group = new TaskGroup({ signal: controller.signal })
      const outcome = withContext(group, (entered) => {
        const task = entered.spawn(async () => {
          await sleep(5)
          return 'done anyway'
        })
        return task
      })
      await ticks()
      controller.abort(new Error('ignored'))
      expect(await outcome).toBe('done anyway')
      expect(group.signal.aborted).toBe(true)
    })

    it('lets the outer reason through unchanged when the body throws it', async () => {
      const controller = new AbortController()
      const reason = new Error('outer')
      const outcome = withContext(new TaskGroup({ signal: controller.signal }), async (group) => {
        await sleep(10_000, { signal: group.signal })
      })
      await ticks()
      controller.abort(reason)
      expect(await rejectionOf(outcome)).toBe(reason)
    })

    it('throws a TaskGroupError, not the outer reason, when a task fails as well', async () => {
      const controller = new AbortController()
      const failure = new Error('cleanup failed')
      const outcome = withContext(new TaskGroup({ signal: controller.signal }), (group) => {
        group.spawn((signal) => sleep(10_000, { signal }))
        group.spawn(async (signal) => {
          await untilAborted(signal).catch(() => {
            throw failure
          })
        })
      })
      await ticks()
      controller.abort(new Error('outer'))
      const error = await groupErrorOf(outcome)
      expect(error.errors).toEqual([failure])
    })

    it('leaves no abort listener on the outer signal after exit', async () => {
      const controller = new AbortController()
      expect(abortListeners(controller.signal)).toBe(0)
      await withContext(new TaskGroup({ signal: controller.signal }), async (group) => {
        expect(abortListeners(controller.signal)).toBe(1)
        group.spawn(() => sleep(1))
      })
      expect(abortListeners(controller.signal)).toBe(0)
      await groupErrorOf(
        withContext(new TaskGroup({ signal: controller.signal }), (group) => {
          group.spawn(async () => {
            throw new Error('task')
          })
        }),
      )
      expect(abortListeners(controller.signal)).toBe(0)
    })
  })

  describe('nested', () => {
    it('surfaces an inner group failure as a TaskGroupError inside the outer TaskGroupError', async () => {
      const failure = new Error('inner task')
      let innerSibling: AbortSignal | undefined
      let outerSibling: AbortSignal | undefined
      const error = await groupErrorOf(
        withContext(new TaskGroup(), (outer) => {
          outer.spawn(async (signal) => {
            outerSibling = signal
            await sleep(10_000, { signal })
          })
          outer.spawn(() =>
            withContext(new TaskGroup({ signal: outer.signal }), (inner) => {
              inner.spawn(async (signal) => {
                innerSibling = signal
                await sleep(10_000, { signal })
              })
              inner.spawn(async () => {
                await sleep(1)
                throw failure
              })
            }),
          )
        }),
      )
      expect(innerSibling?.aborted).toBe(true)
      expect(outerSibling?.aborted).toBe(true)
      expect(error.errors).toHaveLength(1)
      const inner = error.errors[0]
      expect(isTaskGroupError(inner)).toBe(true)
      expect((inner as TaskGroupError).errors).toEqual([failure])
    })

    it('cancels the inner group tasks without listing them when an outer task fails', async () => {
      const failure = new Error('outer task')
      let innerFinallies = 0
      const error = await groupErrorOf(
        withContext(new TaskGroup(), (outer) => {
          outer.spawn(() =>
            withContext(new TaskGroup({ signal: outer.signal }), (inner) => {
              for (let i = 0; i < 3; i++) {
                inner.spawn(async (signal) => {
                  try {
                    await sleep(10_000, { signal })
                  } finally {
                    innerFinallies++
                  }
                })
              }
            }),
          )
          outer.spawn(async () => {
            await sleep(1)
            throw failure
          })
        }),
      )
      expect(innerFinallies).toBe(3)
      expect(error.errors).toEqual([failure])
    })
  })

  describe('inside timeout()', () => {
    it('throws TimeoutError without a TaskGroupError around it when the deadline passes', async () => {
      vi.useFakeTimers()
      let finallies = 0
      let scopeSignal: AbortSignal | undefined
      const outcome = withContext(timeout(10), ({ signal }) => {
        scopeSignal = signal
        return withContext(new TaskGroup({ signal }), (group) => {
          for (let i = 0; i < 2; i++) {
            group.spawn(async (taskSignal) => {
              try {
                await sleep(1000, { signal: taskSignal })
              } finally {
                finallies++
              }
            })
          }
        })
      })
      const settled = rejectionOf(outcome)
      await vi.advanceTimersByTimeAsync(10)
      const error = await settled
      expect(isTimeoutError(error)).toBe(true)
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error).toBe(scopeSignal?.reason)
      expect((error as Error).message).toBe('Timed out after 10 ms')
      expect(finallies).toBe(2)
      expect(vi.getTimerCount()).toBe(0)
    })

    it('throws TimeoutError when the body itself was waiting on the group signal', async () => {
      vi.useFakeTimers()
      const outcome = withContext(timeout(10), ({ signal }) =>
        withContext(new TaskGroup({ signal }), async (group) => {
          group.spawn((taskSignal) => sleep(1000, { signal: taskSignal }))
          await sleep(1000, { signal: group.signal })
        }),
      )
      const settled = rejectionOf(outcome)
      await vi.advanceTimersByTimeAsync(10)
      expect(isTimeoutError(await settled)).toBe(true)
    })

    it('returns the body value when the tasks finish before the deadline and leaves no timer', async () => {
      const before = activeTimers()
      const result = await withContext(timeout(1000), ({ signal }) =>
        withContext(new TaskGroup({ signal }), (group) => {
          const task = group.spawn((taskSignal) => sleep(1, { signal: taskSignal }).then(() => 7))
          return task
        }),
      )
      expect(result).toBe(7)
      expect(await timersAbove(before)).toBe(0)
    })
  })

  it('reports running tasks, failures and state in statistics()', async () => {
    const group = new TaskGroup()
    expect(group.statistics()).toEqual({ running: 0, failures: 0, state: 'open' })
    const gate = deferred()
    const outcome = withContext(group, (entered) => {
      entered.spawn(() => gate.promise)
      entered.spawn(() => gate.promise)
      expect(entered.statistics()).toEqual({ running: 2, failures: 0, state: 'open' })
      throw new Error('body')
    })
    await ticks()
    expect(group.statistics()).toEqual({ running: 2, failures: 1, state: 'closing' })
    gate.resolve()
    await groupErrorOf(outcome)
    expect(group.statistics()).toEqual({ running: 0, failures: 1, state: 'closed' })
  })
})

describe('Task.cancel() (asyncio Task.cancel, test_taskgroup_03)', () => {
  it('stops that task alone; the group and its other tasks go on and it is not a failure', async () => {
    const events: string[] = []
    let cancelled: Task<void> | undefined
    const result = await withContext(new TaskGroup(), async (group) => {
      cancelled = group.spawn(async (signal) => {
        try {
          await sleep(60_000, { signal })
        } finally {
          events.push('cancelled task stopped')
        }
      })
      const other = group.spawn(async (signal) => {
        await sleep(5, { signal })
        events.push('other finished')
        return 'other'
      })
      await ticks(2)
      expect(cancelled.cancel()).toBe(true)
      expect(group.signal.aborted).toBe(false)
      return await other
    })
    expect(result).toBe('other')
    expect(events).toEqual(['cancelled task stopped', 'other finished'])
    const error = await rejectionOf(cancelled!)
    expect((error as Error).name).toBe('AbortError')
  })

  it('rejects the task with the given reason, and returns false once it has settled', async () => {
    const reason = new Error('not needed any more')
    let task: Task<void> | undefined
    await withContext(new TaskGroup(), (group) => {
      task = group.spawn((signal) => sleep(60_000, { signal }))
      expect(task.cancel(reason)).toBe(true)
      expect(task.cancel(new Error('again'))).toBe(false)
    })
    await expect(task!.promise).rejects.toBe(reason)
    expect(task!.cancel()).toBe(false)
  })

  it('still reports a task that fails on its own after being cancelled, as a failure', async () => {
    const boom = new Error('boom')
    const error = await rejectionOf(
      withContext(new TaskGroup(), (group) => {
        const task = group.spawn(async (signal) => {
          await sleep(60_000, { signal }).catch(() => {})
          throw boom
        })
        task.cancel()
      }),
    )
    expect(isTaskGroupError(error)).toBe(true)
    expect((error as TaskGroupError).errors).toEqual([boom])
  })

  it('passes a group abort on to every task signal, and removes its listener when a task settles', async () => {
    const controller = new AbortController()
    const reason = new Error('outer')
    const seen: unknown[] = []
    const run = withContext(new TaskGroup({ signal: controller.signal }), (group) => {
      for (let i = 0; i < 3; i++) {
        group.spawn((signal) =>
          sleep(60_000, { signal }).catch((error: unknown) => {
            seen.push(error)
            throw error
          }),
        )
      }
      group.spawn((signal) => sleep(1, { signal }))
    })
    await new Promise((resolve) => setTimeout(resolve, 5))
    controller.abort(reason)
    await expect(run).rejects.toBe(reason)
    expect(seen).toEqual([reason, reason, reason])
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('returns false for a task whose function takes no signal: there is nothing to abort', async () => {
    await withContext(new TaskGroup(), (group) => {
      const task = group.spawn(async () => 1)
      expect(task.cancel()).toBe(false)
    })
  })
})
