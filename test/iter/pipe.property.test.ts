import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  drop,
  dropWhile,
  filter,
  flatMap,
  map,
  type Operator,
  pipe,
  scan,
  take,
  takeWhile,
} from '../../src/iter/index.js'
import { tracked, trackedSync } from '../_helpers/tracked.js'

/** One random stage: how to build the operator, and the same step on arrays. */
interface Step {
  label: string
  operator: () => Operator<number, number>
  onArray: (values: number[]) => number[]
}

const maybeAsync =
  <A extends unknown[], R>(async: boolean, fn: (...args: A) => R) =>
  (...args: A): R | Promise<R> =>
    async ? Promise.resolve().then(() => fn(...args)) : fn(...args)

const small = fc.integer({ min: -5, max: 5 })
const count = fc.integer({ min: 0, max: 8 })

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ a: small, b: small, async: fc.boolean() }).map(({ a, b, async }) => ({
    label: `map(x*${a}+${b}+i${async ? ', async' : ''})`,
    operator: () => map(maybeAsync(async, (x: number, i: number) => x * a + b + i)),
    onArray: (xs: number[]) => xs.map((x, i) => x * a + b + i),
  })),
  fc.record({ m: fc.integer({ min: 1, max: 4 }), async: fc.boolean() }).map(({ m, async }) => ({
    label: `filter(x%${m}==0${async ? ', async' : ''})`,
    operator: () => filter(maybeAsync(async, (x: number) => x % m === 0)),
    onArray: (xs: number[]) => xs.filter((x) => x % m === 0),
  })),
  count.map((n) => ({
    label: `take(${n})`,
    operator: () => take<number>(n),
    onArray: (xs: number[]) => xs.slice(0, n),
  })),
  count.map((n) => ({
    label: `drop(${n})`,
    operator: () => drop<number>(n),
    onArray: (xs: number[]) => xs.slice(n),
  })),
  fc.record({ t: small, async: fc.boolean() }).map(({ t, async }) => ({
    label: `takeWhile(x<${t}${async ? ', async' : ''})`,
    operator: () => takeWhile(maybeAsync(async, (x: number) => x < t)),
    onArray: (xs: number[]) => {
      const end = xs.findIndex((x) => !(x < t))
      return end === -1 ? xs : xs.slice(0, end)
    },
  })),
  fc.record({ t: small, async: fc.boolean() }).map(({ t, async }) => ({
    label: `dropWhile(x<${t}${async ? ', async' : ''})`,
    operator: () => dropWhile(maybeAsync(async, (x: number) => x < t)),
    onArray: (xs: number[]) => {
      const start = xs.findIndex((x) => !(x < t))
      return start === -1 ? [] : xs.slice(start)
    },
  })),
  fc.record({ seed: small, async: fc.boolean() }).map(({ seed, async }) => ({
    label: `scan(+, ${seed}${async ? ', async' : ''})`,
    operator: () =>
      scan(
        maybeAsync(async, (acc: number, x: number) => acc + x),
        seed,
      ),
    onArray: (xs: number[]) => {
      let acc = seed
      return xs.map((x) => {
        acc += x
        return acc
      })
    },
  })),
  fc
    .record({ k: fc.integer({ min: 0, max: 3 }), async: fc.boolean(), inner: fc.boolean() })
    .map(({ k, async, inner }) => ({
      label: `flatMap(x => ${k} copies${async ? ', async' : ''}${inner ? ', async inner' : ''})`,
      operator: () =>
        flatMap(
          maybeAsync(async, (x: number) => {
            const copies = Array.from({ length: k }, (_, j) => x + j)
            return inner ? tracked(copies) : copies
          }),
        ),
      onArray: (xs: number[]) => xs.flatMap((x) => Array.from({ length: k }, (_, j) => x + j)),
    })),
)

/**
 * Forces a stage boundary: a plain iterator object, which no operator can fuse through. It
 * forwards `next()` and `return()` (also before the first `next()`, as TC39 helpers do).
 */
function barrier<T>(source: AsyncIterator<T>): AsyncIterableIterator<T> {
  return {
    next: () => source.next(),
    return: async () => {
      await source.return?.()
      return { value: undefined, done: true }
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
}

/** Reads at most `limit` values, then stops (break, or return() before any next()). */
async function readUpTo(
  iterator: AsyncIterableIterator<number>,
  limit: number,
): Promise<{ values: number[]; stoppedEarly: boolean }> {
  const values: number[] = []
  if (limit === 0) {
    await iterator.return?.()
    return { values, stoppedEarly: true }
  }
  for await (const value of iterator) {
    values.push(value)
    if (values.length === limit) return { values, stoppedEarly: true }
  }
  return { values, stoppedEarly: false }
}

const input = fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 12 })
const steps = fc.array(step, { maxLength: 6 })
const stopAfter = fc.integer({ min: 0, max: 15 })

function build(source: AsyncIterable<number> | Iterable<number>, chosen: Step[]) {
  return (pipe as (s: unknown, ...ops: unknown[]) => AsyncIterableIterator<number>)(
    source,
    ...chosen.map((s) => s.operator()),
  )
}

describe('pipe() properties', () => {
  it('yields what the same steps compute on arrays, and closes the source once', async () => {
    await fc.assert(
      fc.asyncProperty(input, steps, stopAfter, async (values, chosen, limit) => {
        const expected = chosen.reduce((xs, s) => s.onArray(xs), values)
        const source = tracked(values)
        const { values: got, stoppedEarly } = await readUpTo(build(source, chosen), limit)
        expect(got).toEqual(expected.slice(0, limit))
        const { counts } = source
        expect(counts.returns).toBeLessThanOrEqual(1)
        if (counts.nexts > 0) expect(counts.finallies).toBe(1)
        const sourceFinished = counts.nexts > values.length
        if (stoppedEarly && !sourceFinished) expect(counts.returns).toBe(1)
        if (sourceFinished) expect(counts.returns).toBe(0)
      }),
      { numRuns: 200 },
    )
  })

  it('closes a sync iterable source when stopped early', async () => {
    await fc.assert(
      fc.asyncProperty(input, steps, stopAfter, async (values, chosen, limit) => {
        const expected = chosen.reduce((xs, s) => s.onArray(xs), values)
        const source = trackedSync(values)
        const { values: got } = await readUpTo(build(source, chosen), limit)
        expect(got).toEqual(expected.slice(0, limit))
        expect(source.counts.finallies).toBeLessThanOrEqual(1)
      }),
      { numRuns: 100 },
    )
  })

  it('gives the same values and cleanup fused as with every stage unfused', async () => {
    await fc.assert(
      fc.asyncProperty(
        input,
        steps,
        fc.integer({ min: 1, max: 15 }),
        async (values, chosen, limit) => {
          const fusedSource = tracked(values)
          const fused = await readUpTo(build(fusedSource, chosen), limit)
          const unfusedSource = tracked(values)
          let unfusedPipeline: AsyncIterableIterator<number> = barrier(unfusedSource)
          for (const s of chosen) unfusedPipeline = barrier(s.operator()(unfusedPipeline))
          const unfused = await readUpTo(unfusedPipeline, limit)
          expect(fused.values).toEqual(unfused.values)
          expect(fusedSource.counts.returns).toBe(unfusedSource.counts.returns)
          expect(fusedSource.counts.finallies).toBe(unfusedSource.counts.finallies)
        },
      ),
      { numRuns: 150 },
    )
  })
})
