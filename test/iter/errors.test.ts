import { describe, expect, it } from 'vitest'
import { AsyncWithError, isAsyncWithError } from '../../src/context/errors.js'
import { BufferOverflowError, isBufferOverflowError } from '../../src/iter/errors.js'

describe('iter errors', () => {
  it.each([
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

  it('recognizes errors by code, across copies of the class', () => {
    expect(
      isBufferOverflowError(Object.assign(new Error('x'), { code: 'ASYNCWITH_BUFFER_OVERFLOW' })),
    ).toBe(true)
    expect(isBufferOverflowError(new AsyncWithError('t'))).toBe(false)
  })
})
