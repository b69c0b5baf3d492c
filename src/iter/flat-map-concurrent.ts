import { checkFunction } from '../_internal/check.js'
import {
  type ConcurrentContext,
  ContextScope,
  callNext,
  callReturn,
  LazyContext,
  type MapConcurrentOptions,
  openIterator,
  resolveConcurrentOptions,
} from './_concurrent.js'
import { fromGeneratorDirect } from './_fused-adapters.js'
import type { AnyIterable, Operator } from './_types.js'

/** Options of {@link flatMapConcurrent}. */
export interface FlatMapConcurrentOptions extends MapConcurrentOptions {}

interface Lane<U> {
  readonly context: LazyContext
  iterator: AsyncIterator<U> | undefined
  readonly buffer: U[]
  pending: boolean
  /** The inner iterable finished or threw: it must not be closed. */
  ended: boolean
}

/**
 * Maps every value to an iterable with `fn` and yields the items of those iterables, running
 * up to `concurrency` of them (the callback and then the iteration of what it returned) at
 * once.
 *
 * With `ordered: true` (the default) the output is the inner iterables concatenated in input
 * order: the first one streams straight through while the later ones read ahead, each into a
 * buffer of at most `backpressure` items. With `ordered: false` items are yielded as any inner
 * iterable produces them, and each inner iterable is paused after one item until it is taken.
 * A running inner iterable holds its concurrency slot until all its items were taken.
 *
 * Failure, early exit and `options.signal` behave as in {@link mapConcurrent}: the first error
 * (from a callback, an inner iterable or the source) aborts every lane's `signal`, closes every
 * inner iterable and the source that did not end by themselves with `return()`, waits for all
 * of it, then rejects. If `options.signal` is already aborted, the first `next()` rejects with
 * its reason without opening the source.
 *
 * @param fn - Called as `fn(value, { index, signal })`; returns an iterable, an async
 * iterable, or a promise of one.
 * @param options - `concurrency`, `ordered`, `backpressure`, `signal`.
 * @returns An operator: give it a source to get the lazy iterator of all inner items.
 * @throws `TypeError` or `RangeError` for a wrong `fn` or option, when the operator is created.
 * @example
 * import { flatMapConcurrent } from 'asyncwith/iter'
 *
 * const pages = flatMapConcurrent(async (n: number) => [n, n * 10], { concurrency: 2 })
 * for await (const item of pages([1, 2])) console.log(item) // 1, 10, 2, 20
 */
export function flatMapConcurrent<T, U>(
  fn: (value: T, context: ConcurrentContext) => AnyIterable<U> | PromiseLike<AnyIterable<U>>,
  options?: FlatMapConcurrentOptions,
): Operator<T, U> {
  checkFunction('fn', fn)
  const { concurrency, backpressure, ordered, signal } = resolveConcurrentOptions(options)
  const laneCapacity = ordered ? backpressure : 1

  return (input) =>
    fromGeneratorDirect<U>(input, async function* flatMapConcurrentIterator(upstream) {
      const source = upstream as AsyncIterableIterator<T>
      if (signal?.aborted) throw signal.reason
      const iterator = openIterator(source)
      const scope = new ContextScope()
      const lanes: Lane<U>[] = []
      /** Unordered mode: lanes holding an item, in the order the items arrived. */
      const ready: Lane<U>[] = []
      let sourceEnded = false
      let pulling = false
      let started = 0
      let failure: { error: unknown } | undefined
      let stopped = false
      let pendingOps = 0
      let wake: (() => void) | undefined
      const notify = (): void => {
        const resolve = wake
        wake = undefined
        resolve?.()
      }
      const fail = (error: unknown): void => {
        if (failure === undefined && !stopped) failure = { error }
        notify()
      }
      const onAbort = (): void => fail(signal!.reason)
      signal?.addEventListener('abort', onAbort)

      const settleOp = (): void => {
        pendingOps--
        notify()
      }

      const pullLane = (lane: Lane<U>): void => {
        if (lane.pending || lane.ended || lane.iterator === undefined || stopped) return
        if (failure !== undefined || lane.buffer.length >= laneCapacity) return
        lane.pending = true
        pendingOps++
        const promise = callNext(lane.iterator)
        promise.then(
          (result) => {
            lane.pending = false
            if (result.done) {
              lane.ended = true
            } else if (!stopped && failure === undefined) {
              lane.buffer.push(result.value)
              if (!ordered) ready.push(lane)
              pullLane(lane)
            }
            settleOp()
          },
          (error: unknown) => failLane(lane, error),
        )
      }

      const failLane = (lane: Lane<U>, error: unknown): void => {
        lane.pending = false
        lane.ended = true
        fail(error)
        settleOp()
      }

      const startLane = (value: T): void => {
        const lane: Lane<U> = {
          context: new LazyContext(started++, scope),
          iterator: undefined,
          buffer: [],
          pending: true,
          ended: false,
        }
        lanes.push(lane)
        pendingOps++
        new Promise<AnyIterable<U>>((resolve) => resolve(fn(value, lane.context))).then(
          (iterable) => {
            lane.pending = false
            if (!stopped && failure === undefined) {
              try {
                lane.iterator = openIterator(iterable)
                pullLane(lane)
              } catch (error) {
                lane.ended = true
                fail(error)
              }
            } else {
              lane.ended = true
            }
            settleOp()
          },
          (error: unknown) => failLane(lane, error),
        )
      }

      const fill = (): void => {
        if (pulling || sourceEnded || stopped || failure !== undefined) return
        if (lanes.length >= concurrency) return
        pulling = true
        pendingOps++
        const promise = callNext(iterator)
        promise.then(
          (result) => {
            pulling = false
            if (result.done) sourceEnded = true
            else if (!stopped && failure === undefined) {
              startLane(result.value)
              fill()
            }
            settleOp()
          },
          (error: unknown) => {
            pulling = false
            sourceEnded = true
            fail(error)
            settleOp()
          },
        )
      }

      const removeLane = (lane: Lane<U>): void => {
        scope.release(lane.context)
        lanes.splice(lanes.indexOf(lane), 1)
        fill()
      }

      try {
        fill()
        while (true) {
          if (failure !== undefined) throw failure.error
          let lane: Lane<U> | undefined
          if (ordered) {
            const head = lanes[0]
            if (head !== undefined && head.buffer.length > 0) lane = head
            else if (head?.ended && !head.pending && head.buffer.length === 0) {
              removeLane(head)
              continue
            }
          } else {
            lane = ready.shift()
            if (lane === undefined) {
              const finished = lanes.find((l) => l.ended && !l.pending && l.buffer.length === 0)
              if (finished !== undefined) {
                removeLane(finished)
                continue
              }
            }
          }
          if (lane !== undefined) {
            const value = lane.buffer.shift() as U
            pullLane(lane)
            yield value
            continue
          }
          if (lanes.length === 0 && sourceEnded && !pulling) return
          await new Promise<void>((resolve) => {
            wake = resolve
          })
        }
      } finally {
        stopped = true
        signal?.removeEventListener('abort', onAbort)
        const reason = failure?.error
        const closing: Promise<unknown>[] = []
        // Abort first, so an inner iterable's cleanup already sees its signal aborted.
        for (const lane of lanes) if (lane.ended && !lane.pending) scope.release(lane.context)
        scope.abortAll(reason)
        for (const lane of lanes) {
          if (!lane.ended && lane.iterator !== undefined) closing.push(callReturn(lane.iterator))
        }
        if (!sourceEnded) closing.push(callReturn(iterator))
        while (pendingOps > 0) {
          await new Promise<void>((resolve) => {
            wake = resolve
          })
        }
        const results = await Promise.allSettled(closing)
        // A failure that happened while the consumer held a value is reported even when the
        // consumer then stopped, as mapConcurrent does: it is never lost.
        // biome-ignore lint/correctness/noUnsafeFinally: the failure must reach the consumer
        if (failure !== undefined) throw failure.error
        const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
        // A failing return() is reported only when nothing else failed, as in `for await`.
        // biome-ignore lint/correctness/noUnsafeFinally: a failing return() is the error of a clean exit, as in `for await`
        if (rejected !== undefined) throw rejected.reason
      }
    })
}
