import { AsyncWithError } from '../context/index.js'

/**
 * Thrown by {@link fromEvent} with `overflow: 'error'` (the default) when an event arrives
 * while its buffer already holds `capacity` unread events: the event could not be kept, so
 * the iteration fails instead of losing it silently. `capacity` tells the limit that was hit.
 *
 * Match on `code` (`'ASYNCWITH_BUFFER_OVERFLOW'`) or with {@link isBufferOverflowError}.
 *
 * @example
 * import { BufferOverflowError } from 'asyncwith/iter'
 *
 * const error = new BufferOverflowError('Buffer full', { capacity: 2 })
 * console.log(error.code, error.capacity) // 'ASYNCWITH_BUFFER_OVERFLOW' 2
 */
export class BufferOverflowError extends AsyncWithError {
  override readonly name = 'BufferOverflowError'
  override readonly code = 'ASYNCWITH_BUFFER_OVERFLOW'
  /** The buffer size that was exceeded. */
  readonly capacity: number

  /**
   * @param message - What overflowed.
   * @param options - `capacity`, the limit that was hit, and an optional `cause`.
   */
  constructor(message: string, options: { readonly capacity: number; readonly cause?: unknown }) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined)
    this.capacity = options.capacity
  }
}

/**
 * Tells whether `value` is a {@link BufferOverflowError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_BUFFER_OVERFLOW'`.
 * @example
 * import { isBufferOverflowError } from 'asyncwith/iter'
 *
 * isBufferOverflowError(new Error('full')) // false
 */
export function isBufferOverflowError(value: unknown): value is BufferOverflowError {
  return (
    value instanceof Error && (value as { code?: unknown }).code === 'ASYNCWITH_BUFFER_OVERFLOW'
  )
}
