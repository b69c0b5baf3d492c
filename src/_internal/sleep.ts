import { onAbort } from './on-abort.js'
import { startTimer, stopTimer, type TimerHandle } from './timer.js'

/**
 * Waits `ms` milliseconds; rejects with `signal.reason` unchanged if `signal` aborts first
 * (at once when it already has). The timer and the abort callback are removed on every
 * outcome; waits on one signal share its single `abort` listener (see `onAbort`).
 * Arguments are not checked: public entries check them first, with their own names.
 */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise((resolve) => startTimer(resolve, ms))
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<void>((resolve, reject) => {
    const handle: TimerHandle = startTimer(() => {
      removeAbort()
      resolve()
    }, ms)
    const removeAbort = onAbort(signal, () => {
      stopTimer(handle)
      reject(signal.reason)
    })
  })
}
