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

  /** @internal Tasks are made by {@link TaskGroup.spawn}. */
  constructor(promise: Promise<T>, name: string | undefined) {
    this.#promise = promise
    this.name = name
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
