// Timers read the global `setTimeout` at call time, so Vitest's fake timers (installed after
// import) drive them; `AbortSignal.timeout()` would escape them (vitest#3088).

// setTimeout fires at once for delays past 2^31 - 1 ms (HTML "timer initialisation steps",
// Node's TIMEOUT_MAX); longer waits are chained.
const MAX_TIMER_MS = 2_147_483_647

/** A running timer; `stopTimer` clears it whichever link of a long chain is pending. */
export interface TimerHandle {
  id: unknown
}

/** Calls `callback` after `ms` milliseconds, however long that is. */
export function startTimer(callback: () => void, ms: number): TimerHandle {
  if (ms <= MAX_TIMER_MS) return { id: globalThis.setTimeout(callback, ms) }
  const handle: TimerHandle = { id: undefined }
  const arm = (remaining: number): void => {
    handle.id =
      remaining > MAX_TIMER_MS
        ? globalThis.setTimeout(() => arm(remaining - MAX_TIMER_MS), MAX_TIMER_MS)
        : globalThis.setTimeout(callback, remaining)
  }
  arm(ms)
  return handle
}

/** Clears a timer from {@link startTimer}; `undefined` and a fired timer are fine. */
export function stopTimer(handle: TimerHandle | undefined): void {
  if (handle !== undefined) globalThis.clearTimeout(handle.id as ReturnType<typeof setTimeout>)
}

/** Milliseconds on a monotonic clock (Vitest's fake timers fake it too). */
export function now(): number {
  return globalThis.performance === undefined ? Date.now() : globalThis.performance.now()
}
