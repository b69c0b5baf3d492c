import { describe, expectTypeOf, it } from 'vitest'
import {
  type AsyncPipeline,
  chunk,
  concat,
  drop,
  every,
  filter,
  find,
  flatMap,
  flatten,
  forEach,
  map,
  type Operator,
  pipe,
  range,
  reduce,
  scan,
  some,
  take,
  takeWhile,
  tap,
  toArray,
} from '../../src/iter/index.js'

declare const numbers: AsyncIterable<number>
declare const words: string[]
declare const mixed: (string | number)[]

describe('pipe() types', () => {
  it('infers each callback parameter from the stage before', () => {
    const result = pipe(
      numbers,
      map((n) => String(n)),
      filter((s) => s.length > 1),
      map((s, index) => ({ s, index })),
    )
    expectTypeOf(result).toEqualTypeOf<AsyncPipeline<{ s: string; index: number }>>()
  })

  it('returns an async iterator over the source with no operators', () => {
    expectTypeOf(pipe(words)).toEqualTypeOf<AsyncPipeline<string>>()
  })

  it('unwraps promises returned by map callbacks', () => {
    expectTypeOf(
      pipe(
        numbers,
        map(async (n) => n > 1),
      ),
    ).toEqualTypeOf<AsyncPipeline<boolean>>()
  })

  it('ends with a sink to give its promise', () => {
    expectTypeOf(
      pipe(
        numbers,
        map((n) => [n]),
        toArray,
      ),
    ).toEqualTypeOf<Promise<number[][]>>()
    expectTypeOf(pipe(words, (it) => reduce(it, (a, w) => a + w.length, 0))).toEqualTypeOf<
      Promise<number>
    >()
  })

  it('narrows with type-guard predicates', () => {
    expectTypeOf(
      pipe(
        mixed,
        filter((v): v is string => typeof v === 'string'),
      ),
    ).toEqualTypeOf<AsyncPipeline<string>>()
    expectTypeOf(
      pipe(
        mixed,
        takeWhile((v): v is number => typeof v === 'number'),
      ),
    ).toEqualTypeOf<AsyncPipeline<number>>()
  })

  it('types the other operators', () => {
    expectTypeOf(
      pipe(
        numbers,
        flatMap((n) => [String(n)]),
      ),
    ).toEqualTypeOf<AsyncPipeline<string>>()
    expectTypeOf(pipe([[1], [2]], flatten())).toEqualTypeOf<AsyncPipeline<number>>()
    expectTypeOf(pipe(numbers, concat(words))).toEqualTypeOf<AsyncPipeline<number | string>>()
    expectTypeOf(pipe(numbers, chunk(2, { maxWait: 10 }))).toEqualTypeOf<AsyncPipeline<number[]>>()
    expectTypeOf(
      pipe(
        numbers,
        scan((acc, n) => acc + String(n), ''),
      ),
    ).toEqualTypeOf<AsyncPipeline<string>>()
    expectTypeOf(
      pipe(
        numbers,
        scan((acc, n) => acc + n),
      ),
    ).toEqualTypeOf<AsyncPipeline<number>>()
    expectTypeOf(
      pipe(
        numbers,
        take(1),
        drop(1),
        tap((n) => n),
      ),
    ).toEqualTypeOf<AsyncPipeline<number>>()
    expectTypeOf(range(3)).toEqualTypeOf<AsyncPipeline<number>>()
  })

  it('accepts twelve operators', () => {
    const inc = map((n: number) => n + 1)
    const result = pipe(numbers, inc, inc, inc, inc, inc, inc, inc, inc, inc, inc, inc, toArray)
    expectTypeOf(result).toEqualTypeOf<Promise<number[]>>()
  })

  it('accepts a custom async generator operator', () => {
    async function* pairs(source: AsyncIterable<number>) {
      for await (const n of source) yield [n, n] as const
    }
    expectTypeOf(
      pipe(
        numbers,
        pairs,
        map(([a]) => a),
      ),
    ).toEqualTypeOf<AsyncPipeline<number>>()
  })

  it('rejects mismatched stages', () => {
    const onlyStrings = map((s: string) => s)
    // @ts-expect-error a string stage cannot follow a number source
    pipe(numbers, onlyStrings)
    // @ts-expect-error the source must be iterable
    pipe(42)
    // @ts-expect-error take needs a count
    take()
    const double = map((n: number) => n * 2)
    // @ts-expect-error a sink is not an operator in the middle of a pipe
    pipe(numbers, toArray, double)
  })

  it('types the sinks', () => {
    expectTypeOf(toArray(words)).toEqualTypeOf<Promise<string[]>>()
    expectTypeOf(reduce(numbers, (a, b) => a + b)).toEqualTypeOf<Promise<number>>()
    expectTypeOf(reduce(numbers, (a, n) => [...a, n], [] as number[])).toEqualTypeOf<
      Promise<number[]>
    >()
    expectTypeOf(forEach(words, (w, i) => `${w}${i}`)).toEqualTypeOf<Promise<void>>()
    expectTypeOf(some(words, (w) => w === 'a')).toEqualTypeOf<Promise<boolean>>()
    expectTypeOf(every(words, async (w) => w === 'a')).toEqualTypeOf<Promise<boolean>>()
    expectTypeOf(find(words, (w) => w.length > 1)).toEqualTypeOf<Promise<string | undefined>>()
    expectTypeOf(find(mixed, (v): v is number => typeof v === 'number')).toEqualTypeOf<
      Promise<number | undefined>
    >()
    // @ts-expect-error the callback gets the source's value type
    some(words, (w: number) => w > 1)
  })

  it('exposes the Operator type for custom operators', () => {
    const double: Operator<number, number> = map((n: number) => n * 2)
    expectTypeOf(pipe(numbers, double)).toEqualTypeOf<AsyncPipeline<number>>()
  })
})
