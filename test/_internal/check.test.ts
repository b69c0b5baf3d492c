import { describe, expect, it } from 'vitest'
import {
  checkBoolean,
  checkCount,
  checkFunction,
  checkIterable,
  checkLimit,
  checkMs,
  checkNumber,
  checkOptions,
  checkSignal,
  checkTimeLimit,
} from '../../src/_internal/check.js'

describe('the check family', () => {
  it.each([
    [
      'checkCount',
      () => checkCount('n', -1),
      RangeError,
      'a non-negative integer or Infinity, got `-1` (number)',
    ],
    [
      'checkCount',
      () => checkCount('n', Infinity, false),
      RangeError,
      'a non-negative integer, got `Infinity` (number)',
    ],
    [
      'checkCount',
      () => checkCount('n', '1'),
      TypeError,
      'a non-negative integer or Infinity, got `1` (string)',
    ],
    [
      'checkLimit',
      () => checkLimit('n', 0),
      RangeError,
      'a positive integer or Infinity, got `0` (number)',
    ],
    [
      'checkLimit',
      () => checkLimit('n', 1.5, false),
      RangeError,
      'a positive integer, got `1.5` (number)',
    ],
    [
      'checkNumber',
      () => checkNumber('n', Infinity),
      RangeError,
      'a finite number, got `Infinity` (number)',
    ],
    [
      'checkNumber',
      () => checkNumber('n', Number.NaN, true),
      RangeError,
      'a number (not NaN), got `NaN` (number)',
    ],
    [
      'checkMs',
      () => checkMs('n', Infinity),
      RangeError,
      'a non-negative finite number, got `Infinity` (number)',
    ],
    [
      'checkTimeLimit',
      () => checkTimeLimit('n', -1),
      RangeError,
      'a non-negative number of milliseconds or Infinity, got `-1` (number)',
    ],
    [
      'checkTimeLimit',
      () => checkTimeLimit('n', false),
      TypeError,
      'a non-negative number of milliseconds or Infinity, got `false` (boolean)',
    ],
    ['checkFunction', () => checkFunction('n', 1), TypeError, 'a function, got `1` (number)'],
    ['checkBoolean', () => checkBoolean('n', 0), TypeError, 'a boolean, got `0` (number)'],
    ['checkOptions', () => checkOptions('n', null), TypeError, 'an object, got `null` (null)'],
    [
      'checkIterable',
      () => checkIterable('n', 5),
      TypeError,
      'an iterable or async iterable, got `5` (number)',
    ],
    [
      'checkSignal',
      () => checkSignal('n', {}),
      TypeError,
      'an AbortSignal, got `[object Object]` (object)',
    ],
  ])('%s throws the house message', (_name, call, type, tail) => {
    expect(call).toThrow(type)
    expect(call).toThrow(`Expected \`n\` to be ${tail}`)
  })

  it('returns what it accepted', () => {
    expect(checkCount('n', 0)).toBe(0)
    expect(checkLimit('n', Infinity)).toBe(Infinity)
    expect(checkNumber('n', -Infinity, true)).toBe(-Infinity)
    expect(checkMs('n', 0)).toBe(0)
    expect(checkTimeLimit('n', Infinity)).toBe(Infinity)
    expect(checkBoolean('n', false)).toBe(false)
    expect(checkSignal('n', undefined)).toBeUndefined()
  })

  it('accepts a signal from another realm or a polyfill by its shape', () => {
    const native = new AbortController().signal
    expect(checkSignal('signal', native)).toBe(native)
    const lookalike = { aborted: false, addEventListener() {}, removeEventListener() {} }
    expect(checkSignal('signal', lookalike)).toBe(lookalike)
    expect(() => checkSignal('signal', { aborted: false, addEventListener() {} })).toThrow(
      TypeError,
    )
  })
})
