import { HttpClient } from 'asyncwith/http'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type HopRequest, locationFromHeader, nextHop } from '../../src/http/_redirect.js'
import { isInvalidUrlError, isRedirectDowngradeError } from '../../src/http/errors.js'
import { startTestServer } from '../_helpers/http-server.js'

/** A header value as undici hands it over: each byte of the UTF-8 encoding as one character. */
const asLatin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1')

function request(method: string, url: string, body?: string): HopRequest {
  return {
    method,
    url: new URL(url),
    headers: {
      authorization: 'Bearer secret',
      cookie: 'a=1',
      'proxy-authorization': 'Basic x',
      'content-type': 'text/plain',
      accept: 'text/html',
      host: 'a.test',
    },
    body,
  }
}

describe('nextHop()', () => {
  it('resolves a relative Location against the current URL', () => {
    const next = nextHop(request('GET', 'http://a.test/x/y'), 302, '../z?q=1', false)
    expect(next.url.href).toBe('http://a.test/z?q=1')
  })

  it('turns a 303 into GET and drops the body and its headers', () => {
    const next = nextHop(request('PUT', 'http://a.test/'), 303, '/done', false)
    expect(next.method).toBe('GET')
    expect(next.body).toBeUndefined()
    expect(next.headers['content-type']).toBeUndefined()
    expect(next.headers.accept).toBe('text/html')
  })

  it('keeps HEAD a HEAD on a 303', () => {
    expect(nextHop(request('HEAD', 'http://a.test/'), 303, '/b', false).method).toBe('HEAD')
  })

  it('turns POST into GET on 301 and 302, as browsers do', () => {
    for (const status of [301, 302]) {
      const next = nextHop(request('POST', 'http://a.test/', 'x'), status, '/b', false)
      expect([next.method, next.body]).toEqual(['GET', undefined])
    }
  })

  it('keeps the method and body on 307 and 308', () => {
    for (const status of [307, 308]) {
      const next = nextHop(request('POST', 'http://a.test/', 'x'), status, '/b', false)
      expect([next.method, next.body]).toEqual(['POST', 'x'])
    }
  })

  it('keeps credentials on the same origin', () => {
    const next = nextHop(request('GET', 'http://a.test/'), 302, '/b', false)
    expect(next.headers.authorization).toBe('Bearer secret')
    expect(next.headers.cookie).toBe('a=1')
  })

  it('drops Authorization, Cookie and Proxy-Authorization when leaving the origin', () => {
    for (const target of ['http://b.test/', 'http://a.test:8080/', 'https://a.test/']) {
      const next = nextHop(request('GET', 'http://a.test/'), 302, target, false)
      expect(next.headers.authorization, target).toBeUndefined()
      expect(next.headers.cookie, target).toBeUndefined()
      expect(next.headers['proxy-authorization'], target).toBeUndefined()
      expect(next.headers.accept, target).toBe('text/html')
    }
  })

  it('never forwards the Host header', () => {
    expect(nextHop(request('GET', 'http://a.test/'), 302, '/b', false).headers.host).toBeUndefined()
  })

  it('refuses an https to http downgrade unless allowed', () => {
    const from = request('GET', 'https://a.test/')
    let caught: unknown
    try {
      nextHop(from, 302, 'http://a.test/', false)
    } catch (error) {
      caught = error
    }
    expect(isRedirectDowngradeError(caught)).toBe(true)
    expect(nextHop(from, 302, 'http://a.test/', true).url.protocol).toBe('http:')
  })

  it('rejects a Location that is not an http(s) URL', () => {
    for (const location of ['ftp://a.test/', 'http://[bad']) {
      let caught: unknown
      try {
        nextHop(request('GET', 'http://a.test/'), 302, location, false)
      } catch (error) {
        caught = error
      }
      expect(isInvalidUrlError(caught), location).toBe(true)
      expect((caught as { redirectedFrom?: string }).redirectedFrom).toBe('http://a.test/')
    }
  })
})

describe('locationFromHeader()', () => {
  it('reads raw UTF-8 bytes as the characters they spell', () => {
    expect(locationFromHeader('/caf\u00c3\u00a9')).toBe('/café')
    expect(locationFromHeader(asLatin1('/日本/😀?q=ü#é'))).toBe('/日本/😀?q=ü#é')
  })

  it('leads to the percent-encoded UTF-8 URL that curl, Go and browsers request', () => {
    const url = new URL(locationFromHeader(asLatin1('/café?q=é')), 'http://a.test/')
    expect(url.href).toBe('http://a.test/caf%C3%A9?q=%C3%A9')
    const hop = nextHop(
      request('GET', 'http://a.test/'),
      302,
      locationFromHeader(asLatin1('/café')),
      false,
    )
    expect(hop.url.pathname).toBe('/caf%C3%A9')
  })

  it('returns ASCII unchanged', () => {
    expect(locationFromHeader('/a%20b?x=1')).toBe('/a%20b?x=1')
    expect(locationFromHeader('')).toBe('')
  })

  it('returns bytes that are not UTF-8 unchanged', () => {
    // A lone Latin-1 é (0xE9), and UTF-8 cut short.
    expect(locationFromHeader('/caf\u00e9')).toBe('/caf\u00e9')
    expect(locationFromHeader('/caf\u00c3')).toBe('/caf\u00c3')
    // An overlong encoding of '/' (C0 AF) must not turn into a path separator.
    expect(locationFromHeader('/a\u00c0\u00afb')).toBe('/a\u00c0\u00afb')
  })

  it('returns a value holding characters beyond one byte unchanged', () => {
    expect(locationFromHeader('/caf\u00c3\u00a9/\u20ac')).toBe('/caf\u00c3\u00a9/\u20ac')
  })

  it('keeps a leading byte order mark as a character', () => {
    expect(locationFromHeader(asLatin1('\ufeff/x'))).toBe('\ufeff/x')
  })

  it('undoes the Latin-1 reading of any UTF-8 text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        expect(locationFromHeader(asLatin1(text))).toBe(text)
      }),
    )
  })

  it('changes a Latin-1 value only when its bytes are valid UTF-8', () => {
    const latin1 = fc.string({
      unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
    })
    fc.assert(
      fc.property(latin1, (raw) => {
        const bytes = Buffer.from(raw, 'latin1')
        const valid = Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)
        expect(locationFromHeader(raw)).toBe(valid ? bytes.toString('utf8') : raw)
      }),
    )
  })
})

describe('HttpClient redirects', () => {
  it('follows a Location of raw UTF-8 bytes to the URL they spell', async () => {
    await using server = await startTestServer()
    server.route('/:page', (req, res) => {
      res.end(`at ${req.url}`)
    })
    server.route('/moved', (_req, res) => {
      // Node writes header strings as Latin-1: these characters go out as the UTF-8 bytes.
      res.writeHead(302, { location: asLatin1('/café?q=ü') }).end()
    })
    const client = new HttpClient({ retry: false })
    try {
      const response = await client.get(server.url('/moved'))
      expect(await response.text()).toBe('at /caf%C3%A9?q=%C3%BC')
      expect(response.url).toBe(server.url('/caf%C3%A9?q=%C3%BC'))
      expect(server.requests.map((r) => r.path)).toEqual(['/moved', '/caf%C3%A9?q=%C3%BC'])
    } finally {
      await client.close()
    }
  })
})
