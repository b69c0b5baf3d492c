/**
 * A shared suite for the sequential operators of `asyncwith/iter`: the iterator protocol
 * every operator keeps (laziness, sync sources, `return()` and `throw()`, overlapping calls,
 * argument errors). Each operator's own test file covers what the operator computes, then
 * calls {@link operatorContract}.
 *
 * The guarantees table (design.md: every ending closes every upstream once, aborts and
 * awaits callbacks, leaves nothing unhandled) is checked once, for every operator, in
 * test/iter/guarantees.test.ts; it is not repeated here.
 */
import { expect, it } from 'vitest'
import type { Operator } from '../../src/iter/index.js'
import { tracked, trackedSync } from './tracked.js'

export interface OperatorContract {
  /** Builds the operator with `callback` (ignored by operators without one). */
  make(callback: (...args: any[]) => unknown): Operator<number, unknown>
  /** A callback under which the operator lets every value through (as one or more values). */
  passing: (...args: any[]) => unknown
  /** False for operators without a callback (`take`, `drop`, `flatten`, `chunk`, ...). */
  hasCallback: boolean
}

const boom = new Error('boom')

/** Registers the shared `it(...)` cases; call it inside the operator's `describe`. */
export function operatorContract(contract: OperatorContract): void {
  const { make, passing, hasCallback } = contract
  const failAt = (n: number, fail: (...args: any[]) => unknown) => {
    let calls = 0
    return (...args: any[]) => (calls++ === n ? fail(...args) : passing(...args))
  }

  it('runs nothing before the first next()', async () => {
    const source = tracked([1, 2, 3])
    let calls = 0
    const iterator = make((...args) => {
      calls++
      return passing(...args)
    })(source)
    await Promise.resolve()
    expect(source.counts.nexts).toBe(0)
    expect(calls).toBe(0)
    await iterator.return?.()
  })

  it('does not call return() when the source finishes by itself', async () => {
    const source = tracked([1, 2, 3])
    await drain(make(passing)(source))
    expect(source.counts.returns).toBe(0)
    expect(source.counts.finallies).toBe(1)
  })

  it('accepts a sync iterable and closes it when the consumer breaks', async () => {
    const source = trackedSync([1, 2, 3])
    for await (const _ of make(passing)(source)) break
    expect(source.counts.finallies).toBe(1)
  })

  it('closes a generator source when return() comes before the first next()', async () => {
    const source = tracked([1, 2, 3])
    const iterator = make(passing)(source)
    await expect(iterator.return!()).resolves.toEqual({ value: undefined, done: true })
    expect(source.counts.returns).toBe(1)
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true })
    expect(source.counts.nexts).toBe(0)
  })

  it('closes the source and rejects with the given error on throw()', async () => {
    const source = tracked([1, 2, 3])
    const iterator = make(passing)(source)
    await iterator.next()
    await expect(iterator.throw!(boom)).rejects.toBe(boom)
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true })
  })

  it('settles overlapping next() calls in call order', async () => {
    const source = tracked([1, 2, 3], { slow: true })
    const iterator = make(passing)(source)
    const results = await Promise.all([iterator.next(), iterator.next(), iterator.next()])
    const sequential: unknown[] = []
    for await (const value of make(passing)(tracked([1, 2, 3]))) sequential.push(value)
    expect(results.filter((r) => !r.done).map((r) => r.value)).toEqual(sequential.slice(0, 3))
    await iterator.return!()
  })

  it('queues return() behind a pending next() and closes the source once', async () => {
    const source = tracked([1, 2, 3], { slow: true })
    const iterator = make(passing)(source)
    const first = iterator.next()
    const closed = iterator.return!()
    expect((await first).done).toBe(false)
    expect(await closed).toEqual({ value: undefined, done: true })
    expect(source.counts.returns).toBe(1)
    expect(source.counts.finallies).toBe(1)
  })

  if (!hasCallback) return

  it('keeps the callback error when the source return() also fails', async () => {
    const closeError = new Error('close')
    const source = {
      next: async () => ({ value: 1, done: false }),
      return: async () => {
        throw closeError
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
    const callback = failAt(0, () => {
      throw boom
    })
    await expect(drain(make(callback)(source))).rejects.toBe(boom)
  })

  it('throws a TypeError when the callback is not a function', () => {
    expect(() => make(1 as never)).toThrow(
      new TypeError('Expected `fn` to be a function, got `1` (number)'),
    )
  })
}

/** Reads an async iterable to the end. */
export async function drain(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const values: unknown[] = []
  for await (const value of iterable) values.push(value)
  return values
}
