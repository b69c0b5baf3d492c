/**
 * Helpers for the cross-cutting guarantees suite (`test/iter/guarantees.test.ts`): a source
 * that can fail or stall at a chosen point, and a probe that counts callbacks in flight.
 */
import type { ConcurrentContext } from '../../src/iter/index.js'
import { countCalls, type TrackedCounts } from './tracked.js'

/** A promise with its settle functions outside. */
export interface Gate {
  readonly promise: Promise<void>
  open(): void
}

export function gate(): Gate {
  let open!: () => void
  const promise = new Promise<void>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

export interface GuardedSourceOptions {
  /** How many values (default 8). Ignored after a stall: the source then never ends. */
  count?: number
  /** The first value (default 0). */
  start?: number
  /** Throw `failWith` instead of producing the value at this position. */
  failAfter?: number
  failWith?: unknown
  /**
   * Before producing the value at this position, wait for `gate` to open. After that the
   * source yields on and on, so it never finishes by itself: only `return()` ends it.
   */
  stallAfter?: number
  gate?: Gate
  /** Wait this many ms (a real timer) before finishing or throwing at `failAfter`. */
  endsAfterMs?: number
}

export type GuardedSource = AsyncIterableIterator<number> & { readonly counts: TrackedCounts }

/**
 * An async generator whose `next`, `return`, `throw` and `finally` are counted (as in
 * `tracked`), and which can throw or stall at a chosen position.
 */
export function guardedSource(options: GuardedSourceOptions = {}): GuardedSource {
  const {
    count = 8,
    start = 0,
    failAfter,
    failWith,
    stallAfter,
    gate: stall,
    endsAfterMs,
  } = options
  const counts: TrackedCounts = { nexts: 0, returns: 0, throws: 0, finallies: 0, yielded: 0 }
  async function* generate(): AsyncGenerator<number> {
    try {
      for (let index = 0; stallAfter !== undefined || index < count; index++) {
        if (index === failAfter) {
          if (endsAfterMs !== undefined) await delay(endsAfterMs)
          throw failWith
        }
        if (index === stallAfter) await stall!.promise
        counts.yielded++
        yield start + index
      }
      if (endsAfterMs !== undefined) await delay(endsAfterMs)
    } finally {
      counts.finallies++
    }
  }
  return countCalls(generate(), counts) as GuardedSource
}

/** Resolves after `ms` through a real timer. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolves when `signal` aborts; the listener goes away with the signal. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}

/** One call of a concurrent callback, as the probe saw it. */
export interface CallRecord {
  readonly call: number
  readonly signal: AbortSignal
  /** It waited for its signal instead of finishing on its own. */
  readonly waitsForAbort: boolean
  settled: boolean
  /** `signal.reason` when it settled because of an abort. */
  abortReason?: unknown
}

export interface CallbackPlan {
  /** This call (0-based) throws `error` synchronously. */
  throwsAt?: number
  /** This call rejects with `error` after a short await. */
  rejectsAt?: number
  error?: unknown
  /**
   * Concurrent callbacks from this call on wait for their signal to abort (they never finish
   * otherwise), so a pipeline that forgets to abort them hangs.
   */
  waitForAbortFrom?: number
}

/**
 * Counts callbacks: how many started, how many are still running, and, for the concurrent
 * operators, which signal each one got and whether it aborted.
 */
export class CallbackProbe {
  readonly plan: CallbackPlan
  calls = 0
  running = 0
  peak = 0
  readonly records: CallRecord[] = []

  constructor(plan: CallbackPlan) {
    this.plan = plan
  }

  /**
   * Wraps a sequential callback (`map`, `filter`, ...). It runs synchronously, except that
   * under `rejectsAt` every call awaits a macrotask first.
   */
  sequential<A extends unknown[], R>(pass: (...args: A) => R): (...args: A) => R | Promise<R> {
    return (...args: A) => {
      const call = this.calls++
      if (call === this.plan.throwsAt) throw this.plan.error
      this.#enter()
      if (this.plan.rejectsAt === undefined) {
        try {
          return pass(...args)
        } finally {
          this.running--
        }
      }
      return (async () => {
        try {
          await delay(0)
          if (call === this.plan.rejectsAt) throw this.plan.error
          return pass(...args)
        } finally {
          this.running--
        }
      })()
    }
  }

  /**
   * Wraps a concurrent callback (`mapConcurrent`, `flatMapConcurrent`): it reads its signal,
   * awaits a 1 ms timer (ignoring the signal, so the pipeline has to wait for it), or waits
   * for the abort when the plan says so.
   */
  concurrent<R>(
    pass: (value: number) => R,
  ): (value: number, context: ConcurrentContext) => Promise<R> {
    return (value, context) => {
      const call = this.calls++
      const signal = context.signal
      if (call === this.plan.throwsAt) throw this.plan.error
      const waitsForAbort =
        this.plan.waitForAbortFrom !== undefined && call >= this.plan.waitForAbortFrom
      const record: CallRecord = { call, signal, waitsForAbort, settled: false }
      this.records.push(record)
      this.#enter()
      return (async () => {
        try {
          if (waitsForAbort) {
            await untilAborted(signal)
            record.abortReason = signal.reason
            throw signal.reason
          }
          await delay(1)
          if (call === this.plan.rejectsAt) throw this.plan.error
          return pass(value)
        } finally {
          record.settled = true
          this.running--
        }
      })()
    }
  }

  #enter(): void {
    this.running++
    this.peak = Math.max(this.peak, this.running)
  }
}

/**
 * Records the timers started through the global `setTimeout` (which the operators read at
 * call time) until `restore()`, and tells how many are still pending: neither fired nor
 * cleared. Unlike a process-wide count, unrelated timers (the test runner's) do not show up.
 */
export function timerLedger(): { readonly pending: number; restore(): void } {
  const realSetTimeout = globalThis.setTimeout
  const realClearTimeout = globalThis.clearTimeout
  const pending = new Set<unknown>()
  const patchedSetTimeout = (
    callback: (...args: unknown[]) => void,
    ms?: number,
    ...args: unknown[]
  ) => {
    const handle = realSetTimeout(() => {
      pending.delete(handle)
      callback(...args)
    }, ms)
    pending.add(handle)
    return handle
  }
  globalThis.setTimeout = patchedSetTimeout as typeof setTimeout
  globalThis.clearTimeout = ((handle: Parameters<typeof clearTimeout>[0]) => {
    pending.delete(handle)
    realClearTimeout(handle)
  }) as typeof clearTimeout
  return {
    get pending() {
      return pending.size
    },
    restore() {
      globalThis.setTimeout = realSetTimeout
      globalThis.clearTimeout = realClearTimeout
    },
  }
}
