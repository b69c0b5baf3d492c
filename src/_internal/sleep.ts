import { startTimer, stopTimer, type TimerHandle } from './timer.js'

/**
 * Waits `ms` milliseconds; rejects with `signal.reason` unchanged if `signal` aborts first
 * (at once when it already has). The timer and the listener are removed on every outcome.
 * Arguments are not checked: public entries check them first, with their own names.
 */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise((resolve) => startTimer(resolve, ms))
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      stopTimer(handle)
      reject(signal.reason)
    }
    const handle: TimerHandle = startTimer(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
