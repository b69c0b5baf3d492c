import { isAnyIterable } from '../_internal/check.js'
import { describeValue } from '../_internal/describe-value.js'
import { isThenable } from '../_internal/is-thenable.js'
import { fromGenerator } from './_fused-adapters.js'
import type { AnyIterable, AsyncPipeline } from './_types.js'

/**
 * Checks that `value` can be flattened: an iterable or async iterable object. Strings are
 * rejected, as TC39 `flatMap` does, since flattening them into characters is rarely meant.
 */
function flattenable(value: unknown, what: string): AnyIterable<unknown> {
  if (typeof value === 'string' || !isAnyIterable(value)) {
    throw new TypeError(
      `Expected ${what} to be an iterable or async iterable (not a string), got ${describeValue(value)}`,
    )
  }
  return value as AnyIterable<unknown>
}

/**
 * The shared body of `flatMap` and `flatten`: maps each value (when `fn` is given) and
 * yields everything in the result. Breaking out closes the inner iterator, then the outer.
 */
export function flatMapWith<U>(
  source: AnyIterable<unknown>,
  fn: ((value: unknown, index: number) => unknown) | undefined,
  what: string,
): AsyncPipeline<U> {
  return fromGenerator<U>(source, async function* flatMapped(upstream) {
    let index = 0
    for await (const value of upstream) {
      let inner = fn === undefined ? value : fn(value, index++)
      if (isThenable(inner)) inner = await inner
      yield* flattenable(inner, what) as AsyncIterable<U>
    }
  })
}
