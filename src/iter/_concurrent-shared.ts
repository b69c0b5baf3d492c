// Internal helpers shared by the concurrency, timing and interop operators.
import type { AnyIterable } from './_types.js'

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

/** Throws a `RangeError` or `TypeError` unless `value` is a positive integer or `Infinity`. */
export function validateLimit(name: string, value: unknown, allowInfinity = true): number {
  const expected = allowInfinity ? 'a positive integer or Infinity' : 'a positive integer'
  const message = `Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`
  if (typeof value !== 'number') throw new TypeError(message)
  if (value === Number.POSITIVE_INFINITY && allowInfinity) return value
  if (!Number.isInteger(value) || value < 1) throw new RangeError(message)
  return value
}

/** Throws unless `value` is a non-negative finite number of milliseconds. */
export function validateMs(name: string, value: unknown): number {
  const message = `Expected \`${name}\` to be a non-negative finite number, got ${describeValue(value)}`
  if (typeof value !== 'number') throw new TypeError(message)
  if (!Number.isFinite(value) || value < 0) throw new RangeError(message)
  return value
}

/** Throws a `TypeError` unless `value` is a function. */
export function validateFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new TypeError(`Expected \`${name}\` to be a function, got ${describeValue(value)}`)
  }
}

/** Throws a `TypeError` unless `value` is an `AbortSignal` or `undefined`. */
export function validateSignal(value: unknown): AbortSignal | undefined {
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

/** Throws a `TypeError` unless `value` is an async or sync iterable. */
export function validateIterable(name: string, value: unknown): void {
  if (
    value === null ||
    value === undefined ||
    (typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function' &&
      typeof (value as Iterable<unknown>)[Symbol.iterator] !== 'function')
  ) {
    throw new TypeError(`Expected \`${name}\` to be an iterable, got ${describeValue(value)}`)
  }
}

async function* fromSync<T>(iterable: Iterable<T>): AsyncGenerator<Awaited<T>> {
  // `yield*` gives `for await` semantics: promise values are awaited and `return()` is
  // forwarded to the sync iterator.
  yield* iterable as Iterable<Awaited<T>>
}

/** Opens `source` as an async iterator, as `for await` would. */
export function openIterator<T>(source: AnyIterable<T>): AsyncIterator<T> {
  const asyncFactory = (source as AsyncIterable<T>)[Symbol.asyncIterator]
  if (typeof asyncFactory === 'function') return asyncFactory.call(source)
  return fromSync(source as Iterable<T>) as AsyncIterator<T>
}

/**
 * Calls `iterator.next()`, always giving a promise: a synchronous throw becomes a rejection
 * and a plain result is wrapped.
 */
export function callNext<T>(iterator: AsyncIterator<T>): Promise<IteratorResult<T>> {
  try {
    return Promise.resolve(iterator.next())
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * Calls `iterator.return()` once if it has one, turning a synchronous throw into a rejection.
 * The result is always a promise; callers decide whether its error matters.
 */
export function callReturn(iterator: AsyncIterator<unknown>): Promise<unknown> {
  try {
    if (typeof iterator.return !== 'function') return Promise.resolve()
    return Promise.resolve(iterator.return())
  } catch (error) {
    return Promise.reject(error)
  }
}

export function noop(): void {}

/** Starts a timer through the global `setTimeout` read now, so fake timers can drive it. */
export function startTimer(callback: () => void, ms: number): unknown {
  return globalThis.setTimeout(callback, ms)
}

/** Clears a timer started by {@link startTimer}, through the global read now. */
export function stopTimer(handle: unknown): void {
  globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>)
}

/** The result object of a finished iterator. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({
  done: true as const,
  value: undefined,
})

/**
 * Waits `ms` through the global `setTimeout`; rejects with `signal.reason` if `signal` aborts
 * first. The timer and the listener are removed on every outcome.
 */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason)
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      stopTimer(handle)
      reject(signal?.reason)
    }
    const handle = startTimer(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Asks `iterator` for its next result, but rejects first with `onTimeout()` after `ms`, or
 * with `signal.reason` when `signal` aborts. The timer and listener are always removed; a
 * result that arrives too late is dropped (its rejection is handled).
 */
export function raceNext<T>(
  iterator: AsyncIterator<T>,
  ms: number | undefined,
  onTimeout: (() => unknown) | undefined,
  signal: AbortSignal | undefined,
): Promise<IteratorResult<T>> {
  if (signal?.aborted) return Promise.reject(signal.reason)
  const promise = callNext(iterator)
  if (ms === undefined && signal === undefined) return promise
  return new Promise<IteratorResult<T>>((resolve, reject) => {
    let timer: unknown
    const onAbort = (): void => {
      cleanup()
      reject(signal!.reason)
    }
    const cleanup = (): void => {
      if (timer !== undefined) stopTimer(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    if (ms !== undefined) {
      timer = startTimer(() => {
        signal?.removeEventListener('abort', onAbort)
        reject(onTimeout!())
      }, ms)
    }
    signal?.addEventListener('abort', onAbort)
    promise.then(
      (result) => {
        cleanup()
        resolve(result)
      },
      (error: unknown) => {
        cleanup()
        reject(error)
      },
    )
  })
}

/** A marker wrapping an error this module raised itself (a timeout or an abort). */
export class Interrupted {
  readonly error: unknown
  constructor(error: unknown) {
    this.error = error
  }
}

/**
 * Passes `iterator`'s values through, getting each one with `race` (a `next()` raced against
 * a cut-off, as {@link raceNext} does). When the race is lost (`isCutOff(error)`), the
 * source's `return()` is called but not awaited: a source stuck in a read may never settle.
 * Otherwise an early exit awaits it. `before` runs ahead of every read and may throw.
 */
export async function* raceThrough<T>(
  iterator: AsyncIterator<T>,
  race: (iterator: AsyncIterator<T>) => Promise<IteratorResult<T>>,
  isCutOff: (error: unknown) => boolean,
  before?: () => void,
): AsyncGenerator<T, void, undefined> {
  let state = 'open' as 'open' | 'ended' | 'cut-off'
  try {
    while (true) {
      before?.()
      let result: IteratorResult<T>
      try {
        result = await race(iterator)
      } catch (error) {
        state = isCutOff(error) ? 'cut-off' : 'ended'
        throw error
      }
      if (result.done) {
        state = 'ended'
        return
      }
      yield result.value
    }
  } finally {
    if (state === 'cut-off') callReturn(iterator).catch(noop)
    else if (state === 'open') await callReturn(iterator)
  }
}
