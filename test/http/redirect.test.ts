import { describe, expect, it } from 'vitest'
import { type HopRequest, nextHop } from '../../src/http/_redirect.js'
import { isInvalidUrlError, isRedirectDowngradeError } from '../../src/http/errors.js'

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
