/**
 * Test helpers that count cleanup: which `finally` blocks ran, which `return()` calls
 * arrived, and whether anything was left behind.
 */

/** Counters kept by {@link tracked}. */
export interface TrackedCounts {
  /** `next()` calls that reached the source. */
  nexts: number
  /** `return()` calls that reached the source. */
  returns: number
  /** `throw()` calls that reached the source. */
  throws: number
  /** Times the generator's `finally` block ran (must end at 0 or 1). */
  finallies: number
  /** Values the generator produced. */
  yielded: number
}

export interface TrackedOptions {
  /** Throw this after yielding every item. */
  failWith?: unknown
  /** Throw `failWith` after this many items instead of at the end. */
  failAfter?: number
  /** Await a macrotask before each item (makes the source genuinely asynchronous). */
  slow?: boolean
}

/**
 * An async generator over `items` whose `next`, `return`, `throw` and `finally` are counted.
 * The returned object is the generator itself (an `AsyncIterableIterator`).
 */
export function tracked<T>(
  items: Iterable<T>,
  options: TrackedOptions = {},
): AsyncIterableIterator<T> & { counts: TrackedCounts } {
  const counts: TrackedCounts = { nexts: 0, returns: 0, throws: 0, finallies: 0, yielded: 0 }
  async function* generate(): AsyncGenerator<T> {
    try {
      let index = 0
      for (const item of items) {
        if (options.failAfter !== undefined && index === options.failAfter) throw options.failWith
        if (options.slow) await new Promise((resolve) => setTimeout(resolve, 0))
        counts.yielded++
        yield item
        index++
      }
      if (options.failWith !== undefined && options.failAfter === undefined) throw options.failWith
    } finally {
      counts.finallies++
    }
  }
  return countCalls(generate(), counts)
}

/**
 * Wraps `generator` so that every `next`, `return` and `throw` that reaches it is counted in
 * `counts` (the generator itself counts `yielded` and `finallies`).
 */
export function countCalls<T>(
  generator: AsyncGenerator<T>,
  counts: TrackedCounts,
): AsyncIterableIterator<T> & { counts: TrackedCounts } {
  const wrapper = {
    counts,
    next(...args: [] | [unknown]) {
      counts.nexts++
      return generator.next(...args)
    },
    return(value?: unknown) {
      counts.returns++
      return generator.return(value as never)
    },
    throw(error?: unknown) {
      counts.throws++
      return generator.throw(error)
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
  return wrapper as AsyncIterableIterator<T> & { counts: TrackedCounts }
}

/** A sync iterable whose iterator's `return()` and `finally` are counted. */
export function trackedSync<T>(items: Iterable<T>): Iterable<T> & { counts: TrackedCounts } {
  const counts: TrackedCounts = { nexts: 0, returns: 0, throws: 0, finallies: 0, yielded: 0 }
  return {
    counts,
    *[Symbol.iterator]() {
      try {
        for (const item of items) {
          counts.yielded++
          yield item
        }
      } finally {
        counts.finallies++
      }
    },
  }
}

/**
 * Records unhandled rejections while `fn` runs and for a couple of turns after it, and
 * returns them. Use: `expect(await unhandledDuring(() => work())).toEqual([])`.
 */
export async function unhandledDuring(fn: () => Promise<unknown> | unknown): Promise<unknown[]> {
  const seen: unknown[] = []
  const onRejection = (reason: unknown) => {
    seen.push(reason)
  }
  process.on('unhandledRejection', onRejection)
  try {
    await fn()
    // Unhandled rejections are reported after the microtask queue drains.
    await new Promise((resolve) => setTimeout(resolve, 5))
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('unhandledRejection', onRejection)
  }
  return seen
}

/**
 * Counts active timers (and other handles, by type) so a test can check that nothing was
 * left behind: compare a snapshot before and after.
 */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1
  return counts
}

/** Active `Timeout` handles (setTimeout / setInterval) right now. */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
}

/**
 * How many more timers are active than `before`, the process-wide count (from
 * `process.getActiveResourcesInfo()`) taken at the start of a test. The test runner's own
 * short-lived timers come and go, so a surplus is re-read for a few event-loop turns before
 * it counts: a timer left behind stays, theirs do not.
 */
export async function timersAbove(before: number): Promise<number> {
  for (let turn = 0; turn < 5; turn++) {
    if (activeTimers() <= before) return 0
    await new Promise((resolve) => setImmediate(resolve))
  }
  return Math.max(0, activeTimers() - before)
}

/** Lets every queued microtask and one macrotask run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}

/** Step helpers in the IxJS style, for reading an iterator one result at a time. */
export async function expectNext<T>(iterator: AsyncIterator<T>, expected: T): Promise<void> {
  const result = await iterator.next()
  if (
    result.done ||
    (!Object.is(result.value, expected) &&
      JSON.stringify(result.value) !== JSON.stringify(expected))
  ) {
    throw new Error(
      `Expected next value ${JSON.stringify(expected)}, got ${JSON.stringify(result)}`,
    )
  }
}

export async function expectDone(iterator: AsyncIterator<unknown>): Promise<void> {
  const result = await iterator.next()
  if (!result.done) throw new Error(`Expected done, got value ${JSON.stringify(result.value)}`)
}

export async function expectThrow(
  iterator: AsyncIterator<unknown>,
  expected: unknown,
): Promise<void> {
  try {
    const result = await iterator.next()
    throw new Error(`Expected a rejection, got ${JSON.stringify(result)}`)
  } catch (error) {
    if (error !== expected) throw error
  }
}
