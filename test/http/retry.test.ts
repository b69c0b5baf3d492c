import { describe, expect, it } from 'vitest'
import {
  backoffDelay,
  errorRetryDelay,
  IDEMPOTENT_METHODS,
  parseRetryAfter,
  RETRY_STATUSES,
  type RetrySettings,
  statusRetryDelay,
} from '../../src/http/_retry.js'
import { ConnectionError, HttpTimeoutError } from '../../src/http/errors.js'

const settings: RetrySettings = {
  limit: 3,
  baseDelay: 100,
  maxDelay: 1000,
  methods: new Set(IDEMPOTENT_METHODS),
  statuses: new Set(RETRY_STATUSES),
}

describe('parseRetryAfter()', () => {
  it('reads delay-seconds as milliseconds', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter(' 0 ')).toBe(0)
  })

  it('reads an HTTP date as the time left until it', () => {
    const now = Date.parse('Wed, 25 Nov 2026 12:00:00 GMT')
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:05 GMT', now)).toBe(5000)
  })

  it('treats a date in the past as no wait', () => {
    const now = Date.parse('Wed, 25 Nov 2026 12:00:00 GMT')
    expect(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now)).toBe(0)
  })

  it('ignores a missing or unreadable value', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined()
    expect(parseRetryAfter('')).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter('-1')).toBeUndefined()
  })

  it('uses the first of repeated headers', () => {
    expect(parseRetryAfter(['2', '9'])).toBe(2000)
  })
})

describe('backoffDelay()', () => {
  it('draws a full-jitter wait below the doubling step', () => {
    expect(backoffDelay(1, settings, () => 0.999)).toBe(99)
    expect(backoffDelay(3, settings, () => 0.5)).toBe(200)
    expect(backoffDelay(1, settings, () => 0)).toBe(0)
  })

  it('never exceeds maxDelay, however many retries', () => {
    expect(backoffDelay(30, settings, () => 0.999)).toBeLessThan(settings.maxDelay)
  })
})

describe('statusRetryDelay()', () => {
  it.each(RETRY_STATUSES)('retries status %i for GET', (status) => {
    expect(statusRetryDelay(settings, 'GET', status, undefined, 0)).toBeTypeOf('number')
  })

  it.each([200, 301, 400, 401, 404, 501])('does not retry status %i', (status) => {
    expect(statusRetryDelay(settings, 'GET', status, undefined, 0)).toBeUndefined()
  })

  it('does not retry POST or PATCH by default', () => {
    expect(statusRetryDelay(settings, 'POST', 503, undefined, 0)).toBeUndefined()
    expect(statusRetryDelay(settings, 'PATCH', 503, undefined, 0)).toBeUndefined()
  })

  it('stops when the retries are used up', () => {
    expect(statusRetryDelay(settings, 'GET', 503, undefined, 2)).toBeTypeOf('number')
    expect(statusRetryDelay(settings, 'GET', 503, undefined, 3)).toBeUndefined()
  })

  it('waits exactly what Retry-After asks, without jitter', () => {
    expect(statusRetryDelay(settings, 'GET', 429, '1', 0)).toBe(1000)
  })

  it('reports the response instead of waiting longer than maxDelay', () => {
    expect(statusRetryDelay(settings, 'GET', 429, '2', 0)).toBeUndefined()
  })
})

describe('errorRetryDelay()', () => {
  const info = { method: 'GET', url: 'http://127.0.0.1/' }

  it.each(['refused', 'reset', 'closed', 'truncated', 'other'] as const)(
    'retries a %s connection',
    (kind) => {
      const error = new ConnectionError({ ...info, kind, phase: 'headers' })
      expect(errorRetryDelay(settings, 'GET', error, 0)).toBeTypeOf('number')
    },
  )

  it.each(['tls', 'dns', 'protocol'] as const)('does not retry a %s failure', (kind) => {
    const error = new ConnectionError({ ...info, kind, phase: 'connect' })
    expect(errorRetryDelay(settings, 'GET', error, 0)).toBeUndefined()
  })

  it('retries connect, headers and body timeouts but not the total one', () => {
    for (const phase of ['connect', 'headers', 'body'] as const) {
      const error = new HttpTimeoutError({ ...info, phase, ms: 5 })
      expect(errorRetryDelay(settings, 'GET', error, 0), phase).toBeTypeOf('number')
    }
    const total = new HttpTimeoutError({ ...info, phase: 'total', ms: 5 })
    expect(errorRetryDelay(settings, 'GET', total, 0)).toBeUndefined()
  })

  it('does not retry errors it does not know, or non-idempotent methods', () => {
    expect(errorRetryDelay(settings, 'GET', new Error('bug'), 0)).toBeUndefined()
    const reset = new ConnectionError({ ...info, kind: 'reset', phase: 'body' })
    expect(errorRetryDelay(settings, 'POST', reset, 0)).toBeUndefined()
  })
})
