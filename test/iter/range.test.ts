import { describe, expect, it } from 'vitest'
import { map, pipe, range, take, toArray } from '../../src/iter/index.js'

describe('range()', () => {
  it('counts from 0 to end when given one argument', async () => {
    expect(await toArray(range(4))).toEqual([0, 1, 2, 3])
  })

  it('counts from start to end by step', async () => {
    expect(await toArray(range(1, 10, 3))).toEqual([1, 4, 7])
  })

  it('counts down when step is negative', async () => {
    expect(await toArray(range(3, 0, -1))).toEqual([3, 2, 1])
  })

  it('yields nothing when end is not past start in the direction of step', async () => {
    expect(await toArray(range(3, 3))).toEqual([])
    expect(await toArray(range(0, 5, -1))).toEqual([])
  })

  it('counts without end when end is Infinity', async () => {
    expect(await pipe(range(0, Infinity), take(3), toArray)).toEqual([0, 1, 2])
  })

  it('computes fractional steps without accumulating rounding errors', async () => {
    expect(await toArray(range(0, 0.5, 0.1))).toEqual([0, 0.1, 0.2, 0.30000000000000004, 0.4])
  })

  it('restarts when iterated again through a new pipe', async () => {
    const numbers = range(2)
    expect(
      await pipe(
        numbers,
        map((n) => n + 1),
        toArray,
      ),
    ).toEqual([1, 2])
  })

  it('yields done after return() before the first next()', async () => {
    const numbers = range(5)
    await numbers.return!()
    expect(await numbers.next()).toEqual({ value: undefined, done: true })
  })

  it.each([
    [['1'], TypeError, 'Expected `end` to be a number (not NaN), got `1` (string)'],
    [[Number.NaN], RangeError, 'Expected `end` to be a number (not NaN), got `NaN` (number)'],
    [[Infinity, 3], RangeError, 'Expected `start` to be a finite number, got `Infinity` (number)'],
    [[0, 3, 0], RangeError, 'Expected `step` to be a non-zero number, got `0` (number)'],
  ])('throws when called with %j', (args, type, message) => {
    expect(() => (range as (...a: unknown[]) => unknown)(...args)).toThrow(new type(message))
  })
})
