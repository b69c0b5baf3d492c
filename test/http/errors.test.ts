import { AsyncWithError, isAsyncWithError } from 'asyncwith/context'
import { isTimeoutError, TimeoutError } from 'asyncwith/iter'
import { describe, expect, it } from 'vitest'
import {
  BodySizeError,
  ClientClosedError,
  ConnectionError,
  DecompressionError,
  HttpStatusError,
  HttpTimeoutError,
  InvalidUrlError,
  isBodySizeError,
  isClientClosedError,
  isConnectionError,
  isDecompressionError,
  isHttpStatusError,
  isHttpTimeoutError,
  isInvalidUrlError,
  isRedirectDowngradeError,
  isRedirectLimitError,
  RedirectDowngradeError,
  RedirectLimitError,
} from '../../src/http/errors.js'

const url = 'https://a.test/'
const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })

type Guard = (value: unknown) => boolean

const guards: Record<string, Guard> = {
  isHttpTimeoutError,
  isHttpStatusError,
  isRedirectLimitError,
  isRedirectDowngradeError,
  isBodySizeError,
  isDecompressionError,
  isConnectionError,
  isInvalidUrlError,
  isClientClosedError,
}

// One row per error: an instance, its stable name and code, the exact message (the same
// strings as the TSDoc examples in src/http/errors.ts), and the guard that must accept it.
const table: Array<[Error & { code: string }, string, string, string, string]> = [
  [
    new HttpTimeoutError({ method: 'GET', url, phase: 'headers', ms: 500 }),
    'TimeoutError',
    'ASYNCWITH_TIMEOUT',
    `Timed out after 500 ms waiting for response headers from GET ${url}`,
    'isHttpTimeoutError',
  ],
  [
    new HttpStatusError({ method: 'GET', url: `${url}missing`, status: 404, headers: {} }),
    'HttpStatusError',
    'ASYNCWITH_HTTP_STATUS',
    `Request failed with status 404 Not Found: GET ${url}missing`,
    'isHttpStatusError',
  ],
  [
    new RedirectLimitError({
      method: 'GET',
      url,
      limit: 1,
      redirects: [`${url}b`, url],
    }),
    'RedirectLimitError',
    'ASYNCWITH_REDIRECT_LIMIT',
    `GET ${url} was redirected more than 1 time (last to ${url})`,
    'isRedirectLimitError',
  ],
  [
    new RedirectDowngradeError({ method: 'GET', url, location: 'http://a.test/' }),
    'RedirectDowngradeError',
    'ASYNCWITH_REDIRECT_DOWNGRADE',
    `Refused the redirect of GET ${url} to http://a.test/: it downgrades https: to http:`,
    'isRedirectDowngradeError',
  ],
  [
    new BodySizeError({ method: 'GET', url: `${url}big`, limit: 1024, size: 1500 }),
    'BodySizeError',
    'ASYNCWITH_BODY_TOO_LARGE',
    `Response body of GET ${url}big exceeds maxBodySize (1024 bytes): 1500 bytes read so far`,
    'isBodySizeError',
  ],
  [
    new DecompressionError({ method: 'GET', url, encoding: 'gzip', reason: 'ratio', limit: 100 }),
    'DecompressionError',
    'ASYNCWITH_DECOMPRESSION',
    `Response body of GET ${url} expands more than 100 times when decoding gzip ` +
      '(a possible decompression bomb)',
    'isDecompressionError',
  ],
  [
    new ConnectionError({ method: 'GET', url, kind: 'reset', phase: 'body', cause: reset }),
    'ConnectionError',
    'ASYNCWITH_CONNECTION',
    `Connection reset while reading the response body of GET ${url}: read ECONNRESET`,
    'isConnectionError',
  ],
  [
    new InvalidUrlError({ input: 'ftp://a.test/file', method: 'GET' }),
    'InvalidUrlError',
    'ASYNCWITH_INVALID_URL',
    'Cannot GET ftp://a.test/file: the scheme ftp: is not supported, use http: or https:',
    'isInvalidUrlError',
  ],
  [
    new ClientClosedError({ method: 'GET', url }),
    'ClientClosedError',
    'ASYNCWITH_CLIENT_CLOSED',
    `Cannot GET ${url}: the HttpClient is closed; send requests before leaving its scope`,
    'isClientClosedError',
  ],
]

describe('http errors', () => {
  it.each(table)('gives %s a stable name, code and message', (error, name, code, message) => {
    expect(error).toBeInstanceOf(Error)
    expect(error).toBeInstanceOf(AsyncWithError)
    expect(isAsyncWithError(error)).toBe(true)
    expect(error.name).toBe(name)
    expect(error.code).toBe(code)
    expect(error.message).toBe(message)
    expect(String(error)).toBe(`${name}: ${message}`)
  })

  it.each(table)('carries the method and URL of the request in %s', (error) => {
    expect(error).toMatchObject({ method: 'GET', url: expect.stringMatching(/a\.test/) })
  })

  it.each(table)('recognizes %s with its own guard only', (error, _name, _code, _message, own) => {
    for (const [guardName, guard] of Object.entries(guards)) {
      expect([guardName, guard(error)]).toEqual([guardName, guardName === own])
    }
  })

  it.each(Object.entries(guards))('%s() rejects non-errors and plain errors', (_name, guard) => {
    expect(guard(undefined)).toBe(false)
    expect(guard({ code: 'ASYNCWITH_CONNECTION' })).toBe(false)
    expect(guard(new Error('plain'))).toBe(false)
  })

  it('recognizes errors by code, across copies of the class', () => {
    const foreign = (code: string, extra: object = {}) =>
      Object.assign(new Error('copy'), { code, ...extra })
    expect(isConnectionError(foreign('ASYNCWITH_CONNECTION'))).toBe(true)
    expect(isHttpStatusError(foreign('ASYNCWITH_HTTP_STATUS'))).toBe(true)
    expect(isHttpTimeoutError(foreign('ASYNCWITH_TIMEOUT', { phase: 'body', url }))).toBe(true)
  })

  it('keeps the cause it wraps, and sets none when not given', () => {
    expect(
      new ConnectionError({ method: 'GET', url, kind: 'reset', phase: 'body', cause: reset }).cause,
    ).toBe(reset)
    const timeoutCause = Object.assign(new Error('Headers Timeout Error'), {
      code: 'UND_ERR_HEADERS_TIMEOUT',
    })
    const timeout = new HttpTimeoutError({
      method: 'GET',
      url,
      phase: 'headers',
      ms: 1,
      cause: timeoutCause,
    })
    expect(timeout.cause).toBe(timeoutCause)
    const bare = new ClientClosedError({ method: 'GET', url })
    expect('cause' in bare).toBe(false)
  })
})

describe('HttpTimeoutError', () => {
  it('is a TimeoutError, so one check covers every asyncwith timeout', () => {
    const error = new HttpTimeoutError({ method: 'GET', url, phase: 'total', ms: 5000 })
    expect(error).toBeInstanceOf(TimeoutError)
    expect(isTimeoutError(error)).toBe(true)
    expect(error).toMatchObject({ phase: 'total', ms: 5000 })
  })

  it('is not claimed by isHttpTimeoutError() for a timeout of another layer', () => {
    expect(isHttpTimeoutError(new TimeoutError('Timed out after 10 ms'))).toBe(false)
  })

  it.each([
    ['connect', `Timed out after 10 ms connecting to send GET ${url}`],
    ['headers', `Timed out after 10 ms waiting for response headers from GET ${url}`],
    ['body', `Timed out after 10 ms waiting for more of the response body from GET ${url}`],
    ['total', `Timed out after 10 ms for the whole of GET ${url}`],
  ] as const)('names the %s phase in its message', (phase, message) => {
    expect(new HttpTimeoutError({ method: 'GET', url, phase, ms: 10 }).message).toBe(message)
  })
})

describe('HttpStatusError', () => {
  it('keeps status, headers and the server reason phrase', () => {
    const headers = { 'retry-after': '2' }
    const error = new HttpStatusError({
      method: 'POST',
      url,
      status: 503,
      statusText: 'Busy',
      headers,
    })
    expect(error).toMatchObject({ status: 503, statusText: 'Busy', headers })
    expect(error.message).toBe(`Request failed with status 503 Busy: POST ${url}`)
  })

  it('leaves out the reason phrase of a status without a standard one', () => {
    const error = new HttpStatusError({ method: 'GET', url, status: 599, headers: {} })
    expect(error.message).toBe(`Request failed with status 599: GET ${url}`)
  })
})

describe('RedirectLimitError', () => {
  it('keeps the limit and the redirects met', () => {
    const redirects = ['https://a.test/1', 'https://a.test/2', 'https://a.test/3']
    const error = new RedirectLimitError({ method: 'GET', url, limit: 2, redirects })
    expect(error).toMatchObject({ limit: 2, redirects })
    expect(error.message).toBe(
      `GET ${url} was redirected more than 2 times (last to https://a.test/3)`,
    )
  })
})

describe('BodySizeError', () => {
  it('says when the size is the declared Content-Length', () => {
    const error = new BodySizeError({ method: 'GET', url, limit: 10, size: 99, declared: true })
    expect(error).toMatchObject({ limit: 10, size: 99, declared: true })
    expect(error.message).toBe(
      `Response body of GET ${url} exceeds maxBodySize (10 bytes): its Content-Length is 99`,
    )
  })
})

describe('DecompressionError', () => {
  it.each([
    [
      { reason: 'corrupt', encoding: 'gzip', cause: new Error('incorrect header check') },
      `Could not decode the gzip response body of GET ${url}: incorrect header check`,
    ],
    [
      { reason: 'encodings', encoding: 'gzip, gzip, gzip', limit: 2 },
      `Response of GET ${url} has 3 content codings (gzip, gzip, gzip), more than the 2 allowed`,
    ],
    [
      { reason: 'unsupported', encoding: 'zstd' },
      `Response of GET ${url} uses an unsupported Content-Encoding: zstd`,
    ],
  ] as const)('explains the %o failure', (fields, message) => {
    const error = new DecompressionError({ method: 'GET', url, ...fields })
    expect(error.message).toBe(message)
    expect(error.reason).toBe(fields.reason)
  })
})

describe('ConnectionError', () => {
  it.each([
    ['refused', 'connect', `Connection refused while connecting for GET ${url}`],
    ['dns', 'connect', `Host not found while connecting for GET ${url}`],
    [
      'closed',
      'headers',
      `Connection closed by the server before the response headers of GET ${url}`,
    ],
    ['truncated', 'body', `Response body cut short while reading the response body of GET ${url}`],
    ['protocol', 'headers', `Invalid HTTP response before the response headers of GET ${url}`],
  ] as const)('describes a %s failure in the %s phase', (kind, phase, message) => {
    const error = new ConnectionError({ method: 'GET', url, kind, phase })
    expect(error).toMatchObject({ kind, phase, message })
  })
})

describe('InvalidUrlError', () => {
  it.each([
    ['not a url', 'Cannot GET not a url: expected an absolute http: or https: URL'],
    [42, 'Cannot GET `42` (number): expected a string or URL'],
    [
      new URL('file:///etc/passwd'),
      'Cannot GET file:///etc/passwd: the scheme file: is not supported, use http: or https:',
    ],
  ])('explains why %o cannot be requested, keeping the input as given', (input, message) => {
    const error = new InvalidUrlError({ input, method: 'GET' })
    expect(error.message).toBe(message)
    expect(error.input).toBe(input)
    expect(error.url).toBe(input instanceof URL ? input.href : String(input))
  })

  it('names the URL that redirected to an invalid Location', () => {
    const error = new InvalidUrlError({
      input: 'javascript:alert(1)',
      method: 'GET',
      redirectedFrom: url,
    })
    expect(error.redirectedFrom).toBe(url)
    expect(error.message).toBe(
      `Cannot follow the redirect of GET ${url} to javascript:alert(1): ` +
        'the scheme javascript: is not supported, use http: or https:',
    )
  })
})

describe('ClientClosedError', () => {
  it('says when closing the client cut off a request in flight', () => {
    const error = new ClientClosedError({ method: 'PUT', url, inFlight: true })
    expect(error.inFlight).toBe(true)
    expect(error.message).toBe(`PUT ${url} was cut off because the HttpClient closed`)
  })
})

describe('InvalidUrlError with inputs that cannot become strings', () => {
  it('still builds its message when String(input) would throw', () => {
    const throwing = {
      toString(): string {
        throw new Error('no')
      },
    }
    for (const input of [Object.create(null), throwing]) {
      const error = new InvalidUrlError({ input, method: 'GET' })
      expect(error.code).toBe('ASYNCWITH_INVALID_URL')
      expect(error.input).toBe(input)
      expect(error.message).toBe('Cannot GET `[object Object]` (object): expected a string or URL')
    }
  })
})
