// mapConcurrent against a sequential loop, p-map's pMapIterable and streaming-iterables.

import { mapConcurrent } from 'asyncwith/iter'
import { bench, group, run, summary } from 'mitata'
import { pMapIterable } from 'p-map'
import { parallelMap, transform } from 'streaming-iterables'

const N = 300_000
const EXPECTED = N * (N - 1)

async function* nums(): AsyncGenerator<number> {
  for (let i = 0; i < N; i++) yield i
}

const double = async (x: number): Promise<number> => {
  await null
  return x * 2
}

async function sum(iterable: AsyncIterable<number>): Promise<void> {
  let total = 0
  for await (const x of iterable) total += x
  if (total !== EXPECTED) throw new Error(`Wrong sum ${total}`)
}

async function sequential(): Promise<void> {
  let total = 0
  for await (const x of nums()) total += await double(x)
  if (total !== EXPECTED) throw new Error(`Wrong sum ${total}`)
}

const ordered = mapConcurrent(double, { concurrency: 8 })
const unordered = mapConcurrent(double, { concurrency: 8, ordered: false })

group(`iter: concurrent map of ${N} items, concurrency 8`, () => {
  summary(() => {
    bench('baseline sequential for await', () => sequential()).baseline(true)
    bench('mapConcurrent ordered', () => sum(ordered(nums())))
    bench('mapConcurrent unordered', () => sum(unordered(nums())))
    bench('p-map pMapIterable', () => sum(pMapIterable(nums(), double, { concurrency: 8 })))
    bench('streaming-iterables parallelMap', () => sum(parallelMap(8, double, nums())))
    bench('streaming-iterables transform', () => sum(transform(8, double, nums())))
  })
})

// The same comparison with a callback that waits for the event loop, as real I/O does: this is
// where concurrency pays, since waits overlap instead of adding up.
const IO_N = 20_000
const IO_EXPECTED = IO_N * (IO_N - 1)

async function* ioNums(): AsyncGenerator<number> {
  for (let i = 0; i < IO_N; i++) yield i
}

const ioDouble = async (x: number): Promise<number> => {
  await new Promise((resolve) => setImmediate(resolve))
  return x * 2
}

async function ioSum(iterable: AsyncIterable<number>): Promise<void> {
  let total = 0
  for await (const x of iterable) total += x
  if (total !== IO_EXPECTED) throw new Error(`Wrong sum ${total}`)
}

group(`iter: concurrent map of ${IO_N} items with an event-loop wait each, concurrency 8`, () => {
  summary(() => {
    bench('io: baseline sequential for await', async () => {
      let total = 0
      for await (const x of ioNums()) total += await ioDouble(x)
      if (total !== IO_EXPECTED) throw new Error(`Wrong sum ${total}`)
    }).baseline(true)
    bench('io: mapConcurrent ordered', () =>
      ioSum(mapConcurrent(ioDouble, { concurrency: 8 })(ioNums())),
    )
    bench('io: p-map pMapIterable', () =>
      ioSum(pMapIterable(ioNums(), ioDouble, { concurrency: 8 })),
    )
    bench('io: streaming-iterables transform', () => ioSum(transform(8, ioDouble, ioNums())))
  })
})

const { benchmarks } = await run()

// Per-item ratios against mapConcurrent (ordered): > 1 means mapConcurrent is faster.
const average = (name: string): number => {
  const trial = benchmarks.find((b) => b.alias === name)
  return trial?.runs[0]?.stats?.avg ?? Number.NaN
}
const ours = average('mapConcurrent ordered')
for (const trial of benchmarks.filter((b) => !b.alias.startsWith('io: '))) {
  const avg = trial.runs[0]?.stats?.avg ?? Number.NaN
  const perItem = avg / N
  console.log(
    `${trial.alias.padEnd(34)} ${perItem.toFixed(1).padStart(7)} ns/item  ${(avg / ours).toFixed(2)}x mapConcurrent's time`,
  )
}
