import { describe, expect, it } from 'vitest'
import {
  drop,
  filter,
  flatMap,
  map,
  pipe,
  range,
  scan,
  take,
  takeWhile,
  tap,
  toArray,
} from '../../src/iter/index.js'
import { drain } from '../_helpers/core-contract.js'
import { tracked, trackedSync } from '../_helpers/tracked.js'

/** Microtask turns until `promise` settles. */
async function ticksUntil(promise: Promise<unknown>): Promise<number> {
  let settled = false
  promise.then(
    () => {
      settled = true
    },
    () => {
      settled = true
    },
  )
  let ticks = 0
  while (!settled && ticks < 1000) {
    await Promise.resolve()
    ticks++
  }
  return ticks
}

describe('pipe()', () => {
  it('applies operators from left to right', async () => {
    const result = await pipe(
      tracked([1, 2, 3, 4, 5, 6]),
      map((n) => n * n),
      filter((n) => n % 2 === 0),
      take(2),
      toArray,
    )
    expect(result).toEqual([4, 16])
  })

  it('returns an async iterator over the source when given no operators', async () => {
    const iterator = pipe([1, 2])
    expect(await iterator.next()).toEqual({ value: 1, done: false })
    expect(iterator[Symbol.asyncIterator]()).toBe(iterator)
    expect(await drain(iterator)).toEqual([2])
  })

  it('runs each value through all stages before pulling the next one', async () => {
    const log: string[] = []
    await pipe(
      [1, 2],
      tap((n) => log.push(`a${n}`)),
      map((n) => n * 10),
      tap((n) => log.push(`b${n}`)),
      toArray,
    )
    expect(log).toEqual(['a1', 'b10', 'a2', 'b20'])
  })

  it('costs no extra promise hop per synchronous stage', async () => {
    const one = pipe(
      [1],
      map((n) => n),
    )
    const ten = pipe(
      [1],
      map((n) => n),
      map((n) => n),
      map((n) => n),
      map((n) => n),
      map((n) => n),
      filter(() => true),
      scan((_a: number, n) => n, 0),
      drop(0),
      takeWhile(() => true),
      tap(() => {}),
    )
    expect(await ticksUntil(ten.next())).toBe(await ticksUntil(one.next()))
  })

  it('awaits only the stages whose callback returns a promise', async () => {
    const result = await pipe(
      [1, 2, 3],
      map(async (n) => n + 1),
      map((n) => n * 2),
      filter(async (n) => n > 4),
      toArray,
    )
    expect(result).toEqual([6, 8])
  })

  it('runs nothing until the first next()', async () => {
    const source = tracked([1])
    let calls = 0
    pipe(
      source,
      map((n) => {
        calls++
        return n
      }),
    )
    await Promise.resolve()
    expect(source.counts.nexts).toBe(0)
    expect(calls).toBe(0)
  })

  it('closes the source exactly once when the consumer breaks out of a long pipeline', async () => {
    const source = tracked(Array.from({ length: 20 }, (_, i) => i))
    const pipeline = pipe(
      source,
      map((n) => n + 1),
      flatMap((n) => [n, -n]),
      filter((n) => n > 0),
      scan((sum: number, n) => sum + n, 0),
    )
    for await (const value of pipeline) if (value > 10) break
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('closes a sync iterable source when the consumer breaks', async () => {
    const source = trackedSync([1, 2, 3])
    for await (const _ of pipe(
      source,
      map((n) => n),
    ))
      break
    expect(source.counts.finallies).toBe(1)
  })

  it('rejects the next() of an iterator that was fused into another operator', async () => {
    const first = pipe(
      [1, 2],
      map((n) => n + 1),
    )
    const second = filter((n: number) => n > 0)(first)
    await expect(first.next()).rejects.toThrow(TypeError)
    expect(await toArray(second)).toEqual([2, 3])
  })

  it('throws a TypeError when an iterator is handed to a second operator', () => {
    const first = pipe(
      [1, 2],
      map((n) => n + 1),
    )
    map((n: number) => n)(first)
    expect(() => map((n: number) => n)(first)).toThrow(
      new TypeError(
        'Cannot use an iterator that was passed to an operator or a sink: use the result of that operator instead',
      ),
    )
  })

  it('forwards return() on a fused iterator to the iterator that took it over', async () => {
    const source = tracked([1, 2, 3])
    const inner = pipe(
      source,
      map((n) => n),
    )
    const outer = map((n: number) => n * 2)(inner)
    expect(await outer.next()).toEqual({ value: 2, done: false })
    await inner.return!()
    expect(source.counts.returns).toBe(1)
    expect(await outer.next()).toEqual({ value: undefined, done: true })
  })

  it('wraps an iterator that already started instead of fusing it', async () => {
    const started = pipe(
      [1, 2, 3],
      map((n) => n * 10),
    )
    expect(await started.next()).toEqual({ value: 10, done: false })
    expect(
      await pipe(
        started,
        map((n) => n + 1),
        toArray,
      ),
    ).toEqual([21, 31])
  })

  it('keeps stage state per iteration when a source is reused by two pipes', async () => {
    const numbers = [1, 2, 3]
    const first = await pipe(numbers, take(2), toArray)
    const second = await pipe(numbers, take(2), toArray)
    expect(first).toEqual([1, 2])
    expect(second).toEqual([1, 2])
  })

  it('returns the last step result, so a sink can end the pipe', async () => {
    const total = pipe(range(3), (it) => it.next())
    expect(await total).toEqual({ value: 0, done: false })
  })

  it('throws a TypeError when an operator is not a function', () => {
    expect(() =>
      (pipe as (...a: unknown[]) => unknown)(
        [1],
        map((n: number) => n),
        3,
      ),
    ).toThrow(new TypeError('Expected `operators[1]` to be a function, got `3` (number)'))
  })

  it('throws a TypeError when the source is not iterable', () => {
    expect(() => pipe(5 as never)).toThrow(
      new TypeError('Expected `source` to be an iterable or async iterable, got `5` (number)'),
    )
  })
})
