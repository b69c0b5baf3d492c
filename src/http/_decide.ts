// What to do after one attempt: pure, so every rule is tested without a server.

import type { ResolvedRedirect } from './_options.js'
import { REDIRECT_STATUSES } from './_redirect.js'
import {
  errorRetryDelay,
  IDEMPOTENT_METHODS,
  isRetryStatus,
  type RetrySettings,
  statusRetryDelay,
} from './_retry.js'
import type { HttpHeaders } from './errors.js'

/** What one attempt gave. */
export interface AttemptResult {
  /** The method the attempt was sent with. */
  readonly method: string
  /** The response's status; 0 when the attempt failed before its headers. */
  readonly status: number
  readonly headers: HttpHeaders | undefined
  /** The typed error of a failed attempt (with `status` 0), or of a body read that failed. */
  readonly error?: unknown
  /**
   * It failed before any response byte, on a connection the server may have closed while it
   * sat idle: a kept-alive one (or one whose reuse cannot be told).
   */
  readonly stale?: boolean
}

/** What the call has done so far. */
export interface CallProgress {
  /** Retries made (a replay of a stale connection is not one). */
  readonly retries: number
  /** A stale connection was replayed already. */
  readonly replayed: boolean
}

export interface DecideSettings {
  readonly retry: RetrySettings
  readonly redirect: ResolvedRedirect
}

export type Decision =
  /** Hand the response (or the error) over. */
  | { readonly action: 'deliver' }
  /** Try again after `after` ms; `replay` when it is the one replay of a stale connection. */
  | { readonly action: 'retry'; readonly after: number; readonly replay: boolean }
  /** Follow the redirect to `location` (the header's value, not yet resolved). */
  | { readonly action: 'follow'; readonly location: string }

const DELIVER: Decision = { action: 'deliver' }
const REPLAY: Decision = { action: 'retry', after: 0, replay: true }
const IDEMPOTENT: ReadonlySet<string> = new Set(IDEMPOTENT_METHODS)

/**
 * The next step of a call after `result`:
 * - A stale keep-alive connection is replayed once at once for an idempotent method, even
 *   when retries are off (as Go, curl and aiohttp do); never for `POST`.
 * - A failure is retried when `retry` allows it (idempotent method, transient failure,
 *   retries left), after a backoff; otherwise it is delivered (thrown).
 * - A 301/302/303/307/308 with one non-empty `Location` is followed when redirects are.
 * - A status of `retry.statuses` (or an unregistered one whose class's x00 is listed) is
 *   retried when allowed, after `Retry-After` or a backoff.
 * - Anything else is delivered.
 */
export function decide(
  result: AttemptResult,
  progress: CallProgress,
  settings: DecideSettings,
): Decision {
  const { method, status } = result
  if (status === 0) {
    if (result.stale === true && !progress.replayed && IDEMPOTENT.has(method)) return REPLAY
    const after = errorRetryDelay(settings.retry, method, result.error, progress.retries)
    return after === undefined ? DELIVER : { action: 'retry', after, replay: false }
  }
  if (result.error !== undefined) {
    const after = errorRetryDelay(settings.retry, method, result.error, progress.retries)
    return after === undefined ? DELIVER : { action: 'retry', after, replay: false }
  }
  if (settings.redirect.follow && REDIRECT_STATUSES.has(status)) {
    // An empty Location leads nowhere (curl ignores it; following `''` would only reload the
    // same URL up to the limit), and several are ambiguous: the 3xx is the answer then.
    const location = result.headers?.location
    if (typeof location === 'string' && location.trim() !== '')
      return { action: 'follow', location }
  }
  if (isRetryStatus(settings.retry.statuses, status)) {
    const after = statusRetryDelay(
      settings.retry,
      method,
      status,
      result.headers?.['retry-after'],
      progress.retries,
    )
    if (after !== undefined) return { action: 'retry', after, replay: false }
  }
  return DELIVER
}
