// The client's options, checked once and resolved to plain settings.
import type { DecompressSettings } from './_response-init.js'
import { IDEMPOTENT_METHODS, RETRY_STATUSES, type RetrySettings } from './_retry.js'

/**
 * Per-phase time limits, in ms; `false` disables one. Every limit runs on the client's own
 * timer, whatever its size.
 */
export interface TimeoutOptions {
  /**
   * Opening the connection (TCP and TLS).
   * @defaultValue 10000
   */
  readonly connect?: number | false
  /**
   * From sending the request to receiving the response headers (a `1xx` interim response
   * does not restart it).
   * @defaultValue 30000
   */
  readonly headers?: number | false
  /**
   * The longest pause between two chunks of the body (not the time to read all of it).
   * @defaultValue 30000
   */
  readonly body?: number | false
  /**
   * The whole call: every try, the waits between them, redirects, and reading the body.
   * @defaultValue false
   */
  readonly total?: number | false
}

/** When to try again. */
export interface RetryOptions {
  /**
   * Retries after the first try.
   * @defaultValue 2
   */
  readonly limit?: number
  /**
   * The first backoff step in ms; each retry doubles it, with full jitter.
   * @defaultValue 300
   */
  readonly baseDelay?: number
  /**
   * Bound on every wait before a retry. A `Retry-After` asking for longer is not waited for:
   * that response is reported as it is.
   * @defaultValue 30000
   */
  readonly maxDelay?: number
  /**
   * Methods that may be retried.
   * @defaultValue GET, HEAD, OPTIONS, PUT, DELETE, TRACE (the idempotent ones)
   */
  readonly methods?: readonly string[]
  /**
   * Statuses that are retried.
   * @defaultValue 408, 429, 500, 502, 503, 504
   */
  readonly statuses?: readonly number[]
}

/** How redirects are followed. */
export interface RedirectOptions {
  /**
   * The most redirects followed for one request; one more is a `RedirectLimitError`.
   * @defaultValue 10
   */
  readonly limit?: number
  /**
   * Follow `https:` to `http:` redirects (refused by default: a `RedirectDowngradeError`).
   * @defaultValue false
   */
  readonly allowDowngrade?: boolean
}

/** A token bucket per host. */
export interface RateLimitOptions {
  /** Requests allowed every `per` ms. */
  readonly rate: number
  /**
   * The period of `rate`, in ms.
   * @defaultValue 1000
   */
  readonly per?: number
  /**
   * How many may start at once after a quiet spell.
   * @defaultValue `rate`
   */
  readonly burst?: number
}

export interface ResolvedTimeouts {
  readonly connect: number
  readonly headers: number
  readonly body: number
  readonly total: number
}

export interface ResolvedRedirect {
  /** `false` when redirects are returned as responses instead of followed. */
  readonly follow: boolean
  readonly limit: number
  readonly allowDowngrade: boolean
}

const MiB = 1024 * 1024

export const DEFAULTS = {
  connections: 64,
  keepAlive: 4000,
  timeout: { connect: 10_000, headers: 30_000, body: 30_000, total: Number.POSITIVE_INFINITY },
  retry: { limit: 2, baseDelay: 300, maxDelay: 30_000 },
  redirect: { follow: true, limit: 10, allowDowngrade: false },
  maxBodySize: 64 * MiB,
  maxHeaderSize: 64 * 1024,
  decompress: { enabled: true, maxRatio: 1000, ratioFloor: MiB },
} as const

function describe(value: unknown): string {
  let text: string
  try {
    text = typeof value === 'symbol' ? value.toString() : (JSON.stringify(value) ?? String(value))
  } catch {
    text = String(value)
  }
  return `\`${text}\` (${value === null ? 'null' : typeof value})`
}

export function checkLimit(name: string, value: unknown, allowInfinity = true): number {
  const expected = allowInfinity ? 'a positive integer or Infinity' : 'a positive integer'
  const message = `Expected \`${name}\` to be ${expected}, got ${describe(value)}`
  if (typeof value !== 'number') throw new TypeError(message)
  if (value === Number.POSITIVE_INFINITY && allowInfinity) return value
  if (!Number.isInteger(value) || value < 1) throw new RangeError(message)
  return value
}

function checkCount(name: string, value: unknown): number {
  const message = `Expected \`${name}\` to be a non-negative integer, got ${describe(value)}`
  if (typeof value !== 'number') throw new TypeError(message)
  if (!Number.isInteger(value) || value < 0) throw new RangeError(message)
  return value
}

/** A duration in ms, or `false`/`Infinity` for none (resolved to `Infinity`). */
function checkMs(name: string, value: unknown): number {
  if (value === false || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY
  const message = `Expected \`${name}\` to be a positive number of milliseconds or false, got ${describe(value)}`
  if (typeof value !== 'number') throw new TypeError(message)
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(message)
  return value
}

function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`Expected \`${name}\` to be a boolean, got ${describe(value)}`)
  }
  return value
}

/** A positive finite number (rates and periods need not be integers). */
function checkPositive(name: string, value: unknown): number {
  const message = `Expected \`${name}\` to be a positive finite number, got ${describe(value)}`
  if (typeof value !== 'number') throw new TypeError(message)
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(message)
  return value
}

function checkObject(name: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`Expected \`${name}\` to be an object, got ${describe(value)}`)
  }
}

export function resolveTimeouts(
  value: TimeoutOptions | number | false | undefined,
  base: ResolvedTimeouts = DEFAULTS.timeout,
): ResolvedTimeouts {
  if (value === undefined) return base
  if (value === false) {
    const none = Number.POSITIVE_INFINITY
    return { connect: none, headers: none, body: none, total: none }
  }
  if (typeof value === 'number') return { ...base, total: checkMs('timeout', value) }
  checkObject('timeout', value)
  return {
    connect: value.connect === undefined ? base.connect : checkMs('timeout.connect', value.connect),
    headers: value.headers === undefined ? base.headers : checkMs('timeout.headers', value.headers),
    body: value.body === undefined ? base.body : checkMs('timeout.body', value.body),
    total: value.total === undefined ? base.total : checkMs('timeout.total', value.total),
  }
}

export function resolveRetry(
  value: RetryOptions | number | false | undefined,
  base?: RetrySettings,
): RetrySettings {
  const start: RetrySettings = base ?? {
    ...DEFAULTS.retry,
    methods: new Set(IDEMPOTENT_METHODS),
    statuses: new Set(RETRY_STATUSES),
  }
  if (value === undefined) return start
  if (value === false) return { ...start, limit: 0 }
  if (typeof value === 'number') return { ...start, limit: checkCount('retry', value) }
  checkObject('retry', value)
  return {
    limit: value.limit === undefined ? start.limit : checkCount('retry.limit', value.limit),
    baseDelay:
      value.baseDelay === undefined ? start.baseDelay : checkMs('retry.baseDelay', value.baseDelay),
    maxDelay:
      value.maxDelay === undefined ? start.maxDelay : checkCount('retry.maxDelay', value.maxDelay),
    methods: value.methods === undefined ? start.methods : checkMethods(value.methods),
    statuses: value.statuses === undefined ? start.statuses : checkStatuses(value.statuses),
  }
}

function checkMethods(value: unknown): ReadonlySet<string> {
  const message = `Expected \`retry.methods\` to be an array of HTTP methods, got ${describe(value)}`
  if (!Array.isArray(value)) throw new TypeError(message)
  for (const method of value) {
    if (typeof method !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method)) {
      throw new TypeError(message)
    }
  }
  return new Set(value.map((method: string) => method.toUpperCase()))
}

function checkStatuses(value: unknown): ReadonlySet<number> {
  const message = `Expected \`retry.statuses\` to be an array of HTTP statuses (100-599), got ${describe(value)}`
  if (!Array.isArray(value)) throw new TypeError(message)
  for (const status of value) {
    if (typeof status !== 'number') throw new TypeError(message)
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new RangeError(message)
  }
  return new Set(value as number[])
}

export function resolveRedirect(
  value: RedirectOptions | false | undefined,
  base: ResolvedRedirect = DEFAULTS.redirect,
): ResolvedRedirect {
  if (value === undefined) return base
  if (value === false) return { ...base, follow: false }
  checkObject('redirect', value)
  return {
    follow: true,
    limit: value.limit === undefined ? base.limit : checkCount('redirect.limit', value.limit),
    allowDowngrade:
      value.allowDowngrade === undefined
        ? base.allowDowngrade
        : checkBoolean('redirect.allowDowngrade', value.allowDowngrade),
  }
}

export function resolveMaxBodySize(value: number | false | undefined, base: number): number {
  if (value === undefined) return base
  if (value === false || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY
  return checkCount('maxBodySize', value)
}

export function resolveDecompress(
  value: boolean | { readonly maxRatio?: number } | undefined,
): DecompressSettings {
  if (value === undefined || value === true) return DEFAULTS.decompress
  if (value === false) return { ...DEFAULTS.decompress, enabled: false }
  checkObject('decompress', value)
  return {
    ...DEFAULTS.decompress,
    maxRatio:
      value.maxRatio === undefined
        ? DEFAULTS.decompress.maxRatio
        : checkLimit('decompress.maxRatio', value.maxRatio),
  }
}

export function resolveHeaders(
  name: string,
  value: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {}
  if (value === undefined) return out
  checkObject(name, value)
  for (const [key, text] of Object.entries(value)) {
    if (typeof text !== 'string') {
      throw new TypeError(`Expected \`${name}.${key}\` to be a string, got ${describe(text)}`)
    }
    out[key.toLowerCase()] = text
  }
  return out
}

/** Checks `rateLimit` here, so its errors name `rateLimit.rate` rather than `rate`. */
export function resolveRateLimit(
  value: RateLimitOptions | false | undefined,
): RateLimitOptions | undefined {
  if (value === undefined || value === false) return undefined
  checkObject('rateLimit', value)
  const rate = checkPositive('rateLimit.rate', value.rate)
  const per = value.per === undefined ? 1000 : checkPositive('rateLimit.per', value.per)
  const burst = value.burst === undefined ? Math.max(1, rate) : value.burst
  const message = `Expected \`rateLimit.burst\` to be a finite number of 1 or more, got ${describe(burst)}`
  if (typeof burst !== 'number') throw new TypeError(message)
  if (!Number.isFinite(burst) || burst < 1) throw new RangeError(message)
  return { rate, per, burst }
}

/** Checks that `value` is an `AbortSignal` (or absent). */
export function checkSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value
  throw new TypeError(`Expected \`${name}\` to be an AbortSignal, got ${describe(value)}`)
}

/** `keepAlive`: a positive number of ms, or `false`. */
export function resolveKeepAlive(value: unknown): number | false {
  if (value === undefined) return DEFAULTS.keepAlive
  if (value === false) return false
  const message = `Expected \`keepAlive\` to be a positive number of ms or false, got ${describe(value)}`
  if (typeof value !== 'number') throw new TypeError(message)
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(message)
  return value
}

/** TLS settings resolved for undici's connector. */
export type ResolvedTls = { ca?: Array<string | Uint8Array>; rejectUnauthorized?: boolean }

export function resolveTls(
  tls:
    | {
        readonly ca?: string | Uint8Array | ReadonlyArray<string | Uint8Array>
        readonly rejectUnauthorized?: boolean
      }
    | undefined,
): ResolvedTls {
  if (tls === undefined) return {}
  if (typeof tls !== 'object' || tls === null || Array.isArray(tls)) {
    throw new TypeError('Expected `tls` to be an object')
  }
  const resolved: ResolvedTls = {}
  if (tls.ca !== undefined) {
    const list = Array.isArray(tls.ca) ? tls.ca : [tls.ca]
    for (const entry of list) {
      if (typeof entry !== 'string' && !(entry instanceof Uint8Array)) {
        throw new TypeError('Expected `tls.ca` to be PEM text or bytes, or an array of them')
      }
    }
    resolved.ca = [...list] as Array<string | Uint8Array>
  }
  if (tls.rejectUnauthorized !== undefined) {
    if (typeof tls.rejectUnauthorized !== 'boolean') {
      throw new TypeError('Expected `tls.rejectUnauthorized` to be a boolean')
    }
    resolved.rejectUnauthorized = tls.rejectUnauthorized
  }
  return resolved
}

/** `maxHeaderSize`: bytes of a response header section; at least 1 KiB. */
export function resolveMaxHeaderSize(value: unknown): number {
  if (value === undefined) return DEFAULTS.maxHeaderSize
  const message = `Expected \`maxHeaderSize\` to be an integer of 1024 or more (bytes), got ${describe(value)}`
  if (typeof value !== 'number') throw new TypeError(message)
  if (!Number.isInteger(value) || value < 1024) throw new RangeError(message)
  return value
}
