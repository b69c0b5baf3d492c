/** Test helpers for the concurrency, timing and interop operators. */
import { getEventListeners } from 'node:events'

export interface Deferred<T> {
  readonly promise: Promise<T>
  resolve(value: T): void
  reject(error: unknown): void
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** `abort` listeners currently registered on `signal`. */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length
}

/** Lets `count` rounds of microtasks run. */
export async function ticks(count = 20): Promise<void> {
  for (let i = 0; i < count; i++) await null
}

/** A callback probe: records running and peak concurrency, signals and settlements. */
export function probe() {
  const state = {
    running: 0,
    peak: 0,
    started: [] as number[],
    signals: [] as AbortSignal[],
    settled: 0,
  }
  return {
    state,
    /** Wraps `fn` so every call is counted. */
    wrap<T, U>(fn: (value: T, context: { index: number; signal: AbortSignal }) => Promise<U>) {
      return async (value: T, context: { index: number; signal: AbortSignal }): Promise<U> => {
        state.running++
        state.peak = Math.max(state.peak, state.running)
        state.started.push(context.index)
        state.signals.push(context.signal)
        try {
          return await fn(value, context)
        } finally {
          state.running--
          state.settled++
        }
      }
    },
  }
}

/** Resolves when `signal` aborts (or at once if it already did). */
export function whenAborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason)
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  )
}
