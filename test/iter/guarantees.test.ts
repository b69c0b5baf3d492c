/**
 * The guarantees every `asyncwith/iter` operator makes (design.md, "iter", Guarantees): for
 * every operator and every way a pipeline can end, every upstream iterator is closed exactly
 * once, every callback still running is aborted and awaited, nothing rejects unhandled, and
 * no timer or listener stays registered. Then: buffers are bounded, measured.
 */
import { EventEmitter, getEventListeners } from 'node:events'
import {
  abortable,
  buffer,
  chunk,
  concat,
  drop,
  dropWhile,
  filter,
  flatMap,
  flatMapConcurrent,
  flatten,
  fromEvent,
  isBufferOverflowError,
  isTimeoutError,
  map,
  mapConcurrent,
  merge,
  type Operator,
  pipe,
  scan,
  take,
  takeWhile,
  tap,
  tee,
  throttle,
  timeout,
  toReadableStream,
  zip,
} from 'asyncwith/iter'
import { describe, expect, it, vi } from 'vitest'
import { probe } from '../_helpers/concurrent-probe.js'
import {
  CallbackProbe,
  delay,
  type GuardedSource,
  gate,
  guardedSource,
  timerLedger,
} from '../_helpers/guarantees-source.js'
import { activeTimers, tracked, unhandledDuring } from '../_helpers/tracked.js'

// --- the operator table ----------------------------------------------------------------------

type TrackedInner = ReturnType<typeof tracked<number>>

/** What an operator case gets to build itself with. */
interface Harness {
  /** The user's signal, passed to every operator that takes one. */
  readonly signal: AbortSignal
  readonly probe: CallbackProbe
  /** Another source, tracked by the suite, that ends the same way as the main one. */
  other(): GuardedSource
  /** An inner iterable over `[value]`, tracked by the suite (for the flat-mapping callbacks). */
  inner(value: number): TrackedInner
  /** Work to run after the loop and before the checks. */
  afterLoop(work: () => Promise<unknown>): void
}

interface OperatorCase {
  readonly name: string
  /** Which kind of callback the operator takes, if any. */
  readonly callback?: 'sequential' | 'concurrent'
  /** How the sources made by `other()` must end: closed once, or never even opened. */
  readonly others?: 'closed' | 'untouched'
  /**
   * The operator takes the user's signal and, when it aborts during a pending `next()`,
   * either rejects once its own work settled (`'waits'`) or at once, closing its source
   * in the background (`'races'`, as `abortable` documents).
   */
  readonly signal?: 'waits' | 'races'
  /** The source is closed only by the work registered with `afterLoop` (a tee branch). */
  readonly closesAfterLoop?: boolean
  readonly make: (h: Harness) => Operator<number, unknown>
}

const operatorCases: OperatorCase[] = [
  {
    name: 'map()',
    callback: 'sequential',
    make: (h) => map(h.probe.sequential((n: number) => n)),
  },
  {
    name: 'filter()',
    callback: 'sequential',
    make: (h) => filter(h.probe.sequential((_: number) => true)),
  },
  {
    name: 'flatMap()',
    callback: 'sequential',
    make: (h) => flatMap(h.probe.sequential((n: number) => h.inner(n))),
  },
  {
    name: 'takeWhile()',
    callback: 'sequential',
    make: (h) => takeWhile(h.probe.sequential((_: number) => true)),
  },
  {
    name: 'dropWhile()',
    callback: 'sequential',
    // Drops the first value only, so the callback is called at least twice.
    make: (h) => dropWhile(h.probe.sequential((_: number, index: number) => index === 0)),
  },
  {
    name: 'scan()',
    callback: 'sequential',
    make: (h) =>
      scan(
        h.probe.sequential((_: number, n: number) => n),
        0,
      ),
  },
  {
    name: 'tap()',
    callback: 'sequential',
    make: (h) => tap(h.probe.sequential((_: number) => undefined)),
  },
  { name: 'take()', make: () => take(1000) },
  { name: 'drop()', make: () => drop(0) },
  { name: 'chunk()', make: () => chunk(2) },
  { name: 'chunk() with maxWait', make: () => chunk(2, { maxWait: 50 }) },
  {
    name: 'flatten()',
    make: () => (source) => flatten<number>()(map((n: number) => [n])(source)),
  },
  { name: 'buffer()', make: () => buffer(4) },
  {
    name: 'mapConcurrent() ordered',
    callback: 'concurrent',
    signal: 'waits',
    make: (h) =>
      mapConcurrent(
        h.probe.concurrent((n) => n),
        { concurrency: 3, signal: h.signal },
      ),
  },
  {
    name: 'mapConcurrent() unordered',
    callback: 'concurrent',
    signal: 'waits',
    make: (h) =>
      mapConcurrent(
        h.probe.concurrent((n) => n),
        { concurrency: 3, ordered: false, signal: h.signal },
      ),
  },
  {
    name: 'flatMapConcurrent() ordered',
    callback: 'concurrent',
    signal: 'waits',
    make: (h) =>
      flatMapConcurrent(
        h.probe.concurrent((n) => h.inner(n)),
        { concurrency: 3, signal: h.signal },
      ),
  },
  {
    name: 'flatMapConcurrent() unordered',
    callback: 'concurrent',
    signal: 'waits',
    make: (h) =>
      flatMapConcurrent(
        h.probe.concurrent((n) => h.inner(n)),
        { concurrency: 3, ordered: false, signal: h.signal },
      ),
  },
  // A limit that is never reached by these short pipelines, so no test waits for it.
  { name: 'throttle()', make: (h) => throttle(1000, 1000, { signal: h.signal }) },
  { name: 'timeout()', make: () => timeout(1000) },
  { name: 'abortable()', signal: 'races', make: (h) => abortable(h.signal) },
  {
    name: 'merge()',
    others: 'closed',
    make: (h) => (source) => merge(source, h.other()),
  },
  {
    name: 'zip()',
    others: 'closed',
    make: (h) => (source) => zip(source, h.other()),
  },
  {
    // `concat` opens the next source only when the first one finished, which never happens.
    name: 'concat()',
    others: 'untouched',
    make: (h) => concat(h.other()),
  },
  {
    name: 'tee() with the other branch returned at once',
    make: () => (source) => {
      const [consumed, other] = tee(source, 2)
      void other!.return!()
      return consumed!
    },
  },
  {
    name: 'tee() with capacity and the other branch returned after the loop',
    closesAfterLoop: true,
    make: (h) => (source) => {
      const [consumed, other] = tee(source, 2, { capacity: 4 })
      h.afterLoop(() => other!.return!())
      return consumed!
    },
  },
]

// --- the endings -----------------------------------------------------------------------------

type EndingKey =
  | 'break'
  | 'consumer-throws'
  | 'callback-throws'
  | 'callback-rejects'
  | 'source-throws'
  | 'abort'
  | 'abort-while-waiting'
  | 'timeout'

interface Ending {
  readonly key: EndingKey
  /** The `it()` title, after the operator name. */
  readonly title: string
  readonly needsCallback?: boolean
  /** Only for operators that take the user's signal themselves. */
  readonly needsSignal?: boolean
}

const endings: Ending[] = [
  {
    key: 'break',
    title: 'closes its sources once and settles its callbacks when the consumer breaks',
  },
  {
    key: 'consumer-throws',
    title: 'closes its sources once and rethrows when the consumer throws inside the loop',
  },
  {
    key: 'callback-throws',
    title: 'closes its sources once and rethrows when the callback throws',
    needsCallback: true,
  },
  {
    key: 'callback-rejects',
    title: 'closes its sources once and rethrows when the callback rejects',
    needsCallback: true,
  },
  {
    key: 'source-throws',
    title: 'does not close the source again and rethrows when the source throws',
  },
  {
    key: 'abort',
    title: 'closes its sources once and rejects with the reason when the signal aborts',
  },
  {
    key: 'abort-while-waiting',
    title:
      'closes its sources once and rejects with the reason when its signal aborts during next()',
    needsSignal: true,
  },
  {
    key: 'timeout',
    title: 'closes its sources once the stall ends and throws TimeoutError when a timeout fires',
  },
]

const NOTHING = Symbol('nothing escaped')

/** Which abort reason a callback still waiting at the end must see. */
function expectAbortReason(
  ending: EndingKey,
  reason: unknown,
  errors: { source: unknown; callback: unknown; abort: unknown },
): void {
  if (ending === 'break' || ending === 'consumer-throws') {
    // The consumer stopped: a plain AbortError, as mapConcurrent documents.
    expect((reason as Error).name).toBe('AbortError')
  } else if (ending === 'source-throws') {
    expect(reason).toBe(errors.source)
  } else if (ending === 'abort' || ending === 'abort-while-waiting') {
    expect(reason).toBe(errors.abort)
  } else {
    expect(reason).toBe(errors.callback)
  }
}

/**
 * Builds `source → operator → (abortable | timeout)` for one ending, runs a consumer over it
 * that stops after two values the way the ending says, and checks every guarantee.
 */
async function checkEnding(operatorCase: OperatorCase, ending: EndingKey): Promise<void> {
  const timersBefore = activeTimers()
  const timers = timerLedger()
  const controller = new AbortController()
  const signal = controller.signal
  const stall = gate()
  const errors = {
    source: new Error('the source failed'),
    consumer: new Error('the consumer failed'),
    callback: new Error('the callback failed'),
    abort: new Error('the user aborted'),
  }
  // Under `timeout` the source stalls after two values. Under `abort-while-waiting` it stalls
  // after five, which only the operators without read-ahead reach.
  const stalls =
    ending === 'timeout'
      ? { stallAfter: 2, gate: stall }
      : ending === 'abort-while-waiting'
        ? { stallAfter: 5, gate: stall }
        : {}
  const source = guardedSource(
    ending === 'source-throws' ? { failAfter: 2, failWith: errors.source } : stalls,
  )
  const others: GuardedSource[] = []
  const inners: TrackedInner[] = []
  const afterLoop: Array<() => Promise<unknown>> = []
  const callbacks = new CallbackProbe({
    throwsAt: ending === 'callback-throws' ? 1 : undefined,
    rejectsAt: ending === 'callback-rejects' ? 1 : undefined,
    error: errors.callback,
    // Concurrent callbacks after the first two wait for their abort: a pipeline that does
    // not abort them never ends. (Not under `timeout`, which does not wait for its source.)
    waitForAbortFrom: ending === 'timeout' ? undefined : 2,
  })
  const harness: Harness = {
    signal,
    probe: callbacks,
    other() {
      const other = guardedSource({ start: 100, ...stalls })
      others.push(other)
      return other
    },
    inner(value) {
      const inner = tracked([value])
      inners.push(inner)
      return inner
    },
    afterLoop(work) {
      afterLoop.push(work)
    },
  }

  let escaped: unknown = NOTHING
  let runningAtExit = -1
  let sourceFinalliesAtExit = -1
  let unhandled: unknown[]
  try {
    unhandled = await unhandledDuring(async () => {
      const operator = operatorCase.make(harness)
      const pipeline =
        ending === 'abort'
          ? pipe(source, operator, abortable(signal))
          : ending === 'timeout'
            ? pipe(source, operator, timeout(20))
            : pipe(source, operator)
      let consumed = 0
      try {
        for await (const _ of pipeline) {
          consumed++
          if (consumed !== 2) continue
          if (ending === 'break') break
          if (ending === 'consumer-throws') throw errors.consumer
          if (ending === 'abort') controller.abort(errors.abort)
          if (ending === 'abort-while-waiting') {
            setTimeout(() => controller.abort(errors.abort), 5)
          }
        }
      } catch (error) {
        escaped = error
      }
      runningAtExit = callbacks.running
      sourceFinalliesAtExit = source.counts.finallies
      if (ending === 'timeout' || ending === 'abort-while-waiting') {
        // `timeout` calls return() without awaiting it: a source stuck in an `await` can
        // only finish closing once that `await` settles. Let it settle, then check.
        stall.open()
      }
      for (const work of afterLoop) await work()
      if (ending === 'timeout' || ending === 'abort-while-waiting') {
        await vi.waitFor(
          () => {
            expect(source.counts.finallies).toBe(1)
            if (operatorCase.others === 'closed') {
              for (const other of others) expect(other.counts.finallies).toBe(1)
            }
            expect(callbacks.running).toBe(0)
          },
          { timeout: 2000, interval: 2 },
        )
      }
    })
  } finally {
    stall.open()
    timers.restore()
  }

  // The right error escapes, by identity.
  if (ending === 'break') expect(escaped).toBe(NOTHING)
  else if (ending === 'consumer-throws') expect(escaped).toBe(errors.consumer)
  else if (ending === 'callback-throws' || ending === 'callback-rejects') {
    expect(escaped).toBe(errors.callback)
  } else if (ending === 'source-throws') expect(escaped).toBe(errors.source)
  else if (ending === 'abort' || ending === 'abort-while-waiting') {
    expect(escaped).toBe(signal.reason)
    expect(escaped).toBe(errors.abort)
  } else {
    expect(isTimeoutError(escaped)).toBe(true)
    expect((escaped as { code?: unknown }).code).toBe('ASYNCWITH_TIMEOUT')
  }

  // Every upstream iterator: closed once, unless it ended by itself; its finally ran.
  expect(source.counts.returns).toBe(ending === 'source-throws' ? 0 : 1)
  expect(source.counts.finallies).toBe(1)
  // ...and before the loop was left, wherever the pipeline awaits its return().
  const closesInBackground =
    ending === 'timeout' ||
    (ending === 'abort-while-waiting' && operatorCase.signal === 'races') ||
    operatorCase.closesAfterLoop === true
  if (!closesInBackground) expect(sourceFinalliesAtExit).toBe(1)
  for (const other of others) {
    if (operatorCase.others === 'untouched') {
      expect(other.counts).toMatchObject({ nexts: 0, returns: 0, finallies: 0 })
    } else {
      expect(other.counts.nexts).toBeGreaterThan(0)
      expect(other.counts.returns).toBe(1)
      expect(other.counts.finallies).toBe(1)
    }
  }
  for (const inner of inners) {
    expect(inner.counts.returns).toBeLessThanOrEqual(1)
    expect(inner.counts.finallies).toBe(inner.counts.nexts > 0 ? 1 : 0)
  }

  // No work keeps running after the loop is left; aborted callbacks saw the right reason.
  if (ending !== 'timeout') expect(runningAtExit).toBe(0)
  expect(callbacks.running).toBe(0)
  if (operatorCase.callback !== undefined && ending !== 'timeout') {
    expect(callbacks.calls).toBeGreaterThanOrEqual(2)
  }
  for (const record of callbacks.records) {
    expect(record.settled).toBe(true)
    if (record.waitsForAbort) {
      expect(record.signal.aborted).toBe(true)
      expectAbortReason(ending, record.abortReason, errors)
    }
  }

  // Nothing left behind.
  expect(unhandled).toEqual([])
  expect(getEventListeners(signal, 'abort')).toHaveLength(0)
  expect(timers.pending).toBe(0)
  // Process-wide too (other code's timers may end meanwhile, never start).
  expect(activeTimers()).toBeLessThanOrEqual(timersBefore)
}

describe('every operator, every ending', () => {
  for (const operatorCase of operatorCases) {
    describe(operatorCase.name, () => {
      for (const ending of endings) {
        if (ending.needsCallback && operatorCase.callback === undefined) continue
        if (ending.needsSignal && operatorCase.signal === undefined) continue
        it(ending.title, () => checkEnding(operatorCase, ending.key), 5000)
      }
    })
  }
})

// --- bounded buffers, measured ---------------------------------------------------------------

/** Lets the event loop run `count` macrotask turns. */
async function turns(count = 10): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

const hundred = () => Array.from({ length: 100 }, (_, i) => i)

describe('bounded buffers under a paused consumer', () => {
  it('buffer(n) reads exactly n values ahead of the consumer', async () => {
    const source = tracked(hundred())
    const buffered = buffer<number>(4)(source)
    expect(await buffered.next()).toEqual({ done: false, value: 0 })
    await turns()
    // The one value taken, plus `size` waiting; no next() left pending on the source.
    expect(source.counts.yielded).toBe(1 + 4)
    expect(source.counts.nexts).toBe(1 + 4)
    await buffered.return!()
    expect(source.counts.returns).toBe(1)
  })

  it('mapConcurrent() holds at most `concurrency` results by default', async () => {
    const source = tracked(hundred())
    const mapped = mapConcurrent(async (n: number) => n, { concurrency: 3 })(source)
    expect(await mapped.next()).toEqual({ done: false, value: 0 })
    await turns()
    // Default backpressure = concurrency: the value taken plus 3 running or finished.
    expect(source.counts.yielded).toBe(1 + 3)
    await mapped.return!()
    expect(source.counts.returns).toBe(1)
  })

  it('mapConcurrent() holds at most `backpressure` results when it is set', async () => {
    const source = tracked(hundred())
    const mapped = mapConcurrent(async (n: number) => n, { concurrency: 3, backpressure: 8 })(
      source,
    )
    expect(await mapped.next()).toEqual({ done: false, value: 0 })
    await turns()
    expect(source.counts.yielded).toBe(1 + 8)
    await mapped.return!()
    expect(source.counts.returns).toBe(1)
  })

  it('flatMapConcurrent() opens at most `concurrency` inner iterables, each read `backpressure` ahead', async () => {
    const source = tracked(hundred())
    const inners: TrackedInner[] = []
    const flat = flatMapConcurrent(
      (n: number) => {
        const inner = tracked(Array.from({ length: 10 }, (_, i) => n * 100 + i))
        inners.push(inner)
        return inner
      },
      { concurrency: 2 },
    )(source)
    expect(await flat.next()).toEqual({ done: false, value: 0 })
    await turns()
    // Two lanes (concurrency 2); each buffers at most backpressure (= concurrency = 2) items.
    expect(source.counts.yielded).toBe(2)
    expect(inners.map((inner) => inner.counts.yielded)).toEqual([1 + 2, 2])
    await flat.return!()
    expect(source.counts.returns).toBe(1)
    expect(inners.map((inner) => inner.counts.returns)).toEqual([1, 1])
  })

  it('merge() keeps at most one value waiting per source', async () => {
    const a = tracked(hundred())
    const b = tracked(hundred().map((n) => n + 1000))
    const merged = merge(a, b)
    await merged.next()
    await turns()
    // One value taken, and one waiting from each source (merge asks a source for its next
    // value as it hands one over); nothing else read.
    expect(a.counts.yielded + b.counts.yielded).toBe(3)
    expect(a.counts.yielded).toBeLessThanOrEqual(2)
    expect(b.counts.yielded).toBeLessThanOrEqual(2)
    await merged.return!()
    expect(a.counts.returns + b.counts.returns).toBe(2)
  })

  it('tee() with a capacity lets the leading branch get only `capacity` values ahead', async () => {
    const source = tracked(hundred())
    const [leading, lagging] = tee(source, 2, { capacity: 3 })
    let taken = 0
    let pending = leading!.next()
    while ((await Promise.race([pending, turns(3).then(() => NOTHING)])) !== NOTHING) {
      taken++
      pending = leading!.next()
    }
    expect(taken).toBe(3)
    expect(source.counts.yielded).toBe(3)
    // One read on the lagging branch frees one slot.
    expect(await lagging!.next()).toEqual({ done: false, value: 0 })
    expect(await pending).toEqual({ done: false, value: 3 })
    expect(source.counts.yielded).toBe(4)
    await lagging!.return!()
    await leading!.return!()
    expect(source.counts.returns).toBe(1)
  })

  it('tee() reads nothing ahead while every branch is paused', async () => {
    const source = tracked(hundred())
    const [a, b] = tee(source, 2, { capacity: 3 })
    await a!.next()
    await b!.next()
    await turns()
    expect(source.counts.yielded).toBe(1)
    await a!.return!()
    await b!.return!()
    expect(source.counts.returns).toBe(1)
  })

  describe('fromEvent() with capacity 3 and 10 events sent to a paused consumer', () => {
    async function overflowed(overflow: 'error' | 'drop-oldest' | 'drop-newest') {
      const emitter = new EventEmitter()
      const events = fromEvent<number>(emitter, 'data', { capacity: 3, overflow })
      const first = events.next()
      emitter.emit('data', 0)
      expect(await first).toEqual({ done: false, value: 0 })
      for (let i = 1; i <= 10; i++) emitter.emit('data', i)
      return { emitter, events }
    }

    it('keeps the 3 newest with drop-oldest', async () => {
      const { emitter, events } = await overflowed('drop-oldest')
      const values = [await events.next(), await events.next(), await events.next()]
      expect(values.map((r) => r.value)).toEqual([8, 9, 10])
      await events.return!()
      expect(emitter.listenerCount('data')).toBe(0)
    })

    it('keeps the 3 oldest with drop-newest', async () => {
      const { emitter, events } = await overflowed('drop-newest')
      const values = [await events.next(), await events.next(), await events.next()]
      expect(values.map((r) => r.value)).toEqual([1, 2, 3])
      await events.return!()
      expect(emitter.listenerCount('data')).toBe(0)
    })

    it('yields the 3 kept events then throws BufferOverflowError with error', async () => {
      const { emitter, events } = await overflowed('error')
      // Listening stopped at the overflow.
      expect(emitter.listenerCount('data')).toBe(0)
      const values = [await events.next(), await events.next(), await events.next()]
      expect(values.map((r) => r.value)).toEqual([1, 2, 3])
      const error = await events.next().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isBufferOverflowError(error)).toBe(true)
      expect((error as { capacity: number }).capacity).toBe(3)
      expect(await events.next()).toEqual({ done: true, value: undefined })
    })
  })

  it('toReadableStream() pulls one value per read, none ahead', async () => {
    const source = tracked(hundred())
    const reader = toReadableStream(source).getReader()
    await turns()
    expect(source.counts.nexts).toBe(0)
    expect(await reader.read()).toEqual({ done: false, value: 0 })
    await turns()
    expect(source.counts.nexts).toBe(1)
    await reader.cancel()
    expect(source.counts.returns).toBe(1)
  })
})

describe('the concurrency cap', () => {
  /** A small seeded generator, so a failure can be replayed. */
  function mulberry32(seed: number): () => number {
    let a = seed
    return () => {
      a = (a + 0x6d2b79f5) | 0
      let t = Math.imul(a ^ (a >>> 15), 1 | a)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }

  for (const ordered of [true, false]) {
    it(`mapConcurrent() never runs more than concurrency callbacks over 200 items (ordered: ${ordered})`, async () => {
      const random = mulberry32(ordered ? 1 : 2)
      const delays = Array.from({ length: 200 }, () => Math.floor(random() * 3))
      const p = probe()
      const results: number[] = []
      const mapped = mapConcurrent(
        p.wrap(async (n: number) => {
          await delay(delays[n]!)
          return n
        }),
        { concurrency: 4, ordered },
      )(hundred().concat(hundred().map((n) => n + 100)))
      for await (const n of mapped) results.push(n)
      expect(p.state.peak).toBe(4)
      expect(p.state.running).toBe(0)
      expect(p.state.settled).toBe(200)
      if (ordered) expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i))
      else
        expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i))
    })
  }

  it('flatMapConcurrent() never runs more than concurrency callbacks over 200 items', async () => {
    const random = mulberry32(3)
    const p = probe()
    const flat = flatMapConcurrent(
      p.wrap(async (n: number) => {
        await delay(Math.floor(random() * 3))
        return [n]
      }),
      { concurrency: 4 },
    )(hundred().concat(hundred().map((n) => n + 100)))
    const results: number[] = []
    for await (const n of flat) results.push(n)
    expect(p.state.peak).toBeLessThanOrEqual(4)
    expect(p.state.running).toBe(0)
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i))
  })
})

describe('a source that ends by itself while the consumer holds a value', () => {
  /** Operators that read ahead, so they can see the source end before the consumer asks. */
  const readAhead: Array<{
    name: string
    make: (other: () => GuardedSource) => Operator<number, unknown>
    bug?: string
  }> = [
    { name: 'buffer()', make: () => buffer(4) },
    { name: 'mapConcurrent()', make: () => mapConcurrent(async (n: number) => n) },
    { name: 'flatMapConcurrent()', make: () => flatMapConcurrent(async (n: number) => [n]) },
    {
      name: 'tee() with the other branch reading ahead',
      make: () => (source) => {
        const [consumed, reader] = tee(source, 2)
        void (async () => {
          for await (const _ of reader!) {
          }
        })().catch(() => {})
        return consumed!
      },
    },
    {
      // The other source answers late, so the value the consumer holds is this source's.
      name: 'merge()',
      make: () => (source) =>
        merge(
          source,
          (async function* late() {
            await delay(30)
            yield 100
          })(),
        ),
    },
  ]

  for (const { name, make, bug } of readAhead) {
    for (const how of ['finishes', 'throws'] as const) {
      const test = bug === undefined ? it : it.fails
      test(`${name} does not call return() on a source that ${how} while the consumer holds a value`, async () => {
        const error = new Error('the source failed')
        // One value at once, then (after 2 ms) the end: finished or thrown.
        const source = guardedSource({
          count: 1,
          endsAfterMs: 2,
          ...(how === 'throws' ? { failAfter: 1, failWith: error } : {}),
        })
        const others: GuardedSource[] = []
        const other = () => {
          const made = guardedSource({ start: 100, count: 100 })
          others.push(made)
          return made
        }
        let escaped: unknown = NOTHING
        const unhandled = await unhandledDuring(async () => {
          try {
            for await (const _ of pipe(source, make(other))) {
              await delay(15)
              break
            }
          } catch (caught) {
            escaped = caught
          }
        })
        // Stopping early may report the failure (mapConcurrent does) or drop it, never another.
        expect([NOTHING, error]).toContain(escaped)
        expect(source.counts.finallies).toBe(1)
        expect(source.counts.returns).toBe(0)
        for (const made of others) expect(made.counts.returns).toBe(1)
        expect(unhandled).toEqual([])
      })
    }
  }
})

describe('a callback that fails while the consumer holds a value', () => {
  const cases = [
    {
      name: 'mapConcurrent()',
      make: (fn: (n: number) => Promise<number>) => mapConcurrent(fn),
      fails: false,
    },
    {
      name: 'flatMapConcurrent()',
      make: (fn: (n: number) => Promise<number>) =>
        flatMapConcurrent(async (n: number) => [await fn(n)]),
      fails: false,
    },
  ]
  for (const { name, make, fails } of cases) {
    const test = fails ? it.fails : it
    test(`${name} reports the failure from return() when the consumer then breaks`, async () => {
      const error = new Error('the callback failed')
      const source = guardedSource({ count: 3 })
      const operator = make(async (n) => {
        if (n === 1) {
          await delay(2)
          throw error
        }
        return n
      })
      let escaped: unknown = NOTHING
      const unhandled = await unhandledDuring(async () => {
        try {
          for await (const _ of pipe(source, operator)) {
            await delay(15)
            break
          }
        } catch (caught) {
          escaped = caught
        }
      })
      expect(unhandled).toEqual([])
      expect(source.counts.finallies).toBe(1)
      expect(escaped).toBe(error)
    })
  }
})
