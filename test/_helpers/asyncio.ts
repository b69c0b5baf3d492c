// asyncio's small test idioms, for the CPython test translations in test/task.

/** The error `promise` rejects with (assertRaises); fails the test if it resolves. */
export async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('Expected a rejection, but the promise resolved')
}

/** asyncio.sleep(0): let every ready continuation run. */
export async function tick(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
}

/** Tracks whether a promise settled, as Task.done() does. */
export function track<T>(promise: Promise<T>): { promise: Promise<T>; done: () => boolean } {
  let done = false
  const settle = () => {
    done = true
  }
  promise.then(settle, settle)
  return { promise, done: () => done }
}
