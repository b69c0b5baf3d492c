import { execFile } from 'node:child_process'
import { STATUS_CODES } from 'node:http'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  backoffDelay,
  errorRetryDelay,
  IDEMPOTENT_METHODS,
  isRetryStatus,
  parseHttpDate,
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

  it('reads the RFC 850 and asctime forms as GMT too', () => {
    const now = Date.parse('Sun, 06 Nov 1994 08:49:00 GMT')
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(37_000)
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', now)).toBe(37_000)
  })

  it('ignores dates in forms HTTP does not allow', () => {
    expect(parseRetryAfter('2026-11-25T12:00:05Z', 0)).toBeUndefined()
    expect(parseRetryAfter('Nov 25 2026', 0)).toBeUndefined()
    expect(parseRetryAfter('1.5')).toBeUndefined()
  })
})

/** The example instant of RFC 9110, section 5.6.7. */
const RFC_EXAMPLE = Date.UTC(1994, 10, 6, 8, 49, 37)
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = (n: number) => String(n).padStart(2, '0')
const clock = (d: Date) =>
  `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`

function rfc850(ms: number): string {
  const d = new Date(ms)
  const yy = pad(d.getUTCFullYear() % 100)
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${yy} ${clock(d)} GMT`
}

function asctime(ms: number): string {
  const d = new Date(ms)
  const day = String(d.getUTCDate()).padStart(2, ' ')
  const name = DAYS[d.getUTCDay()]!.slice(0, 3)
  return `${name} ${MONTHS[d.getUTCMonth()]} ${day} ${clock(d)} ${d.getUTCFullYear()}`
}

describe('parseHttpDate()', () => {
  it('reads the three forms of RFC 9110 as the same GMT instant', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(RFC_EXAMPLE)
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(RFC_EXAMPLE)
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(RFC_EXAMPLE)
  })

  it('reads an RFC 850 year as the latest one not more than 50 years ahead', () => {
    const now = Date.UTC(2026, 11, 3)
    expect(parseHttpDate('Friday, 06-Nov-76 00:00:00 GMT', now)).toBe(Date.UTC(2076, 10, 6))
    expect(parseHttpDate('Friday, 31-Dec-76 00:00:00 GMT', now)).toBe(Date.UTC(1976, 11, 31))
    expect(parseHttpDate('Thursday, 01-Jan-26 00:00:00 GMT', now)).toBe(Date.UTC(2026, 0, 1))
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(RFC_EXAMPLE)
    expect(parseHttpDate('Monday, 06-Nov-00 00:00:00 GMT', Date.UTC(1994, 0, 1))).toBe(
      Date.UTC(2000, 10, 6),
    )
  })

  it('checks the weekday is well-formed but not that it matches the date', () => {
    expect(parseHttpDate('Mon, 06 Nov 1994 08:49:37 GMT')).toBe(RFC_EXAMPLE)
    expect(parseHttpDate('Xyz, 06 Nov 1994 08:49:37 GMT')).toBeUndefined()
    expect(parseHttpDate('Sun, 06-Nov-94 08:49:37 GMT')).toBeUndefined()
  })

  it('counts a leap second as the next second', () => {
    expect(parseHttpDate('Sat, 31 Dec 2016 23:59:60 GMT')).toBe(Date.UTC(2017, 0, 1))
  })

  it.each([
    ['lower-case zone', 'Sun, 06 Nov 1994 08:49:37 gmt'],
    ['another zone', 'Sun, 06 Nov 1994 08:49:37 UTC'],
    ['no zone in IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37'],
    ['a zone in asctime', 'Sun Nov  6 08:49:37 1994 GMT'],
    ['one space before a one-digit asctime day', 'Sun Nov 6 08:49:37 1994'],
    ['lower-case month', 'Sun, 06 nov 1994 08:49:37 GMT'],
    ['a day the month lacks', 'Thu, 31 Apr 2025 00:00:00 GMT'],
    ['29 February of a common year', 'Sun, 29 Feb 2026 00:00:00 GMT'],
    ['day 0', 'Sun, 00 Nov 1994 08:49:37 GMT'],
    ['hour 24', 'Sun, 06 Nov 1994 24:00:00 GMT'],
    ['minute 60', 'Sun, 06 Nov 1994 08:60:00 GMT'],
    ['second 61', 'Sun, 06 Nov 1994 08:49:61 GMT'],
    ['trailing text', 'Sun, 06 Nov 1994 08:49:37 GMT x'],
    ['ISO 8601', '1994-11-06T08:49:37Z'],
    ['non-ASCII digits', 'Sun, \u0660\u0666 Nov 1994 08:49:37 GMT'],
  ])('refuses %s', (_, text) => {
    expect(parseHttpDate(text)).toBeUndefined()
  })

  it('reads back every instant written in each of the three forms', () => {
    const now = Date.UTC(2026, 11, 3)
    // Whole seconds from year 1000 to 9999, and, for RFC 850, the century its rule picks.
    const seconds = (from: number, to: number) =>
      fc.integer({ min: from / 1000, max: to / 1000 }).map((s) => s * 1000)
    const anyYear = seconds(Date.UTC(1000, 0, 1), Date.UTC(9999, 11, 31))
    fc.assert(
      fc.property(anyYear, (ms) => {
        expect(parseHttpDate(new Date(ms).toUTCString())).toBe(ms)
        expect(parseHttpDate(asctime(ms))).toBe(ms)
      }),
    )
    const window = seconds(Date.UTC(1976, 11, 4), Date.UTC(2076, 11, 3))
    fc.assert(
      fc.property(window, (ms) => {
        expect(parseHttpDate(rfc850(ms), now)).toBe(ms)
      }),
    )
  })

  it('reads every form as GMT in a process whose TZ is not UTC', async () => {
    const source = fileURLToPath(new URL('../../src/http/_retry.ts', import.meta.url))
    const script = `
      const { parseHttpDate, parseRetryAfter } = await import(${JSON.stringify(source)})
      const now = Date.UTC(1994, 10, 6, 8, 49, 0)
      console.log(JSON.stringify({
        offset: new Date(${RFC_EXAMPLE}).getTimezoneOffset(),
        localAsctime: Date.parse('Sun Nov  6 08:49:37 1994'),
        dates: ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT',
          'Sun Nov  6 08:49:37 1994'].map((text) => [parseHttpDate(text), parseRetryAfter(text, now)]),
      }))`
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { env: { ...process.env, TZ: 'America/New_York' } },
    )
    const out = JSON.parse(stdout)
    // The child really is five hours behind GMT, where Date.parse misreads asctime.
    expect(out.offset).toBe(300)
    expect(out.localAsctime).toBe(RFC_EXAMPLE + 5 * 3600_000)
    expect(out.dates).toEqual([
      [RFC_EXAMPLE, 37_000],
      [RFC_EXAMPLE, 37_000],
      [RFC_EXAMPLE, 37_000],
    ])
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

describe('isRetryStatus (RFC 9110 §15: an unregistered code is its class x00)', () => {
  const defaults = new Set(RETRY_STATUSES)

  it('retries the listed statuses and unregistered 5xx codes when 500 is listed', () => {
    for (const status of [500, 503, 599, 520, 527, 512])
      expect(isRetryStatus(defaults, status)).toBe(true)
  })

  it('never reads a registered code as its class: 501, 505 and 511 are themselves', () => {
    for (const status of [501, 505, 507, 511, 400, 404])
      expect(isRetryStatus(defaults, status)).toBe(false)
  })

  it('follows the list given: without 500, an unregistered 5xx is not retried', () => {
    expect(isRetryStatus(new Set([503]), 599)).toBe(false)
    expect(isRetryStatus(new Set([400]), 499)).toBe(true)
  })

  it('agrees with the class rule for every status from 100 to 599', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), (status) => {
        const expected = defaults.has(status) || (!(status in STATUS_CODES) && status >= 500)
        expect(isRetryStatus(defaults, status)).toBe(expected)
      }),
    )
  })
})
