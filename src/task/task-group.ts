import { checkFunction, checkSignal } from '../_internal/check.js'
import { isThenable } from '../_internal/is-thenable.js'
import { noop } from '../_internal/noop.js'
import { onAbort } from '../_internal/on-abort.js'
import { asyncDisposeSymbol } from '../_internal/symbols.js'
import type { AsyncContextManager, Failure } from '../context/index.js'
import { AlreadyEnteredError, ClosedError, TaskGroupError } from './errors.js'
import { Task } from './task.js'

/** Options for {@link TaskGroup}. */
export interface TaskGroupOptions {
  /**
   * An outer signal, such as a {@link timeout} scope's: when it aborts, the group aborts its
   * tasks with the same reason, and leaving the group throws that reason unchanged if any
   * task (or the body) stopped because of it.
   */
  readonly signal?: AbortSignal
}

/** Options for {@link TaskGroup.spawn}. */
export interface SpawnOptions {
  /** A name for the task, for logs and debugging. */
  readonly name?: string
}

/** Counters from {@link TaskGroup.statistics}. */
export interface TaskGroupStatistics {
  /** Tasks started and not yet settled. */
  readonly running: number
  /** Failures recorded so far (the body's included once the group is leaving). */
  readonly failures: number
  /** `'open'`, `'closing'` (leaving, waiting for tasks) or `'closed'`. */
  readonly state: 'open' | 'closing' | 'closed'
}

const OPEN = 0
const CLOSING = 1
const CLOSED = 2
const STATE_NAMES = ['open', 'closing', 'closed'] as const

/**
 * Structured concurrency: Python's `asyncio.TaskGroup`, trio's nursery. Tasks started with
 * {@link TaskGroup.spawn} never outlive the block that owns the group.
 *
 * - Leaving the group waits until every task has settled, including tasks that tasks
 *   spawned while the group was leaving.
 * - The first failure (a task's or the body's) aborts {@link TaskGroup.signal}, which every
 *   task's signal follows; the group then waits for all of them to settle and throws a
 *   {@link TaskGroupError} (an `AggregateError`, even for one failure) holding every failure
 *   exactly once: the body's error first, then the tasks' in the order they failed. A task
 *   that merely stopped because the group aborted it (it threw `signal.reason`) is not a
 *   failure.
 * - An outer `signal` (a {@link timeout} scope's, or a parent group's) reaches every task;
 *   if that abort stopped any work, leaving throws its reason unchanged, so the enclosing
 *   scope can recognise it.
 * - A task's rejection is never an unhandled rejection: the group reports it.
 * - {@link Task.cancel} stops one task alone (asyncio's `Task.cancel()`); a task that stops
 *   because of it is not a failure.
 *
 * JavaScript cannot interrupt a running function, so cancellation is cooperative: pass the
 * signal to whatever the task awaits (`fetch`, {@link sleep}, `Semaphore.acquire`).
 *
 * Use it with `withContext`, which lets the group see the body's error and abort the tasks at
 * once. `await using group = new TaskGroup()` works too, but disposal cannot see the body's
 * error, so the tasks are not aborted when the body throws: the group waits for them, then
 * the body's error and any task failures are combined into a `SuppressedError`.
 *
 * @example
 * import { withContext } from 'asyncwith/context'
 * import { sleep, TaskGroup } from 'asyncwith/task'
 *
 * const results: string[] = []
 * await withContext(new TaskGroup(), (group) => {
 *   for (const [name, ms] of [['slow', 20], ['fast', 5]] as const) {
 *     group.spawn(async (signal) => {
 *       await sleep(ms, { signal })
 *       results.push(name)
 *     })
 *   }
 * })
 * console.log(results) // ['fast', 'slow']
 */
export class TaskGroup implements AsyncContextManager<TaskGroup, void>, AsyncDisposable {
  readonly #controller = new AbortController()
  readonly #outer: AbortSignal | undefined
  #removeOuter: (() => void) | undefined
  #state = OPEN
  #entered = false
  #running = 0
  #failures: unknown[] = []
  #cancelled = false
  #wake: (() => void) | undefined

  // One pair of handlers per group, not per task: spawning stays cheap.
  readonly #settled = (): void => {
    if (--this.#running === 0 && this.#wake !== undefined) this.#wake()
  }

  readonly #failed = (error: unknown): void => {
    this.#record(error)
    this.#settled()
  }

  /**
   * @param options - `signal`: an outer signal whose abort reaches every task.
   * @throws {TypeError} If `options.signal` is not an `AbortSignal`.
   */
  constructor(options?: TaskGroupOptions) {
    const outer = checkSignal('signal', options?.signal)
    this.#outer = outer
    if (outer === undefined) return
    if (outer.aborted) this.#controller.abort(outer.reason)
    else this.#removeOuter = onAbort(outer, () => this.#controller.abort(outer.reason))
  }

  /**
   * The group's signal; every task's signal follows it. It aborts on the first failure, or when the outer signal
   * aborts; the body can watch it too.
   */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /**
   * Starts `fn(signal)` at once as a task of this group and returns its {@link Task}. `fn`
   * runs synchronously up to its first `await`, as calling an async function does; a
   * synchronous throw is a failure of the task, not of `spawn`.
   *
   * Tasks may spawn more tasks, even while the group is leaving. If the group has already
   * aborted, `fn` is not called: the task is cancelled before it starts (it rejects with
   * `signal.reason`, which is not a failure).
   *
   * @param fn - The work; receives an `AbortSignal` that aborts with the group's, or alone
   *   through {@link Task.cancel}.
   * @param options - `name` for the task.
   * @returns The task, awaitable for its result.
   * @throws {@link ClosedError} If the group has already finished.
   * @throws {TypeError} If `fn` is not a function.
   * @example
   * import { withContext } from 'asyncwith/context'
   * import { TaskGroup } from 'asyncwith/task'
   *
   * const sum = await withContext(new TaskGroup(), async (group) => {
   *   const tasks = [1, 2, 3].map((n) => group.spawn(async () => n * n))
   *   let total = 0
   *   for (const task of tasks) total += await task
   *   return total
   * })
   * console.log(sum) // 14
   */
  spawn<T>(
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    options?: SpawnOptions,
  ): Task<Awaited<T>> {
    if (this.#state === CLOSED) {
      throw new ClosedError(
        'TaskGroup is closed to new tasks: it has already finished. Spawn tasks from the body of withContext(group, body) or from a running task',
      )
    }
    checkFunction('fn', fn)
    const name = options?.name
    const signal = this.#controller.signal
    if (signal.aborted) {
      this.#cancelled = true
      return new Task(handled(Promise.reject(signal.reason)), name)
    }
    // A function that declares a parameter gets a signal of its own, so `task.cancel()` can
    // stop it alone; the others share the group's (an AbortController per task is costly).
    if (fn.length > 0) return this.#spawnCancellable(fn, name, signal)
    let result: T | PromiseLike<T>
    try {
      result = fn(signal)
    } catch (error) {
      this.#record(error)
      return new Task(handled(Promise.reject(error)), name)
    }
    if (!isThenable(result)) return new Task(Promise.resolve(result as Awaited<T>), name)
    const promise = (result instanceof Promise ? result : Promise.resolve(result)) as Promise<
      Awaited<T>
    >
    this.#running++
    promise.then(this.#settled, this.#failed)
    return new Task(promise, name)
  }

  #spawnCancellable<T>(
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    name: string | undefined,
    groupSignal: AbortSignal,
  ): Task<Awaited<T>> {
    const controller = new AbortController()
    const own = controller.signal
    const unlink = onAbort(groupSignal, () => controller.abort(groupSignal.reason))
    // Stopped by its own cancel(), not by the group: neither a failure nor the group's abort.
    const cancelledAlone = (error: unknown): boolean =>
      own.aborted &&
      !(groupSignal.aborted && own.reason === groupSignal.reason) &&
      (error === own.reason ||
        (error instanceof Error && error.name === 'AbortError' && error.cause === own.reason))
    let result: T | PromiseLike<T>
    try {
      result = fn(own)
    } catch (error) {
      unlink()
      if (!cancelledAlone(error)) this.#record(error)
      return new Task(handled(Promise.reject(error)), name, controller)
    }
    if (!isThenable(result)) {
      unlink()
      return new Task(Promise.resolve(result as Awaited<T>), name, controller)
    }
    const promise = (result instanceof Promise ? result : Promise.resolve(result)) as Promise<
      Awaited<T>
    >
    this.#running++
    promise.then(
      () => {
        unlink()
        this.#settled()
      },
      (error: unknown) => {
        unlink()
        if (cancelledAlone(error)) this.#settled()
        else this.#failed(error)
      },
    )
    return new Task(promise, name, controller)
  }

  /**
   * Enters the group (for `withContext`); gives the group itself.
   *
   * @throws {@link ClosedError} If the group has already finished.
   * @throws {@link AlreadyEnteredError} If the group was already entered.
   */
  async enter(): Promise<TaskGroup> {
    if (this.#state === CLOSED)
      throw new ClosedError('TaskGroup has already finished; create a new one')
    if (this.#entered)
      throw new AlreadyEnteredError(
        'TaskGroup has already been entered; create a new one for each block',
      )
    this.#entered = true
    return this
  }

  /**
   * Leaves the group: records the body's error (aborting the tasks), waits for every task to
   * settle, then throws a {@link TaskGroupError} if anything failed, or the outer signal's
   * reason if that abort stopped any work. Never suppresses.
   *
   * @param failure - What the body threw, if it did.
   */
  exit(failure?: Failure): Promise<void> {
    return this.#leave(failure, false)
  }

  async #leave(failure: Failure | undefined, disposing: boolean): Promise<void> {
    if (this.#state !== OPEN) throw new Error('TaskGroup is already leaving or has left')
    this.#state = CLOSING
    const bodyCancelled = failure !== undefined && this.#isCancellation(failure.error)
    if (failure !== undefined && !bodyCancelled) this.#record(failure.error, true)
    while (this.#running > 0) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve
      })
      this.#wake = undefined
    }
    this.#state = CLOSED
    this.#removeOuter?.()
    this.#removeOuter = undefined
    if (this.#failures.length > 0) throw new TaskGroupError(this.#failures)
    const outer = this.#outer
    // Our signal aborted with the outer reason: hand it back untouched. When the body threw
    // it, returning lets the same error continue. Disposal cannot know whether the body threw
    // it, and throwing it again would wrap it as SuppressedError(reason, reason), hiding it
    // from the enclosing timeout; so `await using` leaves it to the body.
    if (outer?.aborted && this.#cancelled && !bodyCancelled && !disposing) throw outer.reason
  }

  /**
   * Leaves the group for `await using`: waits for every task, then throws a
   * {@link TaskGroupError} if any failed. Disposal cannot see the body's error, so tasks are
   * not aborted when the body throws, and an outer abort is left for the body to report
   * (the group's signal stays aborted, so the next signal-aware await fails with it).
   */
  [asyncDisposeSymbol](): Promise<void> {
    return this.#leave(undefined, true)
  }

  /** Counters for monitoring: running tasks, failures so far, state. */
  statistics(): TaskGroupStatistics {
    return {
      running: this.#running,
      failures: this.#failures.length,
      state: STATE_NAMES[this.#state] ?? 'closed',
    }
  }

  // A task that stopped because we aborted it throws the reason itself, or an `AbortError`
  // whose `cause` is the reason (as Node's timers/promises and events do).
  #isCancellation(error: unknown): boolean {
    const signal = this.#controller.signal
    if (!signal.aborted) return false
    if (error === signal.reason) return true
    return error instanceof Error && error.name === 'AbortError' && error.cause === signal.reason
  }

  #record(error: unknown, fromBody = false): void {
    if (this.#isCancellation(error)) {
      this.#cancelled = true
      return
    }
    // The body or a task that awaited a failed task (`await task`, `Promise.all(tasks)`)
    // rethrows the same error object: that is the one failure travelling on, not a new one.
    if (isObject(error) && this.#failures.includes(error)) return
    if (fromBody) this.#failures.unshift(error)
    else this.#failures.push(error)
    if (!this.#controller.signal.aborted) {
      this.#controller.abort(
        new DOMException(
          fromBody
            ? 'The TaskGroup body failed, so the group aborted its tasks'
            : 'A task in the TaskGroup failed, so the group aborted the others',
          'AbortError',
        ),
      )
    }
  }
}

function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop)
  return promise
}

function isObject(value: unknown): value is object {
  return value !== null && (typeof value === 'object' || typeof value === 'function')
}
