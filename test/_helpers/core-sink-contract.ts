/**
 * A shared suite for the callback sinks of `asyncwith/iter` (`forEach`, `reduce`, `some`,
 * `every`, `find`): cleanup and error guarantees. Call it inside the sink's `describe`.
 */
import { expect, it } from 'vitest'
import { tracked, unhandledDuring } from './tracked.js'

export interface SinkContract {
  /** Runs the sink over `source` with `fn`. */
  run(
    source: AsyncIterable<number> | Iterable<number>,
    fn: (...args: any[]) => unknown,
  ): Promise<unknown>
  /** A callback under which the sink reads the whole source. */
  reading: (...args: any[]) => unknown
}

const boom = new Error('boom')

export function sinkContract({ run, reading }: SinkContract): void {
  const failSecond = (fail: () => unknown) => {
    let calls = 0
    return (...args: any[]) => (calls++ === 1 ? fail() : reading(...args))
  }

  it('reads the source to the end without calling return()', async () => {
    const source = tracked([1, 2, 3])
    await run(source, reading)
    expect(source.counts.returns).toBe(0)
    expect(source.counts.finallies).toBe(1)
  })

  it('closes the source once and rejects when the callback throws', async () => {
    const source = tracked([1, 2, 3])
    const failing = failSecond(() => {
      throw boom
    })
    await expect(run(source, failing)).rejects.toBe(boom)
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  it('closes the source once and rejects when the callback rejects', async () => {
    const source = tracked([1, 2, 3])
    const failing = failSecond(() => Promise.reject(boom))
    const unhandled = await unhandledDuring(async () => {
      await expect(run(source, failing)).rejects.toBe(boom)
    })
    expect(source.counts.returns).toBe(1)
    expect(unhandled).toEqual([])
  })

  it('rejects with the source error without calling return() when the source throws', async () => {
    const source = tracked([1, 2], { failWith: boom })
    await expect(run(source, reading)).rejects.toBe(boom)
    expect(source.counts.returns).toBe(0)
    expect(source.counts.finallies).toBe(1)
  })

  it('rejects with a TypeError and closes an iterator source when fn is not a function', async () => {
    const source = tracked([1, 2])
    await expect(run(source, 1 as never)).rejects.toThrow(
      new TypeError('Expected `fn` to be a function, got `1` (number)'),
    )
    expect(source.counts.returns).toBe(1)
    expect(source.counts.nexts).toBe(0)
  })

  it('rejects with a TypeError when the source is not iterable', async () => {
    await expect(run(42 as never, reading)).rejects.toThrow(
      new TypeError('Expected `source` to be an iterable or async iterable, got `42` (number)'),
    )
  })
}
