// The toolkit of the concurrency, timing and interop operators: the options and context the
// concurrent operators share, and safe ways to drive an iterator (open, next, return, race).
import { checkBoolean, checkLimit, checkOptions, checkSignal } from '../_internal/check.js'
import { noop } from '../_internal/noop.js'
import { startTimer, stopTimer, type TimerHandle } from '../_internal/timer.js'
import type { AnyIterable } from './_types.js'
import { DEFAULT_CONCURRENCY } from './default-concurrency.js'

/** What a concurrent callback receives besides the value. */
export interface ConcurrentContext {
  /** The position of the value in the source, from 0. */
  readonly index: number
  /**
   * Aborts when this work is no longer wanted: the consumer stopped (`break`, `return()`,
   * a throw), another callback failed, the source threw, or `options.signal` aborted. Pass it
   * on (`fetch(url, { signal })`) so in-flight work stops early. Its `reason` is the error
   * that ended the iteration, `options.signal`'s reason, or an `AbortError` `DOMException`
   * when the consumer stopped. It never aborts for a callback that already finished, and it
   * is created only when read, so callbacks that ignore it cost nothing.
   */
  readonly signal: AbortSignal
}

/*
 * The failure and abort contract of `mapConcurrent` and `flatMapConcurrent`, written once:
 * - the first failure (a callback, an inner iterable, the source) or `options.signal` ends
 *   the iteration: every callback still running sees its `signal` abort with that error (the
 *   signal's reason), or with an `AbortError` when the consumer stopped;
 * - the source and every inner iterable that did not end by itself are closed once;
 * - the pending or next `next()` rejects with that error only after all of it settled, and a
 *   failing `return()` is reported only when nothing else failed, as in `for await`.
 * {@link ContextScope} is the signal half of it, shared by both operators.
 */

/**
 * The context of one callback. Its signal is created only when read, so callbacks that
 * ignore it cost nothing; a signal read after the iteration ended is already aborted.
 */
export class LazyContext implements ConcurrentContext {
  readonly index: number
  /** @internal The scope while the callback's work is live; `undefined` once it is done. */
  _scope: ContextScope | undefined
  /** @internal */
  _controller: AbortController | undefined = undefined

  constructor(index: number, scope: ContextScope) {
    this.index = index
    this._scope = scope
  }

  get signal(): AbortSignal {
    let controller = this._controller
    if (controller === undefined) {
      controller = new AbortController()
      this._controller = controller
      this._scope?._adopt(this, controller)
    }
    return controller.signal
  }
}

/** The callbacks of one concurrent iteration: whose signal is live, and aborting them all. */
export class ContextScope {
  /** Contexts whose signal was read and whose work is still live. */
  readonly #live = new Set<LazyContext>()
  #aborted = false
  #reason: unknown = undefined

  /** The work behind `context` is done: its signal will never abort. */
  release(context: LazyContext): void {
    context._scope = undefined
    if (context._controller !== undefined) this.#live.delete(context)
  }

  /**
   * Ends the iteration: every live signal aborts with `reason` (`undefined` gives an
   * `AbortError`), and so does any signal read later.
   */
  abortAll(reason: unknown): void {
    this.#aborted = true
    this.#reason = reason
    const live = [...this.#live]
    this.#live.clear()
    for (const context of live) context._controller!.abort(reason)
  }

  /** @internal A context's signal was just read. */
  _adopt(context: LazyContext, controller: AbortController): void {
    if (this.#aborted) controller.abort(this.#reason)
    else this.#live.add(context)
  }
}

/** Options of {@link mapConcurrent}. */
export interface MapConcurrentOptions {
  /**
   * How many callbacks may run at once: a positive integer or `Infinity`.
   * @defaultValue {@link DEFAULT_CONCURRENCY} (16)
   */
  readonly concurrency?: number
  /**
   * `true` yields results in input order; `false` yields them as they complete.
   * @defaultValue true
   */
  readonly ordered?: boolean
  /**
   * The most results that may be running or finished-but-not-yet-consumed at once, as in
   * p-map: when it is reached, nothing more is pulled from the source until the consumer
   * takes a result. A positive integer or `Infinity`, at least `concurrency`.
   * @defaultValue the `concurrency`
   */
  readonly backpressure?: number
  /**
   * Ends the iteration: the pending or next `next()` rejects with `signal.reason` unchanged,
   * after every in-flight callback settled.
   */
  readonly signal?: AbortSignal
}

/** The checked options of a concurrent operator. */
export interface ResolvedConcurrentOptions {
  readonly concurrency: number
  readonly backpressure: number
  readonly ordered: boolean
  readonly signal: AbortSignal | undefined
}

/** Checks and fills in the options shared by `mapConcurrent` and `flatMapConcurrent`. */
export function resolveConcurrentOptions(
  options: MapConcurrentOptions | undefined,
): ResolvedConcurrentOptions {
  checkOptions('options', options)
  const concurrency = checkLimit('concurrency', options?.concurrency ?? DEFAULT_CONCURRENCY)
  const backpressure = checkLimit('backpressure', options?.backpressure ?? concurrency)
  if (backpressure < concurrency) {
    throw new RangeError(
      `Expected \`backpressure\` to be at least \`concurrency\` (${concurrency}), got \`${backpressure}\` (number)`,
    )
  }
  const ordered = checkBoolean('ordered', options?.ordered ?? true)
  return { concurrency, backpressure, ordered, signal: checkSignal('signal', options?.signal) }
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

/** The result object of a finished iterator. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({
  done: true as const,
  value: undefined,
})

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
    let timer: TimerHandle | undefined
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
