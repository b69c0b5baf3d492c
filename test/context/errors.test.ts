import { types } from 'node:util'
import {
  AsyncWithError,
  isAsyncWithError,
  isSuppressedError,
  SuppressedError,
} from 'asyncwith/context'
import { describe, expect, it } from 'vitest'

const nativeSuppressedError = (globalThis as { SuppressedError?: SuppressedErrorConstructor })
  .SuppressedError

describe('SuppressedError()', () => {
  it('creates an error with error, suppressed and message when called with new', () => {
    const error = new Error('dispose')
    const suppressed = new Error('body')
    const e = new SuppressedError(error, suppressed, 'both failed')
    expect(e.error).toBe(error)
    expect(e.suppressed).toBe(suppressed)
    expect(e.message).toBe('both failed')
  })

  it('creates the same kind of error when called without new', () => {
    const callable = SuppressedError as unknown as (
      error: unknown,
      suppressed: unknown,
      message?: string,
    ) => SuppressedError
    const e = callable(1, 2, 'no new')
    expect(e).toBeInstanceOf(SuppressedError)
    expect(e).toBeInstanceOf(Error)
    expect(e.error).toBe(1)
    expect(e.suppressed).toBe(2)
    expect(e.message).toBe('no new')
  })

  it('is named SuppressedError and is an instance of Error', () => {
    const e = new SuppressedError(1, 2)
    expect(e.name).toBe('SuppressedError')
    expect(e).toBeInstanceOf(Error)
    expect(e).toBeInstanceOf(SuppressedError)
  })

  // The spec creates instances with an [[ErrorData]] slot, as every native error has, and the
  // ponyfill (used where the runtime has no SuppressedError, e.g. Node.js 20) must too.
  it('creates genuine Error objects that Object.prototype.toString and isNativeError recognise', () => {
    const e = new SuppressedError(1, 2)
    expect(Object.prototype.toString.call(e)).toBe('[object Error]')
    expect(types.isNativeError(e)).toBe(true)
  })

  it('has an empty message, inherited rather than own, when none is given', () => {
    const e = new SuppressedError(1, 2)
    expect(e.message).toBe('')
    expect(Object.hasOwn(e, 'message')).toBe(false)
  })

  it('converts a non-string message to a string', () => {
    const e = new SuppressedError(1, 2, 42 as unknown as string)
    expect(e.message).toBe('42')
  })

  it('defines error and suppressed as own non-enumerable properties', () => {
    const e = new SuppressedError('a', 'b', 'msg')
    for (const key of ['error', 'suppressed', 'message']) {
      const descriptor = Object.getOwnPropertyDescriptor(e, key)
      expect(descriptor, key).toMatchObject({
        enumerable: false,
        writable: true,
        configurable: true,
      })
    }
  })

  it('keeps undefined values of error and suppressed as own properties', () => {
    const e = new SuppressedError(undefined, undefined)
    expect(Object.hasOwn(e, 'error')).toBe(true)
    expect(Object.hasOwn(e, 'suppressed')).toBe(true)
  })

  it('has a stack', () => {
    expect(typeof new SuppressedError(1, 2).stack).toBe('string')
  })

  it('has the spec shape: length 3, Error as prototype, name and message on the prototype', () => {
    expect(SuppressedError.length).toBe(3)
    expect(Object.getPrototypeOf(SuppressedError)).toBe(Error)
    expect(Object.getPrototypeOf(SuppressedError.prototype)).toBe(Error.prototype)
    expect(SuppressedError.prototype.name).toBe('SuppressedError')
    expect(SuppressedError.prototype.message).toBe('')
    expect(SuppressedError.prototype.constructor).toBe(SuppressedError)
  })

  it('can be subclassed', () => {
    class DisposalFailed extends SuppressedError {}
    const e = new DisposalFailed('a', 'b', 'sub')
    expect(e).toBeInstanceOf(DisposalFailed)
    expect(e).toBeInstanceOf(SuppressedError)
    expect(e.error).toBe('a')
    expect(e.suppressed).toBe('b')
    expect(e.message).toBe('sub')
  })

  it.skipIf(nativeSuppressedError === undefined)(
    'is the runtime built-in where there is one',
    () => {
      expect(SuppressedError).toBe(nativeSuppressedError)
    },
  )

  it.skipIf(nativeSuppressedError !== undefined)(
    'does not patch the global where there is none',
    () => {
      expect('SuppressedError' in globalThis).toBe(false)
    },
  )
})

describe('isSuppressedError()', () => {
  it('returns true for a SuppressedError from this library', () => {
    expect(isSuppressedError(new SuppressedError(1, 2))).toBe(true)
  })

  it('returns true for a look-alike such as a compiler helper makes on old runtimes', () => {
    const lookAlike = Object.assign(new Error('disposal'), {
      name: 'SuppressedError',
      error: 1,
      suppressed: 2,
    })
    expect(isSuppressedError(lookAlike)).toBe(true)
  })

  it.each([
    ['a plain Error', new Error('x')],
    [
      'an Error named SuppressedError without error and suppressed',
      Object.assign(new Error(), { name: 'SuppressedError' }),
    ],
    ['a plain object with the right fields', { name: 'SuppressedError', error: 1, suppressed: 2 }],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'SuppressedError'],
  ])('returns false for %s', (_label, value) => {
    expect(isSuppressedError(value)).toBe(false)
  })
})

describe('AsyncWithError', () => {
  it('has name AsyncWithError, code ASYNCWITH_ERROR and the given message', () => {
    const e = new AsyncWithError('something broke')
    expect(e).toBeInstanceOf(Error)
    expect(e.name).toBe('AsyncWithError')
    expect(e.code).toBe('ASYNCWITH_ERROR')
    expect(e.message).toBe('something broke')
  })

  it('keeps a cause passed in the options', () => {
    const cause = new Error('root')
    expect(new AsyncWithError('wrapped', { cause }).cause).toBe(cause)
  })

  it('lets a subclass set its own name and code', () => {
    class ClosedLike extends AsyncWithError {
      override readonly name = 'ClosedLike'
      override readonly code = 'ASYNCWITH_CLOSED_LIKE'
    }
    const e = new ClosedLike('closed')
    expect(e).toBeInstanceOf(AsyncWithError)
    expect(e.name).toBe('ClosedLike')
    expect(e.code).toBe('ASYNCWITH_CLOSED_LIKE')
    expect(isAsyncWithError(e)).toBe(true)
  })
})

describe('isAsyncWithError()', () => {
  it.each([
    ['an AsyncWithError', new AsyncWithError('x'), true],
    [
      'an Error from another copy of the library, by its code',
      Object.assign(new Error('x'), { code: 'ASYNCWITH_TIMEOUT' }),
      true,
    ],
    ['a plain Error', new Error('x'), false],
    ['an Error with another code', Object.assign(new Error('x'), { code: 'ENOENT' }), false],
    ['an Error with a non-string code', Object.assign(new Error('x'), { code: 1 }), false],
    ['a plain object with an ASYNCWITH_ code', { code: 'ASYNCWITH_ERROR' }, false],
    ['null', null, false],
    ['undefined', undefined, false],
  ])('tells %s: %s', (_label, value, expected) => {
    expect(isAsyncWithError(value)).toBe(expected)
  })
})
