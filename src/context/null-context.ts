import type { AsyncContextManager } from './async-context-manager.js'

/**
 * A manager that does nothing: `enter()` gives `value` back and `exit()` suppresses
 * nothing (Python's `nullcontext`). Use it where a manager is optional.
 *
 * @param value - What `enter()` resolves to.
 * @returns A reusable manager.
 * @example
 * import { nullContext, withContext } from 'asyncwith/context'
 *
 * const lock = undefined // no lock needed here
 * await withContext(lock ?? nullContext(), () => console.log('working'))
 */
export function nullContext(): AsyncContextManager<undefined, false>
export function nullContext<T>(value: T): AsyncContextManager<T, false>
export function nullContext<T>(value?: T): AsyncContextManager<T | undefined, false> {
  return {
    enter: async () => value,
    exit: async () => false,
  }
}
