// When to try a request again, and how long to wait first.
import { STATUS_CODES } from 'node:http'
import { isConnectionError, isHttpTimeoutError, isProxyError } from './errors.js'

/** Retry settings, resolved from the client's `retry` option. */
export interface RetrySettings {
  /** Retries after the first try. */
  readonly limit: number
  /** First backoff step, in ms; each retry doubles it. */
  readonly baseDelay: number
  /** Bound on every wait before a retry, `Retry-After` included. */
  readonly maxDelay: number
  readonly methods: ReadonlySet<string>
  readonly statuses: ReadonlySet<number>
}

/** Methods that mean the same when sent twice (RFC 9110, section 9.2.2). */
export const IDEMPOTENT_METHODS: readonly string[] = [
  'GET',
  'HEAD',
  'OPTIONS',
  'PUT',
  'DELETE',
  'TRACE',
]

/** Statuses worth another try: the server said "not now", or a gateway failed. */
export const RETRY_STATUSES: readonly number[] = [408, 429, 500, 502, 503, 504]

/**
 * Whether `status` is one of `statuses`, reading a status code nobody registered as the x00
 * of its class (RFC 9110, section 15: a client "MUST ... treat an unrecognized status code as
 * being equivalent to the x00 status code of that class"): with 500 listed, 599 and
 * Cloudflare's 520-527 are retried too. Registered codes (Node.js's `STATUS_CODES`) are only
 * themselves, so 501 is not retried.
 *
 * @example
 * isRetryStatus(new Set([500]), 599) // true
 */
export function isRetryStatus(statuses: ReadonlySet<number>, status: number): boolean {
  if (statuses.has(status)) return true
  return STATUS_CODES[status] === undefined && statuses.has(status - (status % 100))
}

/**
 * Reads `Retry-After` (RFC 9110, section 10.2.3): delay-seconds or an HTTP date in any of
 * its three forms (see {@link parseHttpDate}). Gives milliseconds to wait (0 for a date in the
 * past), or `undefined` when absent or unreadable, so that a bad value is ignored.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim()
  if (text === undefined || text === '') return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = parseHttpDate(text, now)
  if (date === undefined) return undefined
  return Math.max(0, date - now)
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)'
const MONTH = `(${MONTHS.join('|')})`
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})'
// The three grammars of RFC 9110, section 5.6.7, exactly: HTTP-date is case-sensitive.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`)
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`)
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} (\\d{2}| \\d) ${TIME} (\\d{4})$`)

/**
 * Reads an HTTP-date (RFC 9110, section 5.6.7) as epoch milliseconds, or `undefined` when it
 * is none. All three forms are accepted, and all are GMT whatever the process's `TZ` is:
 * - IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`;
 * - obsolete RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`, whose two-digit year is the one that
 *   is not more than 50 years after `now`;
 * - asctime `Sun Nov  6 08:49:37 1994`, which names no zone (so `Date.parse` would read it
 *   as local time).
 *
 * The weekday must be well-formed but is not checked against the date, as in Go's
 * `http.ParseTime`. A day that the month does not have, such as 31 Apr, is refused.
 */
export function parseHttpDate(text: string, now: number = Date.now()): number | undefined {
  let match = IMF_FIXDATE.exec(text)
  if (match !== null) {
    const [, day, month, year, hour, minute, second] = match as unknown as string[]
    return _utc(Number(year), month!, Number(day), hour!, minute!, second!)
  }
  match = ASCTIME_DATE.exec(text)
  if (match !== null) {
    const [, month, day, hour, minute, second, year] = match as unknown as string[]
    return _utc(Number(year), month!, Number(day), hour!, minute!, second!)
  }
  match = RFC850_DATE.exec(text)
  if (match !== null) {
    const [, day, month, yy, hour, minute, second] = match as unknown as string[]
    // "More than 50 years in the future" means the latest past year with those digits: of
    // the years ending in `yy`, take the latest not more than 50 years after `now`.
    const limit = new Date(now)
    limit.setUTCFullYear(limit.getUTCFullYear() + 50)
    let year = Math.floor(limit.getUTCFullYear() / 100) * 100 + Number(yy)
    for (;;) {
      const date = _utc(year, month!, Number(day), hour!, minute!, second!)
      if (date === undefined || date <= limit.getTime()) return date
      year -= 100
    }
  }
  return undefined
}

function _utc(
  year: number,
  monthName: string,
  day: number,
  hour: string,
  minute: string,
  second: string,
): number | undefined {
  const month = MONTHS.indexOf(monthName)
  const h = Number(hour)
  const m = Number(minute)
  const s = Number(second)
  // Second 60 is a leap second (RFC 9110 allows it); epoch time has none, so it rolls over.
  if (h > 23 || m > 59 || s > 60) return undefined
  const date = new Date(0)
  // setUTCFullYear, unlike Date.UTC, keeps years below 100 as they are.
  date.setUTCFullYear(year, month, day)
  if (date.getUTCMonth() !== month || date.getUTCDate() !== day) return undefined
  return date.getTime() + ((h * 60 + m) * 60 + s) * 1000
}

/**
 * Exponential backoff with full jitter (a uniformly random wait up to the exponential step),
 * which spreads retries of many clients apart. `retry` counts from 1.
 */
export function backoffDelay(
  retry: number,
  settings: RetrySettings,
  random: () => number = Math.random,
): number {
  const step = Math.min(settings.maxDelay, settings.baseDelay * 2 ** (retry - 1))
  return Math.floor(random() * step)
}

/**
 * How long to wait before retrying a response with `status`, or `undefined` not to retry:
 * the status or method does not qualify, the retries are used up, or the server's
 * `Retry-After` asks for longer than `maxDelay` (then the response is reported as it is). A
 * `Retry-After` is a floor and is used without jitter; without one, backoff applies.
 */
export function statusRetryDelay(
  settings: RetrySettings,
  method: string,
  status: number,
  retryAfter: string | string[] | undefined,
  retriesDone: number,
): number | undefined {
  if (retriesDone >= settings.limit) return undefined
  if (!settings.methods.has(method) || !isRetryStatus(settings.statuses, status)) return undefined
  const asked = parseRetryAfter(retryAfter)
  if (asked !== undefined) return asked <= settings.maxDelay ? asked : undefined
  return backoffDelay(retriesDone + 1, settings)
}

/** Whether `error` or one of its causes is a resolver's "try again later" (`EAI_AGAIN`). */
function isTemporaryDnsFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current != null && depth < 5; depth++) {
    if ((current as { code?: unknown }).code === 'EAI_AGAIN') return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

/**
 * How long to wait before retrying after `error`, or `undefined` not to retry. Connection
 * failures and the `connect`, `headers` and `body` timeouts qualify (for idempotent methods);
 * a temporary DNS failure (`EAI_AGAIN`) once, as the first retry only; a proxy's refusal
 * when its status is retried (never 407: the same credentials would be refused again); the
 * `total` timeout, aborts, TLS failures, names that do not exist, and everything else do not.
 */
export function errorRetryDelay(
  settings: RetrySettings,
  method: string,
  error: unknown,
  retriesDone: number,
): number | undefined {
  if (retriesDone >= settings.limit || !settings.methods.has(method)) return undefined
  if (isHttpTimeoutError(error)) {
    return error.phase === 'total' ? undefined : backoffDelay(retriesDone + 1, settings)
  }
  if (isProxyError(error)) {
    const retried = error.status !== 407 && isRetryStatus(settings.statuses, error.status)
    return retried ? backoffDelay(retriesDone + 1, settings) : undefined
  }
  if (isConnectionError(error)) {
    if (error.kind === 'dns') {
      const once = retriesDone === 0 && isTemporaryDnsFailure(error)
      return once ? backoffDelay(retriesDone + 1, settings) : undefined
    }
    const transient = error.kind !== 'tls' && error.kind !== 'protocol'
    return transient ? backoffDelay(retriesDone + 1, settings) : undefined
  }
  return undefined
}
