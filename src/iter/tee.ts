import { checkIterable, checkLimit } from '../_internal/check.js'
import { asyncDisposeSymbol } from '../_internal/symbols.js'
import { callNext, callReturn, openIterator } from './_concurrent.js'
import type { AnyIterable, AsyncPipeline } from './_types.js'

/** Options of {@link tee}. */
export interface TeeOptions {
  /**
   * How many values the leading branch may be ahead of the slowest branch that is still
   * open. When it is reached, the leading branch waits for the slowest one (back-pressure),
   * so branches that are read one after the other (drain the first, then the second) need a
   * `capacity` of at least the whole source, or they wait forever. `Infinity` never waits and
   * keeps every value a lagging branch has not read yet in memory.
   * @defaultValue Infinity
   */
  readonly capacity?: number
}

type Entry<T> = { readonly value: T } | { readonly done: true } | { readonly error: unknown }

class TeeState<T> {
  readonly #source: AnyIterable<T>
  readonly #capacity: number
  #iterator: AsyncIterator<T> | undefined
  /** Entries not yet read by every open branch; `#base` is the position of the first one. */
  readonly #entries: Entry<T>[] = []
  #base = 0
  readonly #positions: number[]
  readonly #open: boolean[]
  #openCount: number
  #pulling: Promise<void> | undefined
  #ended = false
  #closing: Promise<unknown> | undefined
  #spaceWaiters: Array<() => void> = []

  constructor(source: AnyIterable<T>, branches: number, capacity: number) {
    this.#source = source
    this.#capacity = capacity
    this.#positions = new Array<number>(branches).fill(0)
    this.#open = new Array<boolean>(branches).fill(true)
    this.#openCount = branches
  }

  async read(branch: number): Promise<Entry<T>> {
    while (true) {
      const offset = this.#positions[branch]! - this.#base
      const entry = this.#entries[offset]
      if (entry !== undefined) {
        if ('value' in entry) {
          this.#positions[branch]!++
          this.#trim()
        }
        return entry
      }
      if (this.#entries.length >= this.#capacity) {
        await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve))
      } else {
        await this.#pull()
      }
    }
  }

  release(branch: number): Promise<unknown> {
    if (!this.#open[branch]) return Promise.resolve()
    this.#open[branch] = false
    this.#openCount--
    this.#trim()
    if (this.#openCount > 0 || this.#ended || this.#iterator === undefined) {
      return Promise.resolve()
    }
    this.#closing ??= callReturn(this.#iterator)
    return this.#closing
  }

  #pull(): Promise<void> {
    if (this.#pulling !== undefined) return this.#pulling
    this.#iterator ??= openIterator(this.#source)
    const promise = callNext(this.#iterator)
    const pulling = promise.then(
      (result) => {
        this.#pulling = undefined
        if (result.done) {
          this.#ended = true
          this.#entries.push({ done: true })
        } else {
          this.#entries.push({ value: result.value })
        }
      },
      (error: unknown) => {
        this.#pulling = undefined
        this.#ended = true
        this.#entries.push({ error })
      },
    )
    this.#pulling = pulling
    return pulling
  }

  #trim(): void {
    let lowest = Number.POSITIVE_INFINITY
    for (let branch = 0; branch < this.#positions.length; branch++) {
      if (this.#open[branch]) lowest = Math.min(lowest, this.#positions[branch]!)
    }
    const drop = Math.min(lowest - this.#base, this.#entries.length)
    if (drop <= 0) return
    // A terminal entry stays for the branches that still have to see it.
    const last = this.#entries[this.#entries.length - 1]
    const keepLast = drop === this.#entries.length && last !== undefined && !('value' in last)
    const count = keepLast ? drop - 1 : drop
    if (count <= 0) return
    this.#entries.splice(0, count)
    this.#base += count
    const waiters = this.#spaceWaiters.splice(0)
    for (const resolve of waiters) resolve()
  }
}

async function* branchIterator<T>(state: TeeState<T>, branch: number): AsyncGenerator<T> {
  try {
    while (true) {
      const entry = await state.read(branch)
      if ('value' in entry) yield entry.value
      else if ('error' in entry) throw entry.error
      else return
    }
  } finally {
    await state.release(branch)
  }
}

/**
 * Splits one source into `count` independent iterators that each see every value, reading
 * the source only once (Python's `itertools.tee`).
 *
 * Values are kept until every open branch read them, so a lagging branch makes the others'
 * values pile up: without `capacity` (the default, `Infinity`) that buffer is unbounded; with
 * a finite `capacity` the leading branch waits instead. A source error is delivered to every
 * branch at the position where it happened. A branch that stops early (`break`, `return()`)
 * no longer holds values back; the source is closed with `return()` once, when every branch
 * is done or returned, and that last `return()` resolves after it.
 *
 * @param source - The iterable to split; it is opened on the first `next()` of any branch.
 * @param count - How many branches: a positive integer (2 by default, as in Python).
 * @param options - `capacity`.
 * @returns An array of `count` lazy iterators.
 * @throws `TypeError` or `RangeError` at once for a wrong `source`, `count` or `capacity`.
 * @example
 * import { tee } from 'asyncwith/iter'
 *
 * const [a, b] = tee([1, 2])
 * for await (const n of a) console.log('a', n)
 * for await (const n of b) console.log('b', n)
 */
export function tee<T>(
  source: AnyIterable<T>,
  count = 2,
  options?: TeeOptions,
): AsyncPipeline<T>[] {
  checkIterable('source', source)
  checkLimit('count', count, false)
  const capacity = checkLimit('capacity', options?.capacity ?? Number.POSITIVE_INFINITY)
  const state = new TeeState(source, count, capacity)
  return Array.from({ length: count }, (_, branch) => {
    const generator = branchIterator(state, branch)
    // A generator that never started skips its `finally`: release the branch here too.
    const originalReturn = generator.return.bind(generator)
    generator.return = async (value) => {
      const released = state.release(branch)
      const result = await originalReturn(value)
      await released
      return result
    }
    // Runtimes without explicit resource management give generators no asyncDispose.
    Object.defineProperty(generator, asyncDisposeSymbol, {
      value: async () => {
        await generator.return(undefined)
      },
      writable: true,
      configurable: true,
    })
    return generator as AsyncPipeline<T>
  })
}
