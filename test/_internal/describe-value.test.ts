import { describe, expect, it } from 'vitest'
import { describeValue } from '../../src/_internal/describe-value.js'

describe('describeValue()', () => {
  it.each([
    [0, '`0` (number)'],
    [Number.NaN, '`NaN` (number)'],
    ['ab', '`ab` (string)'],
    [null, '`null` (null)'],
    [undefined, '`undefined` (undefined)'],
    [10n, '`10` (bigint)'],
    [Symbol('s'), '`Symbol(s)` (symbol)'],
    [{}, '`[object Object]` (object)'],
    [[1, 2], '`[object Array]` (object)'],
    [new Map(), '`[object Map]` (object)'],
    [new Date(Number.NaN), '`Invalid Date` (object)'],
    [new Date(0), '`1970-01-01T00:00:00.000Z` (object)'],
  ])('renders %o as %s', (value, shown) => {
    expect(describeValue(value)).toBe(shown)
  })

  it('names a function without printing its source', () => {
    function secretHandler(): string {
      return 'do not print this body'
    }
    expect(describeValue(secretHandler)).toBe('`function secretHandler` (function)')
    expect(describeValue(() => 'body')).toBe('`[Function]` (function)')
    expect(describeValue(class Widget {})).toBe('`function Widget` (function)')
  })

  it('never runs user code: toString, a constructor getter or a revoked proxy', () => {
    let called = 0
    const sneaky = {
      toString() {
        called++
        return 'x'
      },
    }
    expect(describeValue(sneaky)).toBe('`[object Object]` (object)')
    const trap = Object.create(null, {
      constructor: {
        get() {
          throw new Error('trap')
        },
      },
    })
    expect(describeValue(trap)).toBe('`[object Object]` (object)')
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    expect(describeValue(proxy)).toBe('`[object Object]` (object)')
    expect(describeValue(Object.create(null))).toBe('`[object Object]` (object)')
    expect(called).toBe(0)
  })

  it('cuts a long string so the message stays one line', () => {
    const shown = describeValue('x'.repeat(500))
    expect(shown.length).toBeLessThan(100)
    expect(shown).toContain('…')
  })
})
