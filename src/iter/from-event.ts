import { checkLimit, checkSignal } from '../_internal/check.js'
import { describeValue } from '../_internal/describe-value.js'
import { asyncDisposeSymbol } from '../_internal/symbols.js'
import { DONE } from './_concurrent.js'
import type { AsyncPipeline } from './_types.js'
import { BufferOverflowError } from './errors.js'

type Listener = (...args: any[]) => void

/** An object `fromEvent` can listen to: a DOM-style `EventTarget` or a Node-style emitter. */
export type EventSourceLike =
  | {
      addEventListener(type: string, listener: Listener): void
      removeEventListener(type: string, listener: Listener): void
    }
  | {
      on(type: string, listener: Listener): unknown
      off(type: string, listener: Listener): unknown
    }
  | {
      addListener(type: string, listener: Listener): unknown
      removeListener(type: string, listener: Listener): unknown
    }

/** Options of {@link fromEvent}. */
export interface FromEventOptions {
  /**
   * How many events may wait unread; a positive integer.
   * @defaultValue 1024
   */
  readonly capacity?: number
  /**
   * What happens to an event that arrives when `capacity` events already wait:
   * `'error'` stops listening and the iteration rejects with a {@link BufferOverflowError}
   * after the waiting events were yielded; `'drop-oldest'` discards the oldest waiting event;
   * `'drop-newest'` discards the arriving one.
   * @defaultValue 'error'
   */
  readonly overflow?: 'error' | 'drop-oldest' | 'drop-newest'
  /**
   * An event type that ends the iteration (after the waiting events), such as `'close'` or
   * `'end'`.
   */
  readonly endEvent?: string
  /**
   * An event type whose payload is thrown by the iteration (after the waiting events), such
   * as an emitter's `'error'`. Listening to it also keeps an emitter from crashing on it.
   */
  readonly errorEvent?: string
  /** Stops listening: the pending or next `next()` rejects with `signal.reason` unchanged. */
  readonly signal?: AbortSignal
}

const OVERFLOW = new Set(['error', 'drop-oldest', 'drop-newest'])

function subscribe(target: EventSourceLike, type: string, listener: Listener): () => void {
  const t = target as Record<string, unknown>
  if (typeof t.addEventListener === 'function' && typeof t.removeEventListener === 'function') {
    ;(t.addEventListener as Function).call(target, type, listener)
    return () => (t.removeEventListener as Function).call(target, type, listener)
  }
  if (typeof t.on === 'function' && typeof t.off === 'function') {
    ;(t.on as Function).call(target, type, listener)
    return () => (t.off as Function).call(target, type, listener)
  }
  ;(t.addListener as Function).call(target, type, listener)
  return () => (t.removeListener as Function).call(target, type, listener)
}

function isEventSourceLike(value: unknown): value is EventSourceLike {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false
  const t = value as Record<string, unknown>
  return (
    (typeof t.addEventListener === 'function' && typeof t.removeEventListener === 'function') ||
    (typeof t.on === 'function' && typeof t.off === 'function') ||
    (typeof t.addListener === 'function' && typeof t.removeListener === 'function')
  )
}

class EventIterator<T> implements AsyncIterableIterator<T> {
  readonly #capacity: number
  readonly #overflow: 'error' | 'drop-oldest' | 'drop-newest'
  readonly #signal: AbortSignal | undefined
  readonly #buffer: T[] = []
  readonly #unsubscribers: Array<() => void> = []
  /** Listening stopped; the buffer may still hold events. */
  #stopped = false
  /** What to report once the buffer is empty: an error, or nothing (done). */
  #failure: { error: unknown } | undefined
  readonly #resolvers: Array<(result: IteratorResult<T>) => void> = []
  readonly #rejecters: Array<(error: unknown) => void> = []

  constructor(target: EventSourceLike, type: string, options: FromEventOptions | undefined) {
    this.#capacity = checkLimit('capacity', options?.capacity ?? 1024, false)
    const overflow = options?.overflow ?? 'error'
    if (!OVERFLOW.has(overflow)) {
      throw new TypeError(
        `Expected \`overflow\` to be 'error', 'drop-oldest' or 'drop-newest', got ${describeValue(overflow)}`,
      )
    }
    this.#overflow = overflow
    const signal = checkSignal('signal', options?.signal)
    this.#signal = signal
    if (signal?.aborted) {
      this.#stopped = true
      this.#failure = { error: signal.reason }
      return
    }
    this.#unsubscribers.push(subscribe(target, type, this.#onEvent))
    const { endEvent, errorEvent } = options ?? {}
    if (endEvent !== undefined) this.#unsubscribers.push(subscribe(target, endEvent, this.#onEnd))
    if (errorEvent !== undefined) {
      this.#unsubscribers.push(subscribe(target, errorEvent, this.#onError))
    }
    if (signal !== undefined) {
      signal.addEventListener('abort', this.#onAbort)
      this.#unsubscribers.push(() => signal.removeEventListener('abort', this.#onAbort))
    }
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** Closes the iterator, as `return()` does, so `await using` works on it. */
  async [asyncDisposeSymbol](): Promise<void> {
    await this.return()
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) {
      return Promise.resolve({ done: false, value: this.#buffer.shift() as T })
    }
    if (this.#stopped) return this.#settledResult()
    return new Promise((resolve, reject) => {
      this.#resolvers.push(resolve)
      this.#rejecters.push(reject)
    })
  }

  return(): Promise<IteratorResult<T>> {
    this.#stop()
    this.#buffer.length = 0
    const failure = this.#failure
    this.#failure = undefined
    this.#flushWaiters()
    // An error that was waiting behind buffered events is reported rather than lost.
    return failure === undefined ? Promise.resolve(DONE) : Promise.reject(failure.error)
  }

  readonly #onEvent = (value: T): void => {
    if (this.#stopped) return
    if (this.#resolvers.length > 0) {
      this.#rejecters.shift()
      this.#resolvers.shift()!({ done: false, value })
      return
    }
    if (this.#buffer.length < this.#capacity) {
      this.#buffer.push(value)
      return
    }
    if (this.#overflow === 'drop-oldest') {
      this.#buffer.shift()
      this.#buffer.push(value)
    } else if (this.#overflow === 'error') {
      this.#end({
        error: new BufferOverflowError(
          `Event buffer overflowed: more than ${this.#capacity} events were waiting unread`,
          { capacity: this.#capacity },
        ),
      })
    }
  }

  readonly #onEnd = (): void => {
    if (!this.#stopped) this.#end(undefined)
  }

  readonly #onError = (error: unknown): void => {
    if (!this.#stopped) this.#end({ error })
  }

  readonly #onAbort = (): void => {
    this.#buffer.length = 0
    this.#end({ error: this.#signal!.reason })
  }

  /** Stops listening; buffered events are still yielded before `failure` (or the end). */
  #end(failure: { error: unknown } | undefined): void {
    this.#stop()
    this.#failure = failure
    this.#flushWaiters()
  }

  #stop(): void {
    if (this.#stopped && this.#unsubscribers.length === 0) return
    this.#stopped = true
    for (const unsubscribe of this.#unsubscribers.splice(0)) unsubscribe()
  }

  /** Settles every waiting `next()`: the first gets the failure, if any, the others `done`. */
  #flushWaiters(): void {
    const resolvers = this.#resolvers.splice(0)
    const rejecters = this.#rejecters.splice(0)
    for (let i = 0; i < resolvers.length; i++) {
      const failure = this.#failure
      if (failure !== undefined) {
        this.#failure = undefined
        rejecters[i]!(failure.error)
      } else {
        resolvers[i]!(DONE)
      }
    }
  }

  #settledResult(): Promise<IteratorResult<T>> {
    const failure = this.#failure
    this.#failure = undefined
    return failure === undefined ? Promise.resolve(DONE) : Promise.reject(failure.error)
  }
}

/**
 * Turns events into an async iterator: each `type` event's payload (the `Event` of an
 * `EventTarget`, the first argument of an emitter's listener) is one value.
 *
 * It listens from the moment it is called, so no event is lost before the first `next()`;
 * call `return()` (or `break`) or abort `options.signal` to stop listening. Events that
 * arrive while nobody waits are kept in a buffer of `capacity`; what happens when it is full
 * is `overflow`'s choice, never silent growth. `return()` removes every listener it added and
 * drops waiting events; an abort does the same and rejects with `signal.reason` unchanged; an
 * already aborted signal makes the first `next()` reject and adds no listener. Optional
 * `endEvent` and `errorEvent` end the iteration after the waiting events.
 *
 * @param target - An `EventTarget` (`addEventListener`/`removeEventListener`) or an emitter
 * (`on`/`off` or `addListener`/`removeListener`).
 * @param type - The event type to listen to.
 * @param options - `capacity`, `overflow`, `endEvent`, `errorEvent`, `signal`.
 * @returns An iterator of event payloads; it ends only by `return()`, `endEvent`,
 * `errorEvent`, an overflow or an abort.
 * @throws `TypeError` or `RangeError` at once for a wrong `target`, `type` or option.
 * @example
 * import { fromEvent } from 'asyncwith/iter'
 *
 * const target = new EventTarget()
 * const events = fromEvent<Event>(target, 'ping')
 * target.dispatchEvent(new Event('ping'))
 * for await (const event of events) {
 *   console.log(event.type) // 'ping'
 *   break
 * }
 */
export function fromEvent<T = unknown>(
  target: EventSourceLike,
  type: string,
  options?: FromEventOptions,
): AsyncPipeline<T> {
  if (!isEventSourceLike(target)) {
    throw new TypeError(
      `Expected \`target\` to be an EventTarget or an event emitter, got ${describeValue(target)}`,
    )
  }
  if (typeof type !== 'string') {
    throw new TypeError(`Expected \`type\` to be a string, got ${describeValue(type)}`)
  }
  return new EventIterator<T>(target, type, options)
}
