// Type tests for asyncwith/task, checked by `tsc --noEmit` (not run by vitest).
import type { AsyncWithError } from 'asyncwith/context'
import {
  AlreadyEnteredError,
  isAlreadyEnteredError,
  type Task,
  TaskGroup,
  type TimeoutScope,
  timeout,
} from 'asyncwith/task'
import { describe, expectTypeOf, it } from 'vitest'

describe('Task.cancel()', () => {
  it('takes an optional reason of any type and tells whether it aborted the task', () => {
    const group = new TaskGroup()
    const task = group.spawn(async (signal) => signal.aborted)
    expectTypeOf(task).toEqualTypeOf<Task<boolean>>()
    expectTypeOf(task.cancel).toBeCallableWith()
    expectTypeOf(task.cancel).toBeCallableWith(new Error('stop'))
    expectTypeOf(task.cancel).toBeCallableWith({ why: 'any reason' })
    expectTypeOf(task.cancel()).toEqualTypeOf<boolean>()
  })
})

describe('AlreadyEnteredError', () => {
  it('is an AsyncWithError, and isAlreadyEnteredError narrows to it', () => {
    expectTypeOf<AlreadyEnteredError>().toMatchTypeOf<AsyncWithError>()
    const caught: unknown = new AlreadyEnteredError('entered')
    if (isAlreadyEnteredError(caught)) expectTypeOf(caught.code).toEqualTypeOf<string>()
  })

  it('comes from entering a TimeoutScope, whose enter() gives the scope', () => {
    expectTypeOf(timeout(10).enter()).toEqualTypeOf<Promise<TimeoutScope>>()
  })
})
