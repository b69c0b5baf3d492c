// The reorder buffer of `fetch --queue --ordered`: records come in batches, in any order and
// some more than once (re-read after a Redis error); they leave in input order, each once, and
// a batch is acked only after every one of its records has left.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RecordOrder } from '../../src/cli/queue-order.js'

describe('RecordOrder', () => {
  it('holds a record until every line before it is taken, then acks the batches it completes', () => {
    const order = new RecordOrder<string>()
    const acked: string[] = []
    for (const line of [1, 2, 5]) order.expect(line)
    order.add(
      [
        { line: 2, value: 'b' },
        { line: 5, value: 'e' },
      ],
      async () => {
        acked.push('first')
      },
    )
    expect(order.take()).toEqual({ values: [], acks: [] })
    expect(order.size).toBe(2)
    order.add([{ line: 1, value: 'a' }], async () => {
      acked.push('second')
    })
    const { values, acks } = order.take()
    expect(values).toEqual(['a', 'b', 'e'])
    for (const ack of acks) void ack()
    expect(acked.sort()).toEqual(['first', 'second'])
    expect([order.size, order.behind]).toEqual([0, 0])
  })

  it('acks at once a batch with nothing left to write (all written before)', () => {
    const order = new RecordOrder<string>()
    order.expect(1)
    order.add([{ line: 1, value: 'a' }], async () => {})
    order.take()
    let acked = 0
    order.add([{ line: 1, value: 'a again' }], async () => {
      acked++
    })
    const { values, acks } = order.take()
    expect(values).toEqual([])
    for (const ack of acks) void ack()
    expect(acked).toBe(1)
  })

  it('writes every expected line once, in order, whatever the batches, order and re-deliveries', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 120 }),
        fc.infiniteStream(fc.nat()),
        (lineSet, randoms) => {
          const lines = [...lineSet].sort((a, b) => a - b)
          const random = randoms[Symbol.iterator]()
          const next = (n: number): number => random.next().value! % n
          // Collected in a random order, in random batches; the producer's order arrives
          // interleaved with them.
          const arrival = [...lines]
          for (let i = arrival.length - 1; i > 0; i--) {
            const j = next(i + 1)
            ;[arrival[i], arrival[j]] = [arrival[j]!, arrival[i]!]
          }
          const order = new RecordOrder<number>()
          const written: number[] = []
          const batches: { lines: number[]; acked: number; writtenWhenAcked: number[] }[] = []
          const takeAll = (): void => {
            const { values, acks } = order.take()
            written.push(...values)
            for (const ack of acks) void ack()
          }
          let expected = 0
          let at = 0
          while (at < arrival.length || expected < lines.length) {
            if (expected < lines.length && next(2) === 0) {
              order.expect(lines[expected++]!)
              takeAll()
              continue
            }
            let batchLines: number[]
            if (batches.length > 0 && next(4) === 0) {
              // A batch comes again (re-read after a Redis error), with lines held or written.
              batchLines = [...batches[next(batches.length)]!.lines]
            } else if (at < arrival.length) {
              const size = 1 + next(5)
              batchLines = arrival.slice(at, at + size)
              at += size
            } else continue
            const batch = { lines: batchLines, acked: 0, writtenWhenAcked: [] as number[] }
            batches.push(batch)
            order.add(
              batchLines.map((line) => ({ line, value: line })),
              async () => {
                batch.acked++
                batch.writtenWhenAcked = [...written]
              },
            )
            takeAll()
          }
          expect(written).toEqual(lines)
          for (const batch of batches) {
            expect(batch.acked).toBe(1)
            for (const line of batch.lines) expect(batch.writtenWhenAcked).toContain(line)
          }
          expect(order.size).toBe(0)
        },
      ),
    )
  })
})
