import type { AsyncContextManager } from './async-context-manager.js'

/** Anything with a `close()` method, synchronous or not. */
export interface Closable {
  close(): unknown
}

/**
 * A manager that closes `thing` on the way out (Python's `closing`): `enter()` gives `thing`
 * and `exit()` awaits `thing.close()`. It desugars to:
 * ```ts
 * try {
 *   await body(thing)
 * } finally {
 *   await thing.close()
 * }
 * ```
 * so, as with `finally`, an error from `close()` replaces the body's.
 *
 * @param thing - An object with a `close()` method.
 * @returns A manager yielding `thing`.
 * @throws {TypeError} If `thing` has no `close` method.
 * @example
 * import { closing, withContext } from 'asyncwith/context'
 *
 * const db = { query: () => 1, close: () => console.log('closed') }
 * await withContext(closing(db), (d) => d.query())
 */
export function closing<T extends Closable>(thing: T): AsyncContextManager<T, false> {
  if (typeof (thing as Partial<Closable> | null)?.close !== 'function') {
    throw new TypeError(
      `Expected \`thing\` to have a close() method, got \`${String(thing)}\` (${typeof thing})`,
    )
  }
  return {
    enter: async () => thing,
    exit: async () => {
      await thing.close()
      return false
    },
  }
}
