// The options of HttpClient and of one request: the client's public vocabulary.
import type { RateLimitOptions, RedirectOptions, RetryOptions, TimeoutOptions } from './_options.js'
import type { ConnectionError } from './errors.js'
import type { HostGate } from './host-gate.js'

/** Options for {@link HttpClient}. Every field is optional. */
export interface HttpClientOptions {
  /**
   * Sockets per origin (scheme, host and port), and so requests in flight per origin.
   * @defaultValue 64
   */
  readonly connections?: number
  /**
   * Requests in flight per host name, across its ports and schemes.
   * @defaultValue Infinity
   */
  readonly perHost?: number
  /**
   * How long an idle kept-alive socket stays open, in ms; `false` closes each after use.
   * @defaultValue 4000
   */
  readonly keepAlive?: number | false
  /** Time limits in ms: `connect`, `headers`, `body` (idle), `total`; a number sets `total`. */
  readonly timeout?: TimeoutOptions | number | false
  /** Retries for idempotent methods on connection errors and 408/429/5xx; a number sets `limit`. */
  readonly retry?: RetryOptions | number | false
  /** Redirect handling; `false` returns 3xx responses instead of following them. */
  readonly redirect?: RedirectOptions | false
  /**
   * Most decoded bytes a response body may have; `false` for no limit.
   * @defaultValue 64 MiB
   */
  readonly maxBodySize?: number | false
  /**
   * Decode gzip, deflate, br (and zstd where Node.js has it); `maxRatio` bounds the expansion.
   * @defaultValue true, with `maxRatio` 1000
   */
  readonly decompress?: boolean | { readonly maxRatio?: number }
  /** A token bucket per host name: at most `rate` requests start every `per` ms. */
  readonly rateLimit?: RateLimitOptions | false
  /**
   * Decides when a request to a host may start, in place of the client's own `perHost` and
   * `rateLimit` (the per-origin `connections` stay local). Asked before every attempt: the
   * first try, each retry and each redirect hop. See {@link HostGate}.
   * @defaultValue `localHostGate({ perHost, rateLimit })`
   */
  readonly hostGate?: HostGate
  /**
   * Largest response header section accepted, in bytes; a larger one fails the request with
   * a {@link ConnectionError} of kind `'headers-too-large'`.
   * @defaultValue 65536
   */
  readonly maxHeaderSize?: number
  /** Headers sent with every request (a request's own headers win). */
  readonly headers?: Readonly<Record<string, string>>
  /** Closes the client when it aborts. */
  readonly signal?: AbortSignal
  /**
   * TLS for `https:` origins. Certificates are verified by default; give `ca` to trust a
   * private authority (or a self-signed test server) rather than turning verification off.
   */
  readonly tls?: TlsOptions
}

/** TLS settings for `https:` origins. */
export interface TlsOptions {
  /** Certificate authorities to trust, in PEM, instead of Node.js's bundled ones. */
  readonly ca?: string | Uint8Array | ReadonlyArray<string | Uint8Array>
  /**
   * Verify the server's certificate.
   * @defaultValue true
   */
  readonly rejectUnauthorized?: boolean
}

/** A request body: sent as is, so a retry or a 307/308 redirect can send it again. */
export type RequestBody = string | Uint8Array | URLSearchParams

/** Options for one request; they override the client's. */
export interface RequestOptions {
  /** Request headers, merged over the client's. */
  readonly headers?: Readonly<Record<string, string>>
  /** The body. */
  readonly body?: RequestBody
  /** A value sent as JSON (sets `content-type: application/json`); instead of `body`. */
  readonly json?: unknown
  /** Aborts the request and the reading of its body, with `signal.reason`. */
  readonly signal?: AbortSignal
  /** Time limits for this request (`connect` is the client's only). */
  readonly timeout?: TimeoutOptions | number | false
  readonly retry?: RetryOptions | number | false
  readonly redirect?: RedirectOptions | false
  readonly maxBodySize?: number | false
  /**
   * Throw an {@link HttpStatusError} (after releasing the body) for a status outside 200–299.
   * @defaultValue false
   */
  readonly throwOnStatus?: boolean
}

/** Counters from {@link HttpClient.statistics}. */
export interface HttpClientStatistics {
  /** Calls started and not finished (body not yet read, released or received in full). */
  readonly active: number
  /** Responses handed over whose body still holds a connection (not read or received yet). */
  readonly openResponses: number
  readonly closed: boolean
}
