import { checkNumber } from '../_internal/check.js'
import { describeValue } from '../_internal/describe-value.js'
import { Fused } from './_fused.js'
import type { AsyncPipeline } from './_types.js'

class RangeIterator implements Iterator<number> {
  private index = 0
  constructor(
    private readonly start: number,
    private readonly step: number,
    private readonly length: number,
  ) {}

  next(): IteratorResult<number> {
    if (this.index >= this.length) return { value: undefined, done: true }
    // Multiply rather than add, so fractional steps do not accumulate rounding errors.
    return { value: this.start + this.index++ * this.step, done: false }
  }
}

/**
 * Yields the numbers from `start` (inclusive) to `end` (exclusive) by `step`, as Python's
 * `range` does: `range(end)` counts from 0, and a negative `step` counts down. `end` may be
 * `Infinity` (or `-Infinity`) for an endless count; fractional numbers are allowed.
 *
 * The result is lazy and fuses with the operators after it, so `pipe(range(n), map(f))`
 * runs as one loop with no promise per stage.
 *
 * @param start - The first number, or, when `end` is omitted, the end (counting from 0).
 * @param end - The number to stop before.
 * @param step - The difference between consecutive numbers; not 0.
 * @returns A lazy async iterator over the numbers.
 * @throws {@link TypeError} If an argument is not a number.
 * @throws {@link RangeError} If `start` or `step` is not finite, `end` is `NaN`, or `step` is 0.
 * @example
 * import { range, toArray } from 'asyncwith/iter'
 *
 * const evens = await toArray(range(0, 10, 2))
 * // evens: [0, 2, 4, 6, 8]
 */
export function range(end: number): AsyncPipeline<number>
export function range(start: number, end: number, step?: number): AsyncPipeline<number>
export function range(...args: [number, number?, number?]): AsyncPipeline<number> {
  const start = checkNumber('start', args.length === 1 ? 0 : args[0])
  const end = checkNumber('end', args.length === 1 ? args[0] : args[1], true)
  const step = checkNumber('step', args[2] ?? 1)
  if (step === 0) {
    throw new RangeError(`Expected \`step\` to be a non-zero number, got ${describeValue(step)}`)
  }
  const length = Math.max(0, Math.ceil((end - start) / step))
  const iterable: Iterable<number> = {
    [Symbol.iterator]: () => new RangeIterator(start, step, length),
  }
  return new Fused<number>(iterable, [], iterable)
}
