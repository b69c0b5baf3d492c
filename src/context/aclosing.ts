import type { AsyncContextManager } from './async-context-manager.js'

/**
 * A manager that finishes an async iterator on the way out by calling its `return()`
 * (Python's `aclosing`, which calls `aclose()`), so a generator's `finally` blocks run even
 * when the loop over it stops early, or never starts. It desugars to:
 * ```ts
 * try {
 *   await body(iterator)
 * } finally {
 *   await iterator.return?.()
 * }
 * ```
 * An iterator without `return()` is left alone.
 *
 * @param iterator - An async (or sync) iterator, typically a generator object.
 * @returns A manager yielding `iterator`.
 * @throws {TypeError} If `iterator` is not an object.
 * @example
 * import { aclosing, withContext } from 'asyncwith/context'
 *
 * async function* lines() {
 *   try { yield 'first'; yield 'second' } finally { console.log('closed') }
 * }
 * await withContext(aclosing(lines()), async (it) => console.log((await it.next()).value))
 */
export function aclosing<T extends AsyncIterator<unknown> | Iterator<unknown>>(
  iterator: T,
): AsyncContextManager<T, false> {
  if (typeof iterator !== 'object' || iterator === null) {
    throw new TypeError(
      `Expected \`iterator\` to be an iterator, got \`${String(iterator)}\` (${typeof iterator})`,
    )
  }
  return {
    enter: async () => iterator,
    exit: async () => {
      if (typeof iterator.return === 'function') await iterator.return()
      return false
    },
  }
}
