/**
 * Argument checks shared by the operators of `asyncwith/iter`. Every message follows one
 * shape: "Expected `name` to be <what>, got `<value>` (<type>)". Wrong types throw
 * `TypeError`, values out of range throw `RangeError`.
 */

/** Renders a value for an error message as "`value` (type)", never throwing. */
export function describeValue(value: unknown): string {
  let text: string
  try {
    text = typeof value === 'function' ? `function ${value.name || '(anonymous)'}` : String(value)
  } catch {
    text = Object.prototype.toString.call(value)
  }
  return `\`${text}\` (${value === null ? 'null' : typeof value})`
}

/** Throws a `TypeError` unless `value` is a function. */
export function assertFunction(value: unknown, name: string): asserts value is Function {
  if (typeof value !== 'function') {
    throw new TypeError(`Expected \`${name}\` to be a function, got ${describeValue(value)}`)
  }
}

/**
 * Throws unless `value` is a non-negative integer or `Infinity`: a `TypeError` for a
 * non-number, a `RangeError` for a number out of range (negative, fractional, `NaN`).
 */
export function assertCount(value: unknown, name: string): asserts value is number {
  if (typeof value === 'number' && (Number.isInteger(value) || value === Infinity) && value >= 0) {
    return
  }
  const message = `Expected \`${name}\` to be a non-negative integer or Infinity, got ${describeValue(value)}`
  throw typeof value === 'number' ? new RangeError(message) : new TypeError(message)
}

/**
 * Throws unless `value` is a positive integer or `Infinity`: a `TypeError` for a
 * non-number, a `RangeError` for a number out of range (zero, negative, fractional, `NaN`).
 */
export function assertPositiveCount(value: unknown, name: string): asserts value is number {
  if (typeof value === 'number' && (Number.isInteger(value) || value === Infinity) && value >= 1) {
    return
  }
  const message = `Expected \`${name}\` to be a positive integer or Infinity, got ${describeValue(value)}`
  throw typeof value === 'number' ? new RangeError(message) : new TypeError(message)
}

/**
 * Throws unless `value` is a number: a `TypeError` for a non-number, a `RangeError` for
 * `NaN` (and for infinities unless `allowInfinity`).
 */
export function assertNumber(
  value: unknown,
  name: string,
  allowInfinity = false,
): asserts value is number {
  if (
    typeof value === 'number' &&
    (Number.isFinite(value) || (allowInfinity && !Number.isNaN(value)))
  ) {
    return
  }
  const what = allowInfinity ? 'a number (not NaN)' : 'a finite number'
  const message = `Expected \`${name}\` to be ${what}, got ${describeValue(value)}`
  throw typeof value === 'number' ? new RangeError(message) : new TypeError(message)
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

/** Throws a `TypeError` unless `value` is an iterable or an async iterable. */
export function assertIterable(value: unknown, name: string): void {
  if (!isAnyIterable(value)) {
    throw new TypeError(
      `Expected \`${name}\` to be an iterable or async iterable, got ${describeValue(value)}`,
    )
  }
}
