// Argument checks, one family for every layer. Each takes `(name, value)`, throws a
// `TypeError` for a wrong type and a `RangeError` for a number out of range, with the house
// message "Expected `name` to be <what>, got `<value>` (<type>)", and returns the value it
// accepted. Public entries call them before doing anything else.
import { describeValue } from './describe-value.js'

/** Throws the house message: a `TypeError` for a wrong type, a `RangeError` for a number out of range. */
function fail(name: string, what: string, value: unknown, numeric = true): never {
  const message = `Expected \`${name}\` to be ${what}, got ${describeValue(value)}`
  throw numeric && typeof value === 'number' ? new RangeError(message) : new TypeError(message)
}

/** A function. */
export function checkFunction(name: string, value: unknown): asserts value is Function {
  if (typeof value !== 'function') fail(name, 'a function', value, false)
}

/** `true` or `false`. */
export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(name, 'a boolean', value, false)
  return value
}

/** An options object (not `null`, not an array), or `undefined`. */
export function checkOptions(name: string, value: unknown): void {
  if (
    value !== undefined &&
    (typeof value !== 'object' || value === null || Array.isArray(value))
  ) {
    fail(name, 'an object', value, false)
  }
}

/** A whole number of 0 or more; `Infinity` too unless `allowInfinity` is false. */
export function checkCount(name: string, value: unknown, allowInfinity = true): number {
  return checkWhole(name, value, 0, allowInfinity, 'a non-negative integer')
}

/** A whole number of 1 or more (a concurrency, a capacity); `Infinity` too unless `allowInfinity` is false. */
export function checkLimit(name: string, value: unknown, allowInfinity = true): number {
  return checkWhole(name, value, 1, allowInfinity, 'a positive integer')
}

function checkWhole(
  name: string,
  value: unknown,
  min: number,
  allowInfinity: boolean,
  what: string,
): number {
  if (
    typeof value === 'number' &&
    value >= min &&
    (Number.isInteger(value) || (allowInfinity && value === Number.POSITIVE_INFINITY))
  ) {
    return value
  }
  return fail(name, allowInfinity ? `${what} or Infinity` : what, value)
}

/** A number: finite, or any but `NaN` when `allowInfinity`. */
export function checkNumber(name: string, value: unknown, allowInfinity = false): number {
  if (
    typeof value === 'number' &&
    (Number.isFinite(value) || (allowInfinity && !Number.isNaN(value)))
  ) {
    return value
  }
  return fail(name, allowInfinity ? 'a number (not NaN)' : 'a finite number', value)
}

/** A delay in milliseconds: a finite number of 0 or more. */
export function checkMs(name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value
  return fail(name, 'a non-negative finite number', value)
}

/**
 * A time limit in milliseconds: a number of 0 or more, where `Infinity` means no limit (the
 * one spelling of "no limit" across the package; callers that still take the deprecated
 * `false` turn it into `Infinity` first).
 */
export function checkTimeLimit(name: string, value: unknown): number {
  if (typeof value === 'number' && value >= 0) return value
  return fail(name, 'a non-negative number of milliseconds or Infinity', value)
}

/**
 * An `AbortSignal`, or `undefined`. Duck-typed, as Node's own `validateAbortSignal` is, so a
 * signal from another realm or a polyfill works: an object with a boolean `aborted` and
 * `addEventListener`/`removeEventListener` methods.
 */
export function checkSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as AbortSignal).aborted !== 'boolean' ||
    typeof (value as AbortSignal).addEventListener !== 'function' ||
    typeof (value as AbortSignal).removeEventListener !== 'function'
  ) {
    fail(name, 'an AbortSignal', value, false)
  }
  return value as AbortSignal
}

/** True when `value` has a `Symbol.asyncIterator` or `Symbol.iterator` method. */
export function isAnyIterable(value: unknown): boolean {
  if (value === null || value === undefined) return false
  const object = value as Record<symbol, unknown>
  return (
    typeof object[Symbol.asyncIterator] === 'function' ||
    typeof object[Symbol.iterator] === 'function'
  )
}

/** An iterable or an async iterable. */
export function checkIterable(name: string, value: unknown): void {
  if (!isAnyIterable(value)) {
    fail(name, 'an iterable or async iterable', value, false)
  }
}
