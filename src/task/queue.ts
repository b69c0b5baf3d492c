import { checkCount, checkSignal } from '../_internal/check.js'
import { onAbort } from '../_internal/on-abort.js'
import { type WaiterLink, WaiterList } from '../_internal/waiter-list.js'
import type { AsyncPipeline } from '../iter/index.js'
import { ClosedError, WouldBlockError } from './errors.js'

/** Options for {@link Queue.put} and {@link Queue.get}. */
export interface QueueWaitOptions {
  /**
   * Stops the wait: the call rejects with `signal.reason` and leaves the queue as if it had
   * never been made (a put's item is not added, a get takes nothing). As with
   * `Semaphore.acquire`, this holds until the caller resumes: an item handed to a getter whose
   * signal then aborts goes back to the front of the queue (or to the next getter), and a
   * waiting put's item that moved in is withdrawn, unless a getter has already taken it
   * (with capacity 0 a get takes it at once); then the put resolves, as the item was
   * delivered.
   * @defaultValue `undefined` (wait as long as it takes)
   */
  readonly signal?: AbortSignal
}

/** A snapshot of a {@link Queue}, from {@link Queue.statistics}. */
export interface QueueStatistics {
  /** Items in the buffer, not counting those of waiting putters. */
  readonly size: number
  /** The buffer's capacity, as given to the constructor. */
  readonly capacity: number
  /** `true` once `close()` was called. */
  readonly closed: boolean
  /** `put()` calls waiting for room. */
  readonly waitingPutters: number
  /** `get()` calls (and iterators) waiting for an item. */
  readonly waitingGetters: number
}

/**
 * A first-in, first-out queue between async producers and consumers, with back-pressure:
 * `put()` waits while the buffer is full and `get()` waits while it is empty (Python's
 * `asyncio.Queue`, Trio's memory channel). Waiters are served in the order they came.
 * With `capacity` 0 there is no buffer at all: `put()` waits until a `get()` takes its item
 * (a rendezvous, like a Trio channel with no buffer).
 *
 * `close()` ends the stream: putting fails with {@link ClosedError} from then on, while the
 * items already buffered can still be taken; once they are gone, getting fails with
 * `ClosedError` too and `for await` ends. It is not a pub/sub channel: every item goes to
 * exactly one consumer.
 *
 * @example
 * import { Queue } from 'asyncwith/task'
 *
 * const queue = new Queue<number>(2)
 * const producer = (async () => {
 *   for (let i = 0; i < 5; i++) await queue.put(i) // waits while 2 items are buffered
 *   queue.close()
 * })()
 * for await (const item of queue) console.log(item) // 0, 1, 2, 3, 4
 * await producer
 */
export class Queue<T> implements AsyncIterable<T> {
  readonly #capacity: number
  readonly #buffer = new _ItemBuffer<T | _HeldItem>()
  readonly #putters = new WaiterList<_Putter<T>>()
  readonly #getters = new WaiterList<_Getter<T>>()
  /** Withdrawn {@link _HeldItem}s still in the buffer: they take no room and are skipped. */
  #withdrawn = 0
  #closed = false

  /**
   * @param capacity - How many items the buffer holds before `put()` waits: a non-negative
   *   integer, or `Infinity` for no limit. `0` makes every `put()` wait for a `get()`.
   * @throws {TypeError} If `capacity` is not a number.
   * @throws {RangeError} If `capacity` is negative, fractional or `NaN`.
   */
  constructor(capacity = Infinity) {
    this.#capacity = checkCount('capacity', capacity)
  }

  /** Items in the buffer now, not counting those of waiting putters. */
  get size(): number {
    return this.#buffer.length - this.#withdrawn
  }

  /** How many items the buffer holds before `put()` waits. */
  get capacity(): number {
    return this.#capacity
  }

  /** `true` once {@link Queue.close} was called (items may still be buffered). */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Counts what the queue holds and who is waiting (Trio's `statistics()`).
   *
   * @returns A snapshot; it does not change afterwards.
   * @example
   * import { Queue } from 'asyncwith/task'
   *
   * const queue = new Queue<string>(1)
   * queue.putNowait('a')
   * console.log(queue.statistics()) // { size: 1, capacity: 1, closed: false, ... }
   */
  statistics(): QueueStatistics {
    return {
      size: this.#buffer.length - this.#withdrawn,
      capacity: this.#capacity,
      closed: this.#closed,
      waitingPutters: this.#putters.length,
      waitingGetters: this.#getters.length,
    }
  }

  /**
   * Adds `item` at the end, waiting while the buffer is full. A `get()` that is already
   * waiting receives the item at once.
   *
   * @param item - The item to add.
   * @param options - {@link QueueWaitOptions}.
   * @returns A promise that resolves once the item is in the queue (or, with capacity 0,
   *   taken by a getter).
   * @throws {@link ClosedError} If the queue is closed, or is closed while this waits; the
   *   item is not added.
   * @throws `options.signal.reason` If the signal aborts first; the item is not added.
   * @throws {TypeError} If `options.signal` is not an `AbortSignal`.
   * @example
   * import { Queue } from 'asyncwith/task'
   *
   * const queue = new Queue<string>(1)
   * await queue.put('a')
   * const second = queue.put('b') // waits: the queue is full
   * console.log(await queue.get()) // 'a', and 'b' moves into the buffer
   * await second
   */
  put(item: T, options?: QueueWaitOptions): Promise<void> {
    let signal: AbortSignal | undefined
    try {
      signal = checkSignal('signal', options?.signal)
    } catch (error) {
      return Promise.reject(error)
    }
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (this.#closed) return Promise.reject(this.#closedForPut())
    if (this.#offer(item)) return Promise.resolve()
    if (signal === undefined) {
      return new Promise<void>((resolve, reject) => {
        this.#putters.push({ item, held: undefined, accept: resolve, fail: reject })
      })
    }
    // The item moves in, held, when room is made; if the signal aborted before this caller
    // resumes, it is withdrawn unless a getter took it already (asyncio's
    // test_cancelled_put_silence_value_error_exception).
    const held = new _HeldItem(item)
    return new Promise<void>((resolve, reject) => {
      let remove: (() => void) | undefined
      const putter: _Putter<T> = {
        item,
        held,
        accept: () => {
          remove?.()
          resolve()
        },
        fail: (error) => {
          remove?.()
          reject(error)
        },
      }
      this.#putters.push(putter)
      if (signal !== undefined) {
        remove = onAbort(signal, () => {
          // Still queued: nobody took the item, so dropping the putter leaves no trace.
          this.#putters.remove(putter)
          reject(signal.reason)
        })
      }
    }).then(() => {
      if (!signal.aborted || held.taken) return
      held.withdrawn = true
      this.#withdrawn++
      this.#admitPutter()
      throw signal.reason
    })
  }

  /**
   * Adds `item` if that needs no wait, else throws and changes nothing.
   *
   * @param item - The item to add.
   * @throws {@link ClosedError} If the queue is closed.
   * @throws {@link WouldBlockError} If the buffer is full (with capacity 0: if no getter is
   *   waiting).
   * @example
   * import { isWouldBlockError, Queue } from 'asyncwith/task'
   *
   * const queue = new Queue<number>(1)
   * queue.putNowait(1)
   * try {
   *   queue.putNowait(2)
   * } catch (error) {
   *   console.log(isWouldBlockError(error)) // true
   * }
   */
  putNowait(item: T): void {
    if (this.#closed) throw this.#closedForPut()
    if (!this.#offer(item)) {
      throw new WouldBlockError(
        this.#capacity === 0 ? 'Queue has no getter waiting' : 'Queue is full',
      )
    }
  }

  /**
   * Takes the oldest item, waiting while the queue is empty. Once the queue is closed, the
   * items still buffered are handed out first; after them, `get()` fails.
   *
   * @param options - {@link QueueWaitOptions}.
   * @returns The oldest item.
   * @throws {@link ClosedError} If the queue is closed and empty, or is closed while this
   *   waits.
   * @throws `options.signal.reason` If the signal aborts first; nothing is taken.
   * @throws {TypeError} If `options.signal` is not an `AbortSignal`.
   * @example
   * import { Queue } from 'asyncwith/task'
   *
   * const queue = new Queue<string>()
   * setTimeout(() => queue.putNowait('hello'), 1)
   * console.log(await queue.get()) // 'hello'
   */
  get(options?: QueueWaitOptions): Promise<T> {
    let signal: AbortSignal | undefined
    try {
      signal = checkSignal('signal', options?.signal)
    } catch (error) {
      return Promise.reject(error)
    }
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (this.#hasItem()) return Promise.resolve(this.#take())
    if (this.#closed) return Promise.reject(this.#closedForGet())
    const waiting = new Promise<T>((resolve, reject) => {
      let remove: (() => void) | undefined
      const getter: _Getter<T> = {
        deliver: (item) => {
          remove?.()
          resolve(item)
        },
        end: () => {
          remove?.()
          reject(this.#closedForGet())
        },
      }
      this.#getters.push(getter)
      if (signal !== undefined) {
        remove = onAbort(signal, () => {
          // Still queued: no item was handed to it, so nothing is lost.
          this.#getters.remove(getter)
          reject(signal.reason)
        })
      }
    })
    if (signal === undefined) return waiting
    // An item handed over can still meet an abort before the caller resumes: it goes back to
    // the front (or to the next getter), never lost (asyncio's
    // test_get_cancel_drop_many_pending_readers).
    return waiting.then((item) => {
      if (!signal.aborted) return item
      this.#giveBack(item)
      throw signal.reason
    })
  }

  /**
   * Takes the oldest item if there is one, else throws and changes nothing.
   *
   * @returns The oldest item (with capacity 0: the item of the oldest waiting putter).
   * @throws {@link WouldBlockError} If the queue is empty but open.
   * @throws {@link ClosedError} If the queue is closed and empty.
   * @example
   * import { Queue } from 'asyncwith/task'
   *
   * const queue = new Queue<number>()
   * queue.putNowait(7)
   * console.log(queue.getNowait()) // 7
   */
  getNowait(): T {
    if (this.#hasItem()) return this.#take()
    if (this.#closed) throw this.#closedForGet()
    throw new WouldBlockError('Queue is empty')
  }

  /**
   * Closes the queue: no more items can be put. Waiting putters fail with
   * {@link ClosedError} and their items are dropped; buffered items stay and can still be
   * taken. Once the buffer is empty, waiting and later getters fail with `ClosedError` and
   * iterators end. Calling it again does nothing.
   *
   * @example
   * import { Queue } from 'asyncwith/task'
   *
   * const queue = new Queue<string>()
   * queue.putNowait('last')
   * queue.close()
   * for await (const item of queue) console.log(item) // 'last', then the loop ends
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (let putter = this.#putters.shift(); putter; putter = this.#putters.shift()) {
      putter.fail(this.#closedForPut())
    }
    // A getter only waits while the queue is empty, so every waiting getter is done.
    for (let getter = this.#getters.shift(); getter; getter = this.#getters.shift()) getter.end()
  }

  /**
   * Iterates over the items, each taken with `get()`, until the queue is closed and empty.
   * Several iterators (and plain `get()` calls) can share one queue; each item goes to one
   * of them. An item leaves the queue only when it is handed to the loop, so `break` loses
   * nothing, and `return()` while a `next()` waits ends that `next()` with `done`.
   *
   * @returns An async iterator that is also `AsyncDisposable` (disposing calls `return()`).
   * @example
   * import { Queue } from 'asyncwith/task'
   *
   * const queue = new Queue<number>()
   * for (const n of [1, 2, 3]) queue.putNowait(n)
   * for await (const n of queue) {
   *   if (n === 2) break
   * }
   * console.log(queue.getNowait()) // 3: only 1 and 2 were taken
   */
  [Symbol.asyncIterator](): AsyncPipeline<T> {
    let finished = false
    // The getters of this iterator's own pending `next()` calls, so `return()` can end them.
    const waiting = new Set<_Getter<T>>()
    const done = (): IteratorResult<T> => ({ done: true, value: undefined })
    const iterator: AsyncPipeline<T> = {
      next: (): Promise<IteratorResult<T>> => {
        if (finished) return Promise.resolve(done())
        if (this.#hasItem()) return Promise.resolve({ done: false, value: this.#take() })
        if (this.#closed) {
          finished = true
          return Promise.resolve(done())
        }
        return new Promise<IteratorResult<T>>((resolve) => {
          const getter: _Getter<T> = {
            deliver: (item) => {
              waiting.delete(getter)
              resolve({ done: false, value: item })
            },
            end: () => {
              waiting.delete(getter)
              finished = true
              resolve(done())
            },
          }
          waiting.add(getter)
          this.#getters.push(getter)
        })
      },
      return: (): Promise<IteratorResult<T>> => {
        finished = true
        for (const getter of waiting) {
          this.#getters.remove(getter)
          getter.end()
        }
        return Promise.resolve(done())
      },
      [Symbol.asyncIterator]() {
        return iterator
      },
      async [Symbol.asyncDispose]() {
        await iterator.return!()
      },
    }
    return iterator
  }

  #hasItem(): boolean {
    return this.#buffer.length > this.#withdrawn || this.#putters.length > 0
  }

  /** Places `item` without waiting if possible: straight to a getter, or in the buffer. */
  #offer(item: T): boolean {
    const getter = this.#getters.shift()
    if (getter !== undefined) {
      getter.deliver(item)
      return true
    }
    if (this.#buffer.length - this.#withdrawn < this.#capacity) {
      this.#buffer.push(item)
      return true
    }
    return false
  }

  /** Removes the oldest item; the caller checked {@link Queue.#hasItem}. */
  #take(): T {
    while (this.#buffer.length > 0) {
      const entry = this.#buffer.shift()
      if (entry instanceof _HeldItem) {
        if (entry.withdrawn) {
          this.#withdrawn--
          continue
        }
        entry.taken = true
        this.#admitPutter()
        return entry.item as T
      }
      this.#admitPutter()
      return entry as T
    }
    // Only with capacity 0 can a putter wait while the buffer is empty: take its item.
    const putter = this.#putters.shift()!
    if (putter.held !== undefined) putter.held.taken = true
    putter.accept()
    return putter.item
  }

  /** Room was made: the oldest waiting putter's item moves in and that putter resolves. */
  #admitPutter(): void {
    if (this.#buffer.length - this.#withdrawn >= this.#capacity) return
    const putter = this.#putters.shift()
    if (putter === undefined) return
    this.#buffer.push(putter.held ?? putter.item)
    putter.accept()
  }

  /** Returns an item an aborted getter was handed: to the next getter, or to the front. */
  #giveBack(item: T): void {
    const getter = this.#getters.shift()
    if (getter !== undefined) getter.deliver(item)
    else this.#buffer.unshift(item)
  }

  #closedForPut(): ClosedError {
    return new ClosedError('Queue is closed')
  }

  #closedForGet(): ClosedError {
    return new ClosedError('Queue is closed and empty')
  }
}

/**
 * The item of a `put()` with a signal, in the buffer until taken. The put can still be
 * aborted until its caller resumes: then, if no getter took it, it is withdrawn.
 */
class _HeldItem {
  taken = false
  withdrawn = false
  constructor(readonly item: unknown) {}
}

interface _Putter<T> extends WaiterLink<_Putter<T>> {
  readonly item: T
  /** Set for a put with a signal: what goes in the buffer, so it can be withdrawn. */
  readonly held: _HeldItem | undefined
  accept(): void
  fail(error: ClosedError): void
}

interface _Getter<T> extends WaiterLink<_Getter<T>> {
  deliver(item: T): void
  /** The queue closed with nothing left for this getter. */
  end(): void
}

/** An array used as a FIFO: reads advance a head index, compacted now and then. */
class _ItemBuffer<T> {
  #items: (T | undefined)[] = []
  #head = 0

  get length(): number {
    return this.#items.length - this.#head
  }

  push(item: T): void {
    this.#items.push(item)
  }

  /** Puts `item` back in front (rare: an aborted getter's item), O(1) after a shift. */
  unshift(item: T): void {
    if (this.#head > 0) this.#items[--this.#head] = item
    else this.#items.unshift(item)
  }

  shift(): T {
    const item = this.#items[this.#head] as T
    this.#items[this.#head] = undefined
    this.#head++
    if (this.#head === this.#items.length) {
      this.#items.length = 0
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }
}
