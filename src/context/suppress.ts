import type { AsyncContextManager, Failure } from './async-context-manager.js'

/** An error class (matched with `instanceof`) or a predicate over the thrown value. */
export type ErrorMatcher =
  | (abstract new (
      ...args: any[]
    ) => unknown)
  | ((error: unknown) => boolean)

/**
 * A manager that suppresses errors matching any of `matchers` (Python's `suppress`): the
 * body stops at the error and execution continues after `withContext`, which then resolves
 * `undefined`.
 *
 * A matcher is an error class, tested with `instanceof`, or a predicate called with the
 * thrown value. (A function counts as a class when it is written with `class` syntax, is a built-in
 * constructor, or has a prototype inheriting from `Error`.) With no matchers nothing is suppressed.
 *
 * As in Python 3.12, an `AggregateError` that does not match as a whole is split: the
 * matching errors inside it (at any depth) are removed, and if any remain, a new
 * `AggregateError` of the rest is thrown in its place.
 *
 * @param matchers - Error classes and predicates.
 * @returns A reusable manager.
 * @throws {TypeError} If a matcher is not a function.
 * @example
 * import { suppress, withContext } from 'asyncwith/context'
 *
 * await withContext(suppress(SyntaxError), () => JSON.parse('not json'))
 * console.log('still running')
 */
export function suppress(...matchers: ErrorMatcher[]): AsyncContextManager<undefined, boolean> {
  const tests = matchers.map(_toTest)
  const matches = (error: unknown) => tests.some((test) => test(error))
  return {
    enter: async () => undefined,
    exit: async (failure?: Failure) => {
      if (failure === undefined) return false
      if (matches(failure.error)) return true
      if (!(failure.error instanceof AggregateError)) return false
      const rest = _split(failure.error, matches)
      if (rest === undefined) return true
      if (rest === failure.error) return false
      throw rest
    },
  }
}

function _toTest(matcher: ErrorMatcher, index: number): (error: unknown) => boolean {
  if (typeof matcher !== 'function') {
    throw new TypeError(
      `Expected matcher ${index} to be an error class or a predicate function, got \`${String(matcher)}\` (${typeof matcher})`,
    )
  }
  if (_isClass(matcher)) return (error) => error instanceof matcher
  return (error) => {
    const verdict: unknown = (matcher as (error: unknown) => unknown)(error)
    if (typeof (verdict as PromiseLike<unknown> | null)?.then === 'function') {
      throw new TypeError(
        `Expected matcher ${index} to return a boolean, got a promise; suppress predicates must be synchronous`,
      )
    }
    return Boolean(verdict)
  }
}

// Classes and built-in constructors (from any realm) have a non-writable `prototype`; plain
// functions have a writable one and arrow functions none. Old-style constructor functions
// are recognised by a prototype inheriting from Error.
function _isClass(fn: Function): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(fn, 'prototype')
  if (descriptor === undefined) return false
  return descriptor.writable === false || fn.prototype instanceof Error
}

/**
 * Removes matching errors from `group`, recursively. Returns `undefined` when nothing is
 * left, `group` itself when nothing matched, else a new group of what remains.
 */
function _split(
  group: AggregateError,
  matches: (error: unknown) => boolean,
): AggregateError | undefined {
  const rest: unknown[] = []
  let changed = false
  for (const error of group.errors) {
    if (matches(error)) {
      changed = true
      continue
    }
    if (error instanceof AggregateError) {
      const inner = _split(error, matches)
      if (inner !== error) changed = true
      if (inner !== undefined) rest.push(inner)
      continue
    }
    rest.push(error)
  }
  if (!changed) return group
  if (rest.length === 0) return undefined
  const derive = (group as { derive?: (errors: unknown[]) => AggregateError }).derive
  if (typeof derive === 'function') return derive.call(group, rest)
  return new AggregateError(rest, group.message, { cause: group.cause })
}
