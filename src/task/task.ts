/**
 * One unit of work started by {@link TaskGroup.spawn}. It is awaitable (`await task` gives
 * the result or throws the task's error), but the group owns it: a task's failure is
 * reported by the group, so a task you never await is never an unhandled rejection.
 *
 * @example
 * import { withContext } from 'asyncwith/context'
 * import { TaskGroup } from 'asyncwith/task'
 *
 * await withContext(new TaskGroup(), async (group) => {
 *   const task = group.spawn(async () => 21 * 2, { name: 'answer' })
 *   console.log(task.name, await task) // 'answer' 42
 * })
 */
export class Task<T> implements PromiseLike<T> {
  /** The name given to `spawn`, for logs and debugging. */
  readonly name: string | undefined
  readonly #promise: Promise<T>
  readonly #controller: AbortController | undefined
  #done = false

  /** @internal Tasks are made by {@link TaskGroup.spawn}. */
  constructor(promise: Promise<T>, name: string | undefined, controller?: AbortController) {
    this.#promise = promise
    this.name = name
    this.#controller = controller
    if (controller !== undefined) {
      const done = () => {
        this.#done = true
      }
      promise.then(done, done)
    }
  }

  /**
   * Cancels this task alone, as asyncio's `Task.cancel()`: aborts the signal its function
   * received with `reason` (default: an `AbortError` DOMException). A task that then stops
   * with that reason is not a failure: the group and its other tasks go on, and `await task`
   * rejects with the reason. JavaScript cannot interrupt a function, so the task stops only
   * where it passes its signal on; one that ignores it finishes as usual.
   *
   * Only a function that declares a parameter receives a signal of its own; for
   * `spawn(async () => …)` there is nothing to abort, and `cancel` returns `false`.
   *
   * @param reason - The abort reason the task's signal gets.
   * @returns `true` if the task was running and its signal aborted now, else `false`
   *   (already settled or already cancelled, or its function takes no signal).
   * @example
   * import { withContext } from 'asyncwith/context'
   * import { sleep, TaskGroup } from 'asyncwith/task'
   *
   * await withContext(new TaskGroup(), (group) => {
   *   const slow = group.spawn((signal) => sleep(10_000, { signal }))
   *   group.spawn(async () => 'fast')
   *   slow.cancel() // the group still succeeds; only `slow` stopped
   * })
   */
  cancel(reason?: unknown): boolean {
    const controller = this.#controller
    if (controller === undefined || this.#done || controller.signal.aborted) return false
    controller.abort(reason)
    return true
  }

  /** Awaits the task: resolves with its result or rejects with its error. */
  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#promise.then(onFulfilled, onRejected)
  }

  /** The task's outcome as a real `Promise`, for `Promise.all`, `.catch` or `.finally`. */
  get promise(): Promise<T> {
    return this.#promise
  }
}
