import { describe, expect, expectTypeOf, it } from 'vitest'
import type { AsyncPipeline } from '../../src/iter/index.js'
import { asCompleted, type SettledResult } from '../../src/task/as-completed.js'
import { abortListeners, deferred, ticks } from '../_helpers/concurrent-probe.js'
import {
  activeTimers,
  expectDone,
  expectNext,
  timersAbove,
  unhandledDuring,
} from '../_helpers/tracked.js'

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of iterable) out.push(value)
  return out
}

/** A Task-like thenable: it only has `then`, and settles when told to. */
function thenable<T>() {
  const callbacks: Array<[(value: T) => void, (reason: unknown) => void]> = []
  return {
    then(onFulfilled: (value: T) => void, onRejected: (reason: unknown) => void) {
      callbacks.push([onFulfilled, onRejected])
    },
    resolve(value: T) {
      for (const [onFulfilled] of callbacks) onFulfilled(value)
    },
    reject(reason: unknown) {
      for (const [, onRejected] of callbacks) onRejected(reason)
    },
    get thens() {
      return callbacks.length
    },
  }
}

describe('asCompleted()', () => {
  it('yields values in the order the inputs settle', async () => {
    const inputs = [deferred<string>(), deferred<string>(), deferred<string>()]
    const iterator = asCompleted(inputs.map((d) => d.promise))
    const results = collect(iterator)
    inputs[2]!.resolve('c')
    await ticks()
    inputs[0]!.resolve('a')
    await ticks()
    inputs[1]!.resolve('b')
    expect(await results).toEqual(['c', 'a', 'b'])
  })

  it('keeps the settling order of inputs that settle before the first next()', async () => {
    const first = deferred<number>()
    const second = deferred<number>()
    const iterator = asCompleted([first.promise, second.promise])
    second.resolve(2)
    await ticks()
    first.resolve(1)
    await ticks()
    expect(await collect(iterator)).toEqual([2, 1])
  })

  it('yields plain values first, in input order, as already settled', async () => {
    const late = deferred<string>()
    const iterator = asCompleted<string | Promise<string>>([late.promise, 'x', 'y'])
    await expectNext(iterator, 'x')
    await expectNext(iterator, 'y')
    late.resolve('late')
    await expectNext(iterator, 'late')
    await expectDone(iterator)
  })

  it('accepts Task-like thenables that only have then', async () => {
    const slow = thenable<number>()
    const fast = thenable<number>()
    const iterator = asCompleted([slow, fast])
    const results = collect(iterator)
    await ticks()
    expect([slow.thens, fast.thens]).toEqual([1, 1])
    fast.resolve(1)
    await ticks()
    slow.resolve(2)
    expect(await results).toEqual([1, 2])
  })

  it('treats a thenable whose then throws as a rejection', async () => {
    const error = new Error('bad then')
    const broken = {
      then() {
        throw error
      },
    }
    await expect(collect(asCompleted([broken]))).rejects.toBe(error)
  })

  it('reads any iterable, and reads it at call time', async () => {
    let read = 0
    function* inputs() {
      read++
      yield Promise.resolve(1)
      read++
      yield 2
    }
    const iterator = asCompleted(inputs())
    expect(read).toBe(2)
    expect((await collect(iterator)).sort()).toEqual([1, 2])
    expect(await collect(asCompleted(new Set([3])))).toEqual([3])
  })

  it('rethrows at once what iterating the input throws', () => {
    const error = new Error('source broke')
    function* inputs() {
      yield Promise.reject(new Error('handled'))
      throw error
    }
    expect(() => asCompleted(inputs())).toThrow(error)
  })

  it('ends at once for an empty input', async () => {
    const iterator = asCompleted([])
    await expectDone(iterator)
    await expectDone(iterator)
  })

  it('throws the first rejection at its completion position, then ends', async () => {
    const inputs = [deferred<number>(), deferred<number>(), deferred<number>()]
    const iterator = asCompleted(inputs.map((d) => d.promise))
    const error = new Error('second')
    inputs[0]!.resolve(1)
    await expectNext(iterator, 1)
    const pending = iterator.next()
    inputs[1]!.reject(error)
    await expect(pending).rejects.toBe(error)
    await expectDone(iterator)
    inputs[2]!.resolve(3)
    await expectDone(iterator)
  })

  it('lets no rejection go unhandled, whether thrown, skipped or after the end', async () => {
    const seen = await unhandledDuring(async () => {
      const a = deferred<number>()
      const b = deferred<number>()
      const c = deferred<number>()
      const iterator = asCompleted([a.promise, b.promise, c.promise])
      a.reject(new Error('a'))
      b.reject(new Error('b'))
      await expect(iterator.next()).rejects.toThrow('a')
      c.reject(new Error('c'))
      asCompleted([Promise.reject(new Error('never iterated'))])
    })
    expect(seen).toEqual([])
  })

  it('leaves the remaining inputs running but handled when the loop breaks', async () => {
    const seen = await unhandledDuring(async () => {
      const later = deferred<number>()
      const laterStill = thenable<number>()
      let sideEffect = 0
      later.promise.then(() => sideEffect++)
      for await (const value of asCompleted([1, later.promise, laterStill])) {
        expect(value).toBe(1)
        break
      }
      later.resolve(2)
      laterStill.reject(new Error('after the break'))
      await ticks()
      expect(sideEffect).toBe(1)
    })
    expect(seen).toEqual([])
  })

  describe('with settled: true', () => {
    it('yields a SettledResult for every input, in settling order, never throwing', async () => {
      const inputs = [deferred<string>(), deferred<string>(), deferred<string>()]
      const error = new Error('no')
      const results = collect(
        asCompleted([...inputs.map((d) => d.promise), 'now'], { settled: true }),
      )
      inputs[1]!.reject(error)
      await ticks()
      inputs[2]!.resolve('c')
      await ticks()
      inputs[0]!.reject('plain reason')
      expect(await results).toEqual([
        { status: 'fulfilled', value: 'now', index: 3 },
        { status: 'rejected', reason: error, index: 1 },
        { status: 'fulfilled', value: 'c', index: 2 },
        { status: 'rejected', reason: 'plain reason', index: 0 },
      ])
    })

    it('lets no rejection go unhandled', async () => {
      const seen = await unhandledDuring(async () => {
        const inputs = [Promise.reject(new Error('x')), Promise.reject(new Error('y'))]
        const results = await collect(asCompleted(inputs, { settled: true }))
        expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
      })
      expect(seen).toEqual([])
    })
  })

  describe('with a signal', () => {
    it('rejects the first next() with the reason of an already aborted signal, then ends', async () => {
      const reason = { why: 'early' }
      const iterator = asCompleted([1, 2], { signal: AbortSignal.abort(reason) })
      await expect(iterator.next()).rejects.toBe(reason)
      await expectDone(iterator)
    })

    it('rejects a pending next() with the reason when aborted mid-flight', async () => {
      const controller = new AbortController()
      const hang = deferred<number>()
      const iterator = asCompleted([1, hang.promise], { signal: controller.signal })
      await expectNext(iterator, 1)
      const pending = iterator.next()
      await ticks()
      expect(abortListeners(controller.signal)).toBe(1)
      const reason = new Error('stop')
      controller.abort(reason)
      await expect(pending).rejects.toBe(reason)
      expect(abortListeners(controller.signal)).toBe(0)
      await expectDone(iterator)
      hang.resolve(2)
      await expectDone(iterator)
    })

    it('rejects the next next() when aborted between values', async () => {
      const controller = new AbortController()
      const iterator = asCompleted([1, 2], { signal: controller.signal })
      await expectNext(iterator, 1)
      controller.abort('between')
      await expect(iterator.next()).rejects.toBe('between')
    })

    it('holds a listener only while a next() waits', async () => {
      const controller = new AbortController()
      const { signal } = controller
      const gate = deferred<number>()
      const iterator = asCompleted([gate.promise, 2], { signal })
      expect(abortListeners(signal)).toBe(0)
      await expectNext(iterator, 2)
      expect(abortListeners(signal)).toBe(0)
      const pending = iterator.next()
      expect(abortListeners(signal)).toBe(1)
      gate.resolve(1)
      expect(await pending).toEqual({ done: false, value: 1 })
      expect(abortListeners(signal)).toBe(0)
      await expectDone(iterator)
      expect(abortListeners(signal)).toBe(0)
    })

    it('removes the listener when return() ends a waiting next()', async () => {
      const controller = new AbortController()
      const iterator = asCompleted([deferred().promise], { signal: controller.signal })
      const pending = iterator.next()
      expect(abortListeners(controller.signal)).toBe(1)
      await iterator.return!()
      expect(await pending).toEqual({ done: true, value: undefined })
      expect(abortListeners(controller.signal)).toBe(0)
    })
  })

  describe('stopping early', () => {
    it('resolves a waiting next() with done on return()', async () => {
      const iterator = asCompleted([deferred<number>().promise])
      const pending = iterator.next()
      expect(await iterator.return!('bye')).toEqual({ done: true, value: 'bye' })
      expect(await pending).toEqual({ done: true, value: undefined })
      await expectDone(iterator)
    })

    it('is AsyncDisposable: await using ends it', async () => {
      const gate = deferred<number>()
      let iterator: AsyncPipeline<number> | undefined
      {
        await using it = asCompleted([1, gate.promise])
        iterator = it
        await expectNext(it, 1)
      }
      gate.resolve(2)
      await expectDone(iterator)
    })

    it('returns itself from Symbol.asyncIterator', () => {
      const iterator = asCompleted([1])
      expect(iterator[Symbol.asyncIterator]()).toBe(iterator)
    })
  })

  it('serves concurrent next() calls in call order and ends the extra ones', async () => {
    const inputs = [deferred<string>(), deferred<string>()]
    const iterator = asCompleted(inputs.map((d) => d.promise))
    const calls = [iterator.next(), iterator.next(), iterator.next()]
    inputs[1]!.resolve('b')
    inputs[0]!.resolve('a')
    expect(await Promise.all(calls)).toEqual([
      { done: false, value: 'b' },
      { done: false, value: 'a' },
      { done: true, value: undefined },
    ])
  })

  it('handles many inputs in one pass', async () => {
    const count = 10_000
    const inputs = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? i : Promise.resolve(i)))
    const out = await collect(asCompleted(inputs))
    expect(out.length).toBe(count)
    expect(new Set(out).size).toBe(count)
  })

  it('starts no timer', async () => {
    const before = activeTimers()
    const controller = new AbortController()
    const iterator = asCompleted([deferred().promise, 1], { signal: controller.signal })
    await iterator.next()
    const pending = iterator.next()
    controller.abort()
    await expect(pending).rejects.toBeDefined()
    expect(await timersAbove(before)).toBe(0)
  })

  it.each([
    ['null', null, '`null` (null)'],
    ['undefined', undefined, '`undefined` (undefined)'],
    ['a number', 42, '`42` (number)'],
    ['a plain object', {}, '`[object Object]` (object)'],
  ])('throws TypeError at once when items is %s', (_label, items, shown) => {
    expect(() => asCompleted(items as never)).toThrow(
      new TypeError(`Expected \`items\` to be an iterable, got ${shown}`),
    )
  })

  it('throws TypeError at once for an async iterable', () => {
    async function* source() {
      yield 1
    }
    expect(() => asCompleted(source() as never)).toThrow(TypeError)
  })

  it.each([
    ['signal', { signal: 'nope' }, /Expected `signal` to be an AbortSignal/],
    ['settled', { settled: 'yes' }, /Expected `settled` to be a boolean, got `yes` \(string\)/],
  ])('throws TypeError at once for a wrong %s option', (_label, options, message) => {
    expect(() => asCompleted([1], options as never)).toThrow(message)
    expect(() => asCompleted([1], options as never)).toThrow(TypeError)
  })

  it('types the yielded values after the settled option', () => {
    const promises = [Promise.resolve(1), Promise.resolve(2)]
    expectTypeOf(asCompleted(promises)).toEqualTypeOf<AsyncPipeline<number>>()
    expectTypeOf(asCompleted([Promise.resolve(1), 'a'])).toEqualTypeOf<
      AsyncPipeline<number | string>
    >()
    expectTypeOf(asCompleted(promises, { settled: false })).toEqualTypeOf<AsyncPipeline<number>>()
    expectTypeOf(asCompleted(promises, { settled: true })).toEqualTypeOf<
      AsyncPipeline<SettledResult<number>>
    >()
    const task: PromiseLike<boolean> = { then: (f, r) => Promise.resolve(true).then(f, r) }
    expectTypeOf(asCompleted([task])).toEqualTypeOf<AsyncPipeline<boolean>>()
  })
})
