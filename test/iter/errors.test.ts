import { describe, expect, it } from 'vitest'
import {
  AsyncWithError,
  isAsyncWithError,
  isTimeoutError,
  TimeoutError,
} from '../../src/context/errors.js'
import { BufferOverflowError, isBufferOverflowError } from '../../src/iter/errors.js'

describe('iter errors', () => {
  it.each([
    [new TimeoutError('t', { cause: 'c' }), 'TimeoutError', 'ASYNCWITH_TIMEOUT'],
    [
      new BufferOverflowError('b', { capacity: 3 }),
      'BufferOverflowError',
      'ASYNCWITH_BUFFER_OVERFLOW',
    ],
  ])('gives %s a stable name and code', (error, name, code) => {
    expect(error).toBeInstanceOf(AsyncWithError)
    expect(error.name).toBe(name)
    expect(error.code).toBe(code)
    expect(isAsyncWithError(error)).toBe(true)
  })

  it('keeps the cause given to TimeoutError', () => {
    expect(new TimeoutError('t', { cause: 'why' }).cause).toBe('why')
  })

  it('recognizes errors by code, across copies of the class', () => {
    const foreign = Object.assign(new Error('x'), { code: 'ASYNCWITH_TIMEOUT' })
    expect(isTimeoutError(foreign)).toBe(true)
    expect(isTimeoutError(new Error('x'))).toBe(false)
    expect(isTimeoutError({ code: 'ASYNCWITH_TIMEOUT' })).toBe(false)
    expect(
      isBufferOverflowError(Object.assign(new Error('x'), { code: 'ASYNCWITH_BUFFER_OVERFLOW' })),
    ).toBe(true)
    expect(isBufferOverflowError(new TimeoutError('t'))).toBe(false)
  })
})
