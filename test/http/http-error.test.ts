import { AsyncWithError, TimeoutError } from 'asyncwith/context'
import * as http from 'asyncwith/http'
import { describe, expect, it } from 'vitest'
import {
  BodySizeError,
  ClientClosedError,
  ConnectionError,
  DecompressionError,
  HttpError,
  HttpStatusError,
  HttpTimeoutError,
  InvalidUrlError,
  isHttpError,
  RedirectDowngradeError,
  RedirectLimitError,
} from '../../src/http/errors.js'

const url = 'https://a.test/'
const cause = new Error('underlying')

// Every error of the layer that names a request, built as the client builds it.
const requestErrors: Array<[string, Error & { method: string; url: string; code: string }]> = [
  ['HttpStatusError', new HttpStatusError({ method: 'GET', url, status: 500, headers: {}, cause })],
  [
    'RedirectLimitError',
    new RedirectLimitError({ method: 'GET', url, limit: 1, redirects: [url], cause }),
  ],
  [
    'RedirectDowngradeError',
    new RedirectDowngradeError({ method: 'GET', url, location: 'http://a.test/', cause }),
  ],
  ['BodySizeError', new BodySizeError({ method: 'GET', url, limit: 10, size: 20, cause })],
  [
    'DecompressionError',
    new DecompressionError({ method: 'GET', url, encoding: 'gzip', reason: 'corrupt', cause }),
  ],
  [
    'ConnectionError',
    new ConnectionError({ method: 'POST', url, kind: 'reset', phase: 'body', cause }),
  ],
  ['InvalidUrlError', new InvalidUrlError({ input: 'ftp://a.test/x', method: 'PUT', cause })],
  ['ClientClosedError', new ClientClosedError({ method: 'DELETE', url, cause })],
]

describe('HttpError', () => {
  it.each(requestErrors)('is the base of %s, which keeps method, url and cause', (_name, error) => {
    expect(error).toBeInstanceOf(HttpError)
    expect(error).toBeInstanceOf(AsyncWithError)
    expect(typeof error.method).toBe('string')
    expect(error.url.length).toBeGreaterThan(0)
    expect(error.cause).toBe(cause)
    expect(error.code).toMatch(/^ASYNCWITH_/)
    expect(error.name).toBe(_name)
  })

  it('takes the text of an invalid input as url, and the method as given', () => {
    const error = new InvalidUrlError({ input: 'ftp://a.test/x', method: 'PUT' })
    expect(error.url).toBe('ftp://a.test/x')
    expect(error.method).toBe('PUT')
    expect('cause' in error).toBe(false)
  })

  it('can be made directly, with a stable name and code', () => {
    const error = new HttpError('Something failed', { method: 'GET', url })
    expect(error.name).toBe('HttpError')
    expect(error.code).toBe('ASYNCWITH_HTTP')
    expect(error.message).toBe('Something failed')
    expect('cause' in error).toBe(false)
  })

  it('is exported from asyncwith/http with its guard', () => {
    expect(http.HttpError).toBe(HttpError)
    expect(http.isHttpError).toBe(isHttpError)
  })
})

describe('isHttpError()', () => {
  it.each(requestErrors)('accepts %s', (_name, error) => {
    expect(isHttpError(error)).toBe(true)
  })

  it('accepts HttpTimeoutError, which stays a TimeoutError and not an instanceof HttpError', () => {
    const error = new HttpTimeoutError({ method: 'GET', url, phase: 'total', ms: 5 })
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).not.toBeInstanceOf(HttpError)
    expect(isHttpError(error)).toBe(true)
  })

  it('recognises a copy from another install by its shape', () => {
    const foreign = Object.assign(new Error('x'), {
      code: 'ASYNCWITH_HTTP_STATUS',
      method: 'GET',
      url,
    })
    expect(isHttpError(foreign)).toBe(true)
  })

  it.each([
    ['a plain error', new Error('x')],
    ['a TimeoutError of the task layer', new TimeoutError('Timed out after 5 ms')],
    [
      'an error with a foreign code',
      Object.assign(new Error('x'), { code: 'ECONNRESET', method: 'GET', url }),
    ],
    ['a look-alike that is not an Error', { code: 'ASYNCWITH_HTTP_STATUS', method: 'GET', url }],
    ['undefined', undefined],
  ])('rejects %s', (_name, value) => {
    expect(isHttpError(value)).toBe(false)
  })
})
