// When to try a request again, and how long to wait first.
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
 * Reads `Retry-After` (RFC 9110, section 10.2.3): delay-seconds or an HTTP date. Gives
 * milliseconds to wait (0 for a date in the past), or `undefined` when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim()
  if (text === undefined || text === '') return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // HTTP dates name a weekday or month; this keeps Date.parse from reading '-1' as a year.
  if (!/[A-Za-z]{3}/.test(text)) return undefined
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
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
  if (!settings.methods.has(method) || !settings.statuses.has(status)) return undefined
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
    const retried = error.status !== 407 && settings.statuses.has(error.status)
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
