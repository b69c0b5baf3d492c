import { createRequire } from 'node:module'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkHeader, checkMethod, checkRequestParts } from '../../src/http/_request-check.js'

// undici's own request constructor, where it validates method and headers: the oracle these
// checks must agree with, so that a request passing them is never refused by undici.
const UndiciRequest = createRequire(import.meta.url)('undici/lib/core/request.js') as new (
  origin: string,
  options: object,
  handler: object,
) => unknown
const handler = {
  onConnect() {},
  onHeaders() {},
  onData() {},
  onComplete() {},
  onError() {},
}

/** The code undici refuses the request with, or `undefined` if it takes it. */
function undiciRefusal(method: string, headers: Record<string, string>): string | undefined {
  // api-request.js refuses CONNECT before building the request.
  if (method === 'CONNECT') return 'UND_ERR_INVALID_ARG'
  try {
    new UndiciRequest('http://127.0.0.1', { path: '/', method, headers }, handler)
    return undefined
  } catch (error) {
    return (error as { code?: string }).code ?? String(error)
  }
}

const TOKEN_CHARS = [..."abcXYZ09!#$%&'*+-.^_`|~"]
const OTHER_CHARS = [...' \t\r\n\0\x01\x7f\x85\xa0\xe9,:;"()/[]{}=?@\\€😀\u0100']
const NAMES = [
  'transfer-encoding',
  'Transfer-Encoding',
  'connection',
  'Connection',
  'keep-alive',
  'upgrade',
  'expect',
  'host',
  'content-length',
  'content-type',
  'x-a',
]
const VALUES = [
  'close',
  'keep-alive, close',
  'Upgrade',
  '',
  ' , ',
  'a,,b',
  '12',
  '007',
  '-1',
  '1 2',
]
const char = fc.constantFrom(...TOKEN_CHARS, ...OTHER_CHARS)
const anyText = fc.string({ unit: char, maxLength: 12 })
const headerName = fc.oneof(fc.constantFrom(...NAMES), anyText)
const headerValue = fc.oneof(fc.constantFrom(...VALUES), anyText)

describe('checkMethod()', () => {
  it.each([
    'GET',
    'HEAD',
    'POST',
    'PUT',
    'PATCH',
    'DELETE',
    'OPTIONS',
    'PROPFIND',
    'get',
    'M-SEARCH',
  ])('accepts %s', (method) => {
    expect(checkMethod(method)).toBeUndefined()
  })

  it.each(['CONNECT', 'connect', 'TRACE', 'Trace', 'TRACK'])(
    'refuses %s, as fetch does',
    (method) => {
      expect(checkMethod(method)).toMatch(new RegExp(`^method \`${method}\` is not supported: `))
    },
  )

  it.each([
    ['', 'method `` is not a token'],
    ['GE T', 'method `GE T` is not a token'],
    ['GET\r\nX-Injected: 1', 'method `GET\\x0d\\x0aX-Injected: 1` is not a token'],
    ['GÉT', 'method `GÉT` is not a token'],
    ['(GET)', 'method `(GET)` is not a token'],
  ])('refuses %j, which is no token', (method, message) => {
    expect(checkMethod(method)).toContain(message)
  })

  it('passes every method undici takes but CONNECT, TRACE and TRACK', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.constantFrom('CONNECT', 'TRACE', 'track')), (method) => {
        const problem = checkMethod(method)
        const refused = undiciRefusal(method, {})
        if (problem === undefined) expect(refused).toBeUndefined()
        if (refused !== undefined) expect(problem).toBeTypeOf('string')
        if (!/^(connect|trace|track)$/i.test(method)) expect(problem === undefined).toBe(!refused)
      }),
    )
  })
})

describe('checkHeader()', () => {
  it('accepts ordinary headers, obs-text bytes and surrounding spaces', () => {
    expect(checkHeader('x-c1', '\x85')).toBeUndefined()
    expect(checkHeader('Accept', 'text/html, */*;q=0.8')).toBeUndefined()
    expect(checkHeader('x-name', 'caf\u00e9')).toBeUndefined()
    expect(checkHeader('x-pad', '  a\tb  ')).toBeUndefined()
    expect(checkHeader('x-empty', '')).toBeUndefined()
    expect(checkHeader('Host', 'example.test:8080')).toBeUndefined()
    expect(checkHeader('Connection', 'keep-alive, close')).toBeUndefined()
    expect(checkHeader('content-length', '0')).toBeUndefined()
  })

  it.each([
    ['transfer-encoding', 'chunked', 'header `transfer-encoding` is managed by the client'],
    ['Transfer-Encoding', 'chunked', 'header `transfer-encoding` is managed by the client'],
    ['keep-alive', 'timeout=5', 'header `keep-alive` is managed by the client'],
    ['upgrade', 'websocket', 'header `upgrade` is managed by the client'],
    ['Expect', '100-continue', 'header `expect` is not supported'],
    [
      'connection',
      'close,',
      'header `connection` must be a comma-separated list of tokens, got `close,`',
    ],
    ['content-length', '-1', 'header `content-length` must be a whole number, got `-1`'],
    ['x-a', 'a\r\nx-b: 1', 'header `x-a` value contains a line break (CR or LF)'],
    ['x-a', 'a\nb', 'header `x-a` value contains a line break (CR or LF)'],
    ['x-a', 'a\0', 'header `x-a` value contains a NUL character'],
    ['x-a', 'a\x7f', 'header `x-a` value contains the control character U+007F'],
    ['x-a', '10 €', 'header `x-a` value contains U+20AC, which is not one byte: percent-encode it'],
    ['x a', 'v', 'header name `x a` is not a token'],
    ['x-a:', 'v', 'header name `x-a:` is not a token'],
    ['', 'v', 'header name `` is not a token'],
    ['\u212Aey', 'v', 'header name `\u212Aey` is not a token'],
  ])('refuses %j: %j', (name, value, message) => {
    expect(checkHeader(name, value)).toContain(message)
  })

  it('refuses a host that is not a host and optional port', () => {
    for (const host of ['example.test', 'a.test:8080', '127.0.0.1:80', '[::1]:8080', '']) {
      expect(checkHeader('host', host), host).toBeUndefined()
    }
    for (const host of ['[', '[::1', 'a b', 'a/b', 'a:b', 'user@a']) {
      expect(checkHeader('Host', host), host).toMatch(/^header `host` must be a host name/)
    }
    // What undici does with the first one: an assertion failure, not a validation error.
    expect(undiciRefusal('GET', { host: '[' })).toBe('ERR_ASSERTION')
  })

  it('agrees with undici on every header it can be given, host aside', () => {
    fc.assert(
      fc.property(headerName, headerValue, (name, value) => {
        const problem = checkHeader(name, value)
        const refused = undiciRefusal('GET', { [name]: value })
        // Host is checked more strictly than undici does (see above).
        if (name.toLowerCase() === 'host' && refused === undefined) return
        expect(
          problem === undefined,
          `${JSON.stringify([name, value])}: ${problem} / ${refused}`,
        ).toBe(refused === undefined)
      }),
      { numRuns: 2000 },
    )
  })

  it('gives one line, whatever control characters the input holds', () => {
    fc.assert(
      fc.property(anyText, anyText, (name, value) => {
        const problem = checkHeader(name, value) ?? ''
        expect(problem).toMatch(/^[ -~\x80-\uffff]*$/)
      }),
    )
  })
})

describe('checkRequestParts()', () => {
  it('returns the first problem: the method, then the headers in order', () => {
    expect(checkRequestParts('TRACE', { upgrade: 'x' })).toMatch(/^method `TRACE`/)
    expect(checkRequestParts('GET', { a: 'ok', expect: '1', upgrade: 'x' })).toBe(
      'header `expect` is not supported',
    )
    expect(checkRequestParts('POST', { 'content-type': 'text/plain' })).toBeUndefined()
  })

  it('refuses host or content-length given twice, in any case', () => {
    expect(checkRequestParts('GET', { Host: 'a', host: 'b' })).toBe('header `host` is given twice')
    expect(checkRequestParts('GET', { 'Content-Length': '1', 'content-length': '1' })).toBe(
      'header `content-length` is given twice',
    )
  })

  it('refuses a content-length that differs from a known body length', () => {
    expect(checkRequestParts('POST', { 'content-length': '5' }, 3)).toBe(
      'header `content-length` says 5 but the body has 3 bytes',
    )
    expect(checkRequestParts('POST', { 'content-length': '003' }, 3)).toBeUndefined()
    expect(checkRequestParts('GET', { 'content-length': '0' }, 0)).toBeUndefined()
    expect(checkRequestParts('GET', { 'content-length': '5' })).toBeUndefined()
  })

  it('passes only requests undici takes', () => {
    const headers = fc.dictionary(headerName, headerValue, { maxKeys: 4 })
    const method = fc.oneof(fc.constantFrom('GET', 'POST', 'CONNECT', 'TRACE'), anyText)
    fc.assert(
      fc.property(method, headers, (m, h) => {
        if (checkRequestParts(m, h) === undefined) expect(undiciRefusal(m, h)).toBeUndefined()
      }),
      { numRuns: 1000 },
    )
  })
})
