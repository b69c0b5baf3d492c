/**
 * True when `value` has a callable `then`, as `await` decides (Promises/A+ 2.3.3), so
 * promises from other realms and libraries count too.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  )
}
