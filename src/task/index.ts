// Public entry of `asyncwith/task`. Explicit names only, so the public surface shows in diffs.
export { isTimeoutError, TimeoutError } from '../context/index.js'
export { type AsCompletedOptions, asCompleted, type SettledResult } from './as-completed.js'
export {
  AlreadyEnteredError,
  ClosedError,
  isAlreadyEnteredError,
  isClosedError,
  isTaskGroupError,
  isWouldBlockError,
  TaskGroupError,
  WouldBlockError,
} from './errors.js'
export { Queue, type QueueStatistics, type QueueWaitOptions } from './queue.js'
export {
  RateLimiter,
  type RateLimiterOptions,
  type RateLimiterStatistics,
  type TakeOptions,
} from './rate-limiter.js'
export {
  type AcquireOptions,
  type Permit,
  Semaphore,
  type SemaphoreStatistics,
} from './semaphore.js'
export { type SleepOptions, sleep } from './sleep.js'
export { Task } from './task.js'
export {
  type SpawnOptions,
  TaskGroup,
  type TaskGroupOptions,
  type TaskGroupStatistics,
} from './task-group.js'
export { deadline, type TimeoutOptions, TimeoutScope, timeout } from './timeout.js'
