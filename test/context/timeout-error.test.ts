import { AsyncWithError, isAsyncWithError, isTimeoutError, TimeoutError } from 'asyncwith/context'
import { describe, expect, it } from 'vitest'

describe('TimeoutError', () => {
  it('has name TimeoutError, code ASYNCWITH_TIMEOUT, and is an AsyncWithError', () => {
    const error = new TimeoutError('Timed out after 5 ms')
    expect(error).toBeInstanceOf(AsyncWithError)
    expect(error.name).toBe('TimeoutError')
    expect(error.code).toBe('ASYNCWITH_TIMEOUT')
    expect(error.message).toBe('Timed out after 5 ms')
    expect(isAsyncWithError(error)).toBe(true)
  })

  it('keeps the cause it is given', () => {
    expect(new TimeoutError('t', { cause: 'why' }).cause).toBe('why')
  })
})

describe('isTimeoutError()', () => {
  it('recognises a TimeoutError by its code, also one from another copy of the package', () => {
    expect(isTimeoutError(new TimeoutError('t'))).toBe(true)
    expect(isTimeoutError(Object.assign(new Error('x'), { code: 'ASYNCWITH_TIMEOUT' }))).toBe(true)
  })

  it.each([
    ['a plain error', new Error('Timed out')],
    ['another asyncwith error', new AsyncWithError('x')],
    ['a look-alike that is not an Error', { code: 'ASYNCWITH_TIMEOUT' }],
    ['undefined', undefined],
  ])('rejects %s', (_name, value) => {
    expect(isTimeoutError(value)).toBe(false)
  })
})
