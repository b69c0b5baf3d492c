/**
 * The fusion engine behind the sequential operators of `asyncwith/iter`.
 *
 * A {@link Fused} iterator holds a root source and a list of stages (map, filter, take,
 * drop, takeWhile, dropWhile, scan, tap). One `next()` runs one loop: it pulls the source
 * and pushes the value through every stage, and only awaits when the source is
 * asynchronous or a callback returns a thenable. So `pipe(src, map(f), filter(g))` costs
 * one promise hop per source item, not one per stage.
 *
 * Fusion rules:
 * - Applying a stage to a `Fused` that has not started (no `next`, `return` or `throw` yet)
 *   returns a NEW `Fused` with the stage appended; the old object is marked as fused. A fused
 *   object must not be iterated any more (its `next()` rejects with a `TypeError`), and
 *   passing it to a second operator throws a `TypeError`; its `return()` and `throw()` are
 *   forwarded to the iterator that took it over, so cleanup code written against it still
 *   works.
 * - Applying a stage to a started `Fused`, or to any other source, wraps it: the new
 *   `Fused` pulls from it.
 *
 * Every returned iterator behaves like an async generator when `next()` calls overlap: calls
 * are queued and settle in call order.
 */
import { checkIterable } from '../_internal/check.js'
import { isThenable } from '../_internal/is-thenable.js'
import { noop } from '../_internal/noop.js'
import { asyncDisposeSymbol } from '../_internal/symbols.js'
import type { AnyIterable } from './_types.js'

/** Stage kinds. Small integers so the hot loop is a dense `switch`. */
export const MAP = 0
export const FILTER = 1
export const TAKE = 2
export const DROP = 3
export const TAKE_WHILE = 4
export const DROP_WHILE = 5
export const SCAN = 6
export const TAP = 7

/** An immutable stage description; per-run state lives in {@link StageState}. */
export interface StageSpec {
  readonly kind: number
  readonly fn: Function | undefined
  /** The count of `take`/`drop`. */
  readonly count: number
  /** The initial accumulator of `scan`. */
  readonly seed: unknown
  readonly hasSeed: boolean
}

/** Builds a {@link StageSpec}. */
export function stage(
  kind: number,
  fn: Function | undefined,
  count = 0,
  seed: unknown = undefined,
  hasSeed = false,
): StageSpec {
  return { kind, fn, count, seed, hasSeed }
}

/** Mutable per-run state of one stage. One class, so the hot loop sees one shape. */
class StageState {
  readonly kind: number
  readonly fn: Function
  readonly count: number
  /** Items this stage has seen (the callback's `index`). */
  index = 0
  /** `scan`'s accumulator. */
  acc: unknown
  /** `scan`: `acc` holds a value (a seed was given, or the first value arrived). */
  hasAcc: boolean
  /** `dropWhile`: still dropping (the predicate has not yet returned falsy). */
  dropping: boolean

  constructor(spec: StageSpec) {
    this.kind = spec.kind
    this.fn = spec.fn ?? noop
    this.count = spec.count
    this.acc = spec.seed
    this.hasAcc = spec.hasSeed
    this.dropping = spec.kind === DROP_WHILE
  }
}

function isTakeZero(spec: StageSpec): boolean {
  return spec.kind === TAKE && spec.count === 0
}

/** True for objects that look like iterators (callable `next` and `return`). */
function isClosableIterator(value: unknown): value is { return(): unknown } {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { next?: unknown }).next === 'function' &&
    typeof (value as { return?: unknown }).return === 'function'
  )
}

/**
 * Calls `source.return()` when `source` is itself an iterator (a generator object, say), as
 * TC39 iterator helpers do when they are closed before they started. Plain iterables are
 * left alone: no iterator was created from them.
 */
export async function closeIfIterator(source: unknown): Promise<void> {
  if (isClosableIterator(source)) await source.return()
}

/** Sink verdict that stops {@link Fused.run} early (and closes the source). */
export const STOP: unique symbol = Symbol('stop')

/** Called by {@link Fused.run} with each value; may return {@link STOP} or a thenable of it. */
export type Sink = (value: unknown) => unknown

/** Lifecycle of a {@link Fused}: not started, pulling its source, over, taken over by fusion. */
const FRESH = 0
const RUNNING = 1
const DONE = 2
const FUSED = 3

/** What a call queued behind a busy {@link Fused} asks for. */
const CALL_NEXT = 0
const CALL_RETURN = 1
const CALL_THROW = 2
const CALL_RUN = 3

/**
 * Where the loop is, for its error handling: an error while awaiting the source means the
 * source is over (nothing to close); an error in a stage or the sink closes the source.
 */
const IN_SOURCE = 0
const IN_STAGES = 1

/** No stages: the list a wrapping {@link Fused} starts with. */
export const NO_STAGES: readonly StageSpec[] = []

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>

function consumedError(): TypeError {
  return new TypeError(
    'Cannot use an iterator that was passed to an operator or a sink: use the result of that operator instead',
  )
}

export function doneResult<T>(): IteratorResult<T> {
  return { value: undefined, done: true } as IteratorResult<T>
}

/** The fused iterator. See the module comment for the rules. */
export class Fused<T> implements AsyncIterableIterator<T> {
  /** What the loop iterates. */
  readonly root: AnyIterable<unknown>
  /** Stage descriptions, applied in order. Never mutated. */
  readonly specs: readonly StageSpec[]
  /** What `return()` before the first `next()` closes (when it is an iterator). */
  readonly closeFirst: unknown
  private state = FRESH
  private iterator: AnyIterator | undefined = undefined
  private sync = false
  private stages: StageState[] = []
  /** A `take` stage reached its count: close the source at the next opportunity. */
  private closing = false
  /** A call is running; later calls queue behind {@link tail}. */
  private busy = false
  private queued = 0
  private tail: Promise<unknown> | undefined = undefined
  /** The iterator that took this one over by fusion. */
  private successor: Fused<unknown> | undefined = undefined

  constructor(root: AnyIterable<unknown>, specs: readonly StageSpec[], closeFirst: unknown) {
    this.root = root
    this.specs = specs
    this.closeFirst = closeFirst
  }

  /** Whether this iterator can be taken over by fusion (not started, nothing queued). */
  private get fusable(): boolean {
    return this.state === FRESH && !this.busy && this.queued === 0
  }

  /**
   * Returns a new `Fused` with `specs` appended, taking this one over, or `undefined` when
   * it has started. Throws when it was already taken over.
   */
  adopt(extra: readonly StageSpec[]): Fused<unknown> | undefined {
    if (this.state === FUSED) throw consumedError()
    if (!this.fusable) return undefined
    const specs = extra.length === 0 ? this.specs : [...this.specs, ...extra]
    const next = new Fused<unknown>(this.root, specs, this.closeFirst)
    this.state = FUSED
    this.successor = next
    return next
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** Closes the iterator, as `return()` does, so `await using` works on it. */
  async [asyncDisposeSymbol](): Promise<void> {
    await this.return()
  }

  next(): Promise<IteratorResult<T>> {
    if (this.busy || this.queued !== 0) return this.enqueue(CALL_NEXT, undefined)
    if (this.state === FUSED) return Promise.reject(consumedError())
    const promise = this.loop(undefined) as Promise<IteratorResult<T>>
    this.tail = promise
    return promise
  }

  return(): Promise<IteratorResult<T>> {
    if (this.state === FUSED) return this.successor!.return() as Promise<IteratorResult<T>>
    if (this.busy || this.queued !== 0) return this.enqueue(CALL_RETURN, undefined)
    const promise = this.close(undefined, false)
    this.tail = promise
    return promise
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    if (this.state === FUSED) return this.successor!.throw(error) as Promise<IteratorResult<T>>
    if (this.busy || this.queued !== 0) return this.enqueue(CALL_THROW, error)
    const promise = this.close(error, true)
    this.tail = promise
    return promise
  }

  /**
   * Runs the whole pipeline, handing each value to `sink` instead of returning it. Used by
   * the sinks (`toArray`, `reduce`, ...) so they pay no promise per item either.
   */
  run(sink: Sink): Promise<unknown> {
    if (this.busy || this.queued !== 0) return this.enqueue(CALL_RUN, sink)
    if (this.state === FUSED) return Promise.reject(consumedError())
    const promise = this.loop(sink)
    this.tail = promise
    return promise
  }

  private enqueue(kind: number, argument: unknown): Promise<IteratorResult<T>> {
    this.queued++
    const step = (): Promise<IteratorResult<T>> => {
      this.queued--
      if (kind === CALL_RETURN || kind === CALL_THROW) {
        if (this.state === FUSED) {
          const successor = this.successor!
          return (kind === CALL_RETURN ? successor.return() : successor.throw(argument)) as Promise<
            IteratorResult<T>
          >
        }
        return this.close(argument, kind === CALL_THROW)
      }
      if (this.state === FUSED) return Promise.reject(consumedError())
      return this.loop(kind === CALL_RUN ? (argument as Sink) : undefined) as Promise<
        IteratorResult<T>
      >
    }
    const promise = (this.tail as Promise<unknown>).then(step, step)
    this.tail = promise
    return promise
  }

  private start(): void {
    const root = this.root as unknown as Record<symbol, (() => AnyIterator) | undefined>
    const asyncMethod = root[Symbol.asyncIterator]
    // Mark as started first: if getting the iterator throws, the pipeline is over.
    this.state = DONE
    if (typeof asyncMethod === 'function') {
      this.iterator = asyncMethod.call(root)
      this.sync = false
    } else {
      this.iterator = (root[Symbol.iterator] as () => AnyIterator).call(root)
      this.sync = true
    }
    this.state = RUNNING
    const stages: StageState[] = []
    for (const spec of this.specs) stages.push(new StageState(spec))
    this.stages = stages
  }

  /** The source finished or threw by itself: forget it without calling `return()`. */
  private finish(): void {
    this.state = DONE
    this.iterator = undefined
    this.stages = []
  }

  /** Ends the pipeline early and calls the source's `return()` once; its error escapes. */
  private async closeSource(): Promise<void> {
    const iterator = this.iterator
    this.finish()
    if (iterator !== undefined && typeof iterator.return === 'function') await iterator.return()
  }

  /** Like {@link closeSource}, for when an error is already on its way out. */
  private async closeSourceQuietly(): Promise<void> {
    try {
      await this.closeSource()
    } catch {
      // The error that ended the pipeline wins, as in TC39 IteratorClose.
    }
  }

  /** `return()` and `throw()`. */
  private async close(error: unknown, rethrow: boolean): Promise<IteratorResult<T>> {
    this.busy = true
    try {
      if (this.state === FRESH) {
        this.state = DONE
        await closeIfIterator(this.closeFirst)
      } else if (this.state === RUNNING) {
        await this.closeSource()
      }
    } finally {
      this.busy = false
    }
    if (rethrow) throw error
    return doneResult()
  }

  /**
   * The fused loop. Without a sink it returns the next result; with one it feeds every value
   * to the sink and resolves when the pipeline ends.
   */
  private async loop(sink: Sink | undefined): Promise<IteratorResult<T>> {
    this.busy = true
    let phase = IN_SOURCE
    try {
      if (this.state !== RUNNING) {
        if (this.state !== FRESH) return doneResult()
        if (this.specs.some(isTakeZero)) {
          // `take(0)`: close without pulling, as `return()` before the first `next()` does.
          phase = IN_STAGES
          this.state = DONE
          await closeIfIterator(this.closeFirst)
          return doneResult()
        }
        this.start()
      }
      const iterator = this.iterator!
      const sync = this.sync
      const stages = this.stages
      const length = stages.length
      outer: for (;;) {
        if (this.closing) {
          phase = IN_STAGES
          await this.closeSource()
          return doneResult()
        }
        phase = IN_SOURCE
        let value: unknown
        if (sync) {
          const result = (iterator as Iterator<unknown>).next()
          if (result.done) {
            this.finish()
            return doneResult()
          }
          value = result.value
          if (isThenable(value)) {
            // As `for await` does: await the value, and close the iterator if it rejects.
            phase = IN_STAGES
            value = await value
          }
        } else {
          const result = await (iterator as AsyncIterator<unknown>).next()
          if (result.done) {
            this.finish()
            return doneResult()
          }
          value = result.value
        }
        phase = IN_STAGES
        for (let k = 0; k < length; k++) {
          const s = stages[k]!
          switch (s.kind) {
            case MAP: {
              const r = s.fn(value, s.index++)
              value = isThenable(r) ? await r : r
              break
            }
            case FILTER: {
              let r = s.fn(value, s.index++)
              if (isThenable(r)) r = await r
              if (!r) continue outer
              break
            }
            case TAKE: {
              if (++s.index >= s.count) this.closing = true
              break
            }
            case DROP: {
              if (s.index < s.count) {
                s.index++
                continue outer
              }
              break
            }
            case TAKE_WHILE: {
              let r = s.fn(value, s.index++)
              if (isThenable(r)) r = await r
              if (!r) {
                await this.closeSource()
                return doneResult()
              }
              break
            }
            case DROP_WHILE: {
              if (s.dropping) {
                let r = s.fn(value, s.index++)
                if (isThenable(r)) r = await r
                if (r) continue outer
                s.dropping = false
              }
              break
            }
            case SCAN: {
              if (s.hasAcc) {
                const r = s.fn(s.acc, value, s.index++)
                s.acc = isThenable(r) ? await r : r
              } else {
                s.hasAcc = true
                s.acc = value
                s.index++
              }
              value = s.acc
              break
            }
            default: {
              // TAP
              const r = s.fn(value, s.index++)
              if (isThenable(r)) await r
            }
          }
        }
        if (sink === undefined) {
          // `take` delivered its last item: close the source now, not on the next call.
          if (this.closing) await this.closeSource()
          return { value: value as T, done: false }
        }
        let verdict = sink(value)
        if (isThenable(verdict)) verdict = await verdict
        if (verdict === STOP) this.closing = true
      }
    } catch (error) {
      if (phase === IN_SOURCE) this.finish()
      else await this.closeSourceQuietly()
      throw error
    } finally {
      this.busy = false
    }
  }
}

/**
 * Turns `source` into a {@link Fused} with `extra` stages appended, fusing when `source` is
 * an unstarted `Fused`, wrapping it otherwise.
 *
 * @throws TypeError If `source` is not iterable, or was already taken over by fusion.
 */
export function fuse<T>(
  source: AnyIterable<unknown>,
  extra: readonly StageSpec[] = NO_STAGES,
): Fused<T> {
  if (source instanceof Fused) {
    const adopted = source.adopt(extra)
    if (adopted !== undefined) return adopted as Fused<T>
  } else {
    checkIterable('source', source)
  }
  return new Fused<T>(source, extra, source)
}
