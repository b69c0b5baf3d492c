import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mapConcurrent } from '../../src/iter/map-concurrent.js'
import { tracked } from '../_helpers/tracked.js'

async function spin(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await null
}

describe('mapConcurrent() properties', () => {
  it('keeps order, the concurrency cap and clean exits under any timing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ value: fc.integer(), delay: fc.nat(6) }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        fc.nat(8),
        fc.boolean(),
        fc.option(fc.nat(30), { nil: undefined }),
        async (items, concurrency, extraBackpressure, ordered, stopAt) => {
          const source = tracked(items)
          let running = 0
          let peak = 0
          const calls: Array<{ signal: AbortSignal; completed: boolean }> = []
          const mapped = mapConcurrent(
            async (item: { value: number; delay: number }, { signal }) => {
              const call = { signal, completed: false }
              calls.push(call)
              running++
              peak = Math.max(peak, running)
              try {
                await spin(item.delay)
                call.completed = true
                return item.value * 2
              } finally {
                running--
              }
            },
            { concurrency, ordered, backpressure: concurrency + extraBackpressure },
          )(source)
          const output: number[] = []
          for await (const value of mapped) {
            if (stopAt !== undefined && output.length === stopAt) break
            output.push(value)
          }
          const expected = items.map((item) => item.value * 2)
          const stopped = stopAt !== undefined && stopAt < items.length
          if (ordered) {
            expect(output).toEqual(expected.slice(0, output.length))
          } else {
            const remaining = [...expected]
            for (const value of output) {
              const at = remaining.indexOf(value)
              expect(at).toBeGreaterThanOrEqual(0)
              remaining.splice(at, 1)
            }
          }
          if (!stopped) expect(output.length).toBe(items.length)
          else expect(output.length).toBe(stopAt)
          expect(peak).toBeLessThanOrEqual(concurrency)
          expect(running).toBe(0)
          expect(source.counts.returns).toBeLessThanOrEqual(1)
          if (!stopped) expect(source.counts.returns).toBe(0)
          expect(source.counts.finallies).toBe(source.counts.nexts > 0 ? 1 : 0)
          for (const call of calls) expect(call.completed || call.signal.aborted).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })
})
