// Internal helpers for AbortSignal handling shared by the task primitives.

/** Formats a rejected argument for an error message: "`0` (number)". */
export function describeValue(value: unknown): string {
  let text: string
  try {
    text = typeof value === 'symbol' ? value.toString() : String(value)
  } catch {
    text = Object.prototype.toString.call(value)
  }
  return `\`${text}\` (${value === null ? 'null' : typeof value})`
}

/** Throws a `TypeError` unless `value` is an `AbortSignal` or `undefined`. */
export function checkSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as AbortSignal).addEventListener !== 'function' ||
    typeof (value as AbortSignal).aborted !== 'boolean'
  ) {
    throw new TypeError(`Expected \`signal\` to be an AbortSignal, got ${describeValue(value)}`)
  }
  return value as AbortSignal
}

/** Throws unless `value` is a finite number of milliseconds that is 0 or more. */
export function checkMs(name: string, value: unknown): number {
  const message = `Expected \`${name}\` to be a non-negative finite number, got ${describeValue(value)}`
  if (typeof value !== 'number') throw new TypeError(message)
  if (!Number.isFinite(value) || value < 0) throw new RangeError(message)
  return value
}

// Every wait shares one `abort` listener per signal (no MaxListenersExceededWarning).
export { onAbort } from '../_internal/abort-fanout.js'

// setTimeout fires at once for delays past 2^31 - 1 ms; longer waits are chained.
const MAX_TIMER_MS = 2_147_483_647

/** A running timer; `stopTimer` clears it whichever link of a long chain is pending. */
export interface TimerHandle {
  id: unknown
}

/**
 * Calls `callback` after `ms` through the global `setTimeout`, read at call time so Vitest's
 * fake timers (installed later) see it.
 */
export function startTimer(callback: () => void, ms: number): TimerHandle {
  const handle: TimerHandle = { id: undefined }
  const arm = (remaining: number) => {
    if (remaining > MAX_TIMER_MS) {
      handle.id = globalThis.setTimeout(() => arm(remaining - MAX_TIMER_MS), MAX_TIMER_MS)
    } else {
      handle.id = globalThis.setTimeout(callback, remaining)
    }
  }
  arm(ms)
  return handle
}

export function stopTimer(handle: TimerHandle | undefined): void {
  if (handle !== undefined) globalThis.clearTimeout(handle.id as ReturnType<typeof setTimeout>)
}

/** Milliseconds on a monotonic clock (Vitest's fake timers fake it too). */
export function now(): number {
  return globalThis.performance === undefined ? Date.now() : globalThis.performance.now()
}
