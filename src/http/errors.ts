import { STATUS_CODES } from 'node:http'
import { AsyncWithError } from '../context/index.js'
import { TimeoutError } from '../iter/index.js'

// Every error of the http layer names the request it is about (`method` and `url`) and keeps
// the underlying error, usually undici's, as `cause`. Messages are built from those fields,
// so they read the same wherever the error is thrown.

/** The request an http error is about. */
export interface HttpRequestInfo {
  /** The method as sent, such as `'GET'`. */
  readonly method: string
  /** The URL of the attempt that failed, as an `href` (after redirects: the failing hop). */
  readonly url: string
}

/** Where in an exchange something went wrong. */
export type HttpPhase = 'connect' | 'headers' | 'body'

/** Which of the client's `timeout` limits passed. */
export type HttpTimeoutPhase = HttpPhase | 'total'

/** Response headers, as undici gives them: lower-case names. */
export type HttpHeaders = Readonly<Record<string, string | string[] | undefined>>

/** Options of {@link HttpTimeoutError}. */
export interface HttpTimeoutErrorOptions extends HttpRequestInfo {
  /** Which limit passed. */
  readonly phase: HttpTimeoutPhase
  /** The limit, in ms. */
  readonly ms: number
  /** The underlying error, such as undici's `UND_ERR_HEADERS_TIMEOUT`. */
  readonly cause?: unknown
}

const timeoutWaits: Record<HttpTimeoutPhase, string> = {
  connect: 'connecting to send',
  headers: 'waiting for response headers from',
  body: 'waiting for more of the response body from',
  total: 'for the whole of',
}

/**
 * Thrown by the http client when one of its own `timeout` limits passes: `connect` (opening
 * the connection), `headers` (from sending the request to the response headers), `body` (the
 * longest pause between two chunks of the body, not the time to read all of it) or `total`
 * (the whole call, retries and their waits included). `phase` says which, `ms` the limit.
 *
 * It is a {@link TimeoutError}: its `name` is `'TimeoutError'` and its `code`
 * `'ASYNCWITH_TIMEOUT'`, as for every asyncwith timeout, so one check covers them all. An
 * abort of your own `signal` is not a timeout: its reason is rethrown unchanged.
 *
 * @example
 * import { HttpTimeoutError } from 'asyncwith/http'
 *
 * const error = new HttpTimeoutError({
 *   method: 'GET',
 *   url: 'https://example.com/',
 *   phase: 'headers',
 *   ms: 500,
 * })
 * console.log(error.message)
 * // 'Timed out after 500 ms waiting for response headers from GET https://example.com/'
 */
export class HttpTimeoutError extends TimeoutError {
  readonly method: string
  readonly url: string
  /** Which limit passed. */
  readonly phase: HttpTimeoutPhase
  /** The limit that passed, in ms. */
  readonly ms: number

  /** @param options - The request, the `phase` and `ms` of the limit, and an optional `cause`. */
  constructor(options: HttpTimeoutErrorOptions) {
    super(
      `Timed out after ${options.ms} ms ${timeoutWaits[options.phase]} ${options.method} ${options.url}`,
      _causeOf(options),
    )
    this.method = options.method
    this.url = options.url
    this.phase = options.phase
    this.ms = options.ms
  }
}

/**
 * Tells whether `value` is an {@link HttpTimeoutError}: a `TimeoutError` (by its code) that
 * also names a `phase` and a `url`. Works across duplicate installs of asyncwith.
 *
 * @param value - Anything caught.
 * @returns `true` for timeouts of the http client; `false` for other timeouts.
 * @example
 * import { HttpTimeoutError, isHttpTimeoutError } from 'asyncwith/http'
 *
 * const error = new HttpTimeoutError({ method: 'GET', url: 'https://a.test/', phase: 'total', ms: 1 })
 * isHttpTimeoutError(error) // true
 */
export function isHttpTimeoutError(value: unknown): value is HttpTimeoutError {
  if (!_hasCode(value, 'ASYNCWITH_TIMEOUT')) return false
  const { phase, url } = value as { phase?: unknown; url?: unknown }
  return typeof phase === 'string' && typeof url === 'string'
}

/** Options of {@link HttpStatusError}. */
export interface HttpStatusErrorOptions extends HttpRequestInfo {
  readonly status: number
  /** The reason phrase the server sent; the standard one is used when it is empty. */
  readonly statusText?: string
  readonly headers: HttpHeaders
  readonly cause?: unknown
}

/**
 * Thrown when a response has a status outside 200–299 and you asked for that to be an error
 * (the client does not throw for a status by default: a 404 is still a response). It is
 * thrown after the body was released, so it holds no connection; `status` and `headers` say
 * what the server answered, `url` which URL answered it (after redirects).
 *
 * Match on `code` (`'ASYNCWITH_HTTP_STATUS'`) or with {@link isHttpStatusError}.
 *
 * @example
 * import { HttpStatusError } from 'asyncwith/http'
 *
 * const error = new HttpStatusError({
 *   method: 'GET',
 *   url: 'https://example.com/missing',
 *   status: 404,
 *   headers: { 'content-type': 'text/html' },
 * })
 * console.log(error.message) // 'Request failed with status 404 Not Found: GET https://example.com/missing'
 */
export class HttpStatusError extends AsyncWithError {
  override readonly name = 'HttpStatusError'
  override readonly code = 'ASYNCWITH_HTTP_STATUS'
  readonly method: string
  readonly url: string
  /** The response status, such as `404`. */
  readonly status: number
  /** The reason phrase, such as `'Not Found'`. */
  readonly statusText: string
  /** The response headers. */
  readonly headers: HttpHeaders

  /** @param options - The request, and the `status`, `statusText` and `headers` of the response. */
  constructor(options: HttpStatusErrorOptions) {
    const statusText = options.statusText || STATUS_CODES[options.status] || ''
    const status = statusText === '' ? `${options.status}` : `${options.status} ${statusText}`
    super(
      `Request failed with status ${status}: ${options.method} ${options.url}`,
      _causeOf(options),
    )
    this.method = options.method
    this.url = options.url
    this.status = options.status
    this.statusText = statusText
    this.headers = options.headers
  }
}

/**
 * Tells whether `value` is an {@link HttpStatusError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_HTTP_STATUS'`.
 * @example
 * import { isHttpStatusError } from 'asyncwith/http'
 *
 * isHttpStatusError(new Error('404')) // false
 */
export function isHttpStatusError(value: unknown): value is HttpStatusError {
  return _hasCode(value, 'ASYNCWITH_HTTP_STATUS')
}

/** Options of {@link RedirectLimitError}. */
export interface RedirectLimitErrorOptions extends HttpRequestInfo {
  /** The `redirect.limit` that was reached. */
  readonly limit: number
  /** Every `Location` followed or refused, in order, resolved to `href`s. */
  readonly redirects: readonly string[]
  readonly cause?: unknown
}

/**
 * Thrown when a request is redirected more times than the client's `redirect.limit`. A loop
 * (`/a` → `/b` → `/a` …) ends here too, once it has used up the limit. `url` is the URL
 * first requested and `redirects` every `Location` in order, the one that was not followed
 * last, so you can see where the chain went.
 *
 * Match on `code` (`'ASYNCWITH_REDIRECT_LIMIT'`) or with {@link isRedirectLimitError}.
 *
 * @example
 * import { RedirectLimitError } from 'asyncwith/http'
 *
 * const error = new RedirectLimitError({
 *   method: 'GET',
 *   url: 'https://a.test/',
 *   limit: 1,
 *   redirects: ['https://a.test/b', 'https://a.test/'],
 * })
 * console.log(error.message)
 * // 'GET https://a.test/ was redirected more than 1 time (last to https://a.test/)'
 */
export class RedirectLimitError extends AsyncWithError {
  override readonly name = 'RedirectLimitError'
  override readonly code = 'ASYNCWITH_REDIRECT_LIMIT'
  readonly method: string
  /** The URL first requested. */
  readonly url: string
  /** The limit that was reached. */
  readonly limit: number
  /** Every `Location` met, in order; the last one was not followed. */
  readonly redirects: readonly string[]

  /** @param options - The first request, the `limit`, and the `redirects` met. */
  constructor(options: RedirectLimitErrorOptions) {
    const times = options.limit === 1 ? 'time' : 'times'
    const last = options.redirects.at(-1)
    super(
      `${options.method} ${options.url} was redirected more than ${options.limit} ${times}` +
        (last === undefined ? '' : ` (last to ${last})`),
      _causeOf(options),
    )
    this.method = options.method
    this.url = options.url
    this.limit = options.limit
    this.redirects = options.redirects
  }
}

/**
 * Tells whether `value` is a {@link RedirectLimitError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_REDIRECT_LIMIT'`.
 * @example
 * import { isRedirectLimitError } from 'asyncwith/http'
 *
 * isRedirectLimitError(new Error('too many')) // false
 */
export function isRedirectLimitError(value: unknown): value is RedirectLimitError {
  return _hasCode(value, 'ASYNCWITH_REDIRECT_LIMIT')
}

/** Options of {@link RedirectDowngradeError}. */
export interface RedirectDowngradeErrorOptions extends HttpRequestInfo {
  /** The `http:` URL the `https:` response pointed to. */
  readonly location: string
  readonly cause?: unknown
}

/**
 * Thrown when an `https:` response redirects to an `http:` URL and the client is set to
 * refuse that: following it would send the request, and whatever it carries, in clear text.
 * `url` is the `https:` URL that redirected, `location` where it pointed. It is not thrown
 * for `http:` → `https:`, which is an upgrade.
 *
 * Match on `code` (`'ASYNCWITH_REDIRECT_DOWNGRADE'`) or with {@link isRedirectDowngradeError}.
 *
 * @example
 * import { RedirectDowngradeError } from 'asyncwith/http'
 *
 * const error = new RedirectDowngradeError({
 *   method: 'GET',
 *   url: 'https://a.test/',
 *   location: 'http://a.test/',
 * })
 * console.log(error.message)
 * // 'Refused the redirect of GET https://a.test/ to http://a.test/: it downgrades https: to http:'
 */
export class RedirectDowngradeError extends AsyncWithError {
  override readonly name = 'RedirectDowngradeError'
  override readonly code = 'ASYNCWITH_REDIRECT_DOWNGRADE'
  readonly method: string
  /** The `https:` URL that redirected. */
  readonly url: string
  /** The `http:` URL it redirected to. */
  readonly location: string

  /** @param options - The request that was redirected, and the refused `location`. */
  constructor(options: RedirectDowngradeErrorOptions) {
    super(
      `Refused the redirect of ${options.method} ${options.url} to ${options.location}: ` +
        'it downgrades https: to http:',
      _causeOf(options),
    )
    this.method = options.method
    this.url = options.url
    this.location = options.location
  }
}

/**
 * Tells whether `value` is a {@link RedirectDowngradeError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_REDIRECT_DOWNGRADE'`.
 * @example
 * import { isRedirectDowngradeError } from 'asyncwith/http'
 *
 * isRedirectDowngradeError(new Error('downgrade')) // false
 */
export function isRedirectDowngradeError(value: unknown): value is RedirectDowngradeError {
  return _hasCode(value, 'ASYNCWITH_REDIRECT_DOWNGRADE')
}

/** Options of {@link BodySizeError}. */
export interface BodySizeErrorOptions extends HttpRequestInfo {
  /** The `maxBodySize` that was exceeded, in bytes. */
  readonly limit: number
  /** Decoded bytes counted when the limit was crossed, or the declared `Content-Length`. */
  readonly size: number
  /** `true` when `size` is the `Content-Length` the server declared, before any byte was read. */
  readonly declared?: boolean
  readonly cause?: unknown
}

/**
 * Thrown while a response body is read, as soon as it grows past the client's `maxBodySize`
 * (counted in decoded bytes, after decompression), or before reading when its
 * `Content-Length` already says it is larger. The rest of the body is not read and its
 * connection is closed, so an endless or oversized body costs at most `limit` bytes of memory.
 * `size` is what was counted when it stopped (or the declared length, when `declared`).
 *
 * Match on `code` (`'ASYNCWITH_BODY_TOO_LARGE'`) or with {@link isBodySizeError}.
 *
 * @example
 * import { BodySizeError } from 'asyncwith/http'
 *
 * const error = new BodySizeError({
 *   method: 'GET',
 *   url: 'https://a.test/big',
 *   limit: 1024,
 *   size: 1500,
 * })
 * console.log(error.message)
 * // 'Response body of GET https://a.test/big exceeds maxBodySize (1024 bytes): 1500 bytes read so far'
 */
export class BodySizeError extends AsyncWithError {
  override readonly name = 'BodySizeError'
  override readonly code = 'ASYNCWITH_BODY_TOO_LARGE'
  readonly method: string
  readonly url: string
  /** The limit, in bytes. */
  readonly limit: number
  /** Bytes counted when reading stopped, or the declared length when {@link declared}. */
  readonly size: number
  /** Whether {@link size} is the declared `Content-Length` rather than bytes read. */
  readonly declared: boolean

  /** @param options - The request, the `limit`, and the `size` seen. */
  constructor(options: BodySizeErrorOptions) {
    const declared = options.declared === true
    const seen = declared
      ? `its Content-Length is ${options.size}`
      : `${options.size} bytes read so far`
    super(
      `Response body of ${options.method} ${options.url} exceeds maxBodySize ` +
        `(${options.limit} bytes): ${seen}`,
      _causeOf(options),
    )
    this.method = options.method
    this.url = options.url
    this.limit = options.limit
    this.size = options.size
    this.declared = declared
  }
}

/**
 * Tells whether `value` is a {@link BodySizeError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_BODY_TOO_LARGE'`.
 * @example
 * import { isBodySizeError } from 'asyncwith/http'
 *
 * isBodySizeError(new RangeError('big')) // false
 */
export function isBodySizeError(value: unknown): value is BodySizeError {
  return _hasCode(value, 'ASYNCWITH_BODY_TOO_LARGE')
}

/** Why a body could not be decoded. */
export type DecompressionFailure = 'corrupt' | 'ratio' | 'encodings' | 'unsupported'

/** Options of {@link DecompressionError}. */
export interface DecompressionErrorOptions extends HttpRequestInfo {
  /** The `Content-Encoding` header as the server sent it, such as `'gzip'` or `'gzip, br'`. */
  readonly encoding: string
  /** What went wrong. */
  readonly reason: DecompressionFailure
  /** For `'ratio'` the largest expansion allowed; for `'encodings'` the most codings allowed. */
  readonly limit?: number
  /** The underlying error, such as zlib's `Z_DATA_ERROR`. */
  readonly cause?: unknown
}

/**
 * Thrown while a compressed response body is decoded, when `reason` is:
 * - `'corrupt'`: the bytes are not valid for the `Content-Encoding` (zlib's error is `cause`);
 * - `'ratio'`: the body expands more than `limit` times its compressed size, the mark of a
 *   decompression bomb (a few KiB that decode to GiB), so decoding stops early;
 * - `'encodings'`: the response stacks more than `limit` content codings;
 * - `'unsupported'`: a coding this Node.js cannot decode (`zstd` before Node.js 22.15).
 *
 * A body that is merely too large once decoded is a {@link BodySizeError} instead.
 * Match on `code` (`'ASYNCWITH_DECOMPRESSION'`) or with {@link isDecompressionError}.
 *
 * @example
 * import { DecompressionError } from 'asyncwith/http'
 *
 * const error = new DecompressionError({
 *   method: 'GET',
 *   url: 'https://a.test/',
 *   encoding: 'gzip',
 *   reason: 'ratio',
 *   limit: 100,
 * })
 * console.log(error.message)
 * // 'Response body of GET https://a.test/ expands more than 100 times when decoding gzip (a possible decompression bomb)'
 */
export class DecompressionError extends AsyncWithError {
  override readonly name = 'DecompressionError'
  override readonly code = 'ASYNCWITH_DECOMPRESSION'
  readonly method: string
  readonly url: string
  /** The `Content-Encoding` header as sent. */
  readonly encoding: string
  /** What went wrong. */
  readonly reason: DecompressionFailure
  /** The ratio or coding count that was exceeded, for `'ratio'` and `'encodings'`. */
  readonly limit: number | undefined

  /** @param options - The request, the `encoding`, the `reason`, and its `limit` if any. */
  constructor(options: DecompressionErrorOptions) {
    super(_decompressionMessage(options), _causeOf(options))
    this.method = options.method
    this.url = options.url
    this.encoding = options.encoding
    this.reason = options.reason
    this.limit = options.limit
  }
}

function _decompressionMessage(options: DecompressionErrorOptions): string {
  const request = `${options.method} ${options.url}`
  switch (options.reason) {
    case 'ratio':
      return (
        `Response body of ${request} expands more than ${options.limit} times when decoding ` +
        `${options.encoding} (a possible decompression bomb)`
      )
    case 'encodings': {
      const count = options.encoding.split(',').filter((s) => s.trim() !== '').length
      return (
        `Response of ${request} has ${count} content codings (${options.encoding}), ` +
        `more than the ${options.limit} allowed`
      )
    }
    case 'unsupported':
      return `Response of ${request} uses an unsupported Content-Encoding: ${options.encoding}`
    default: {
      const detail = _messageOf(options.cause)
      return (
        `Could not decode the ${options.encoding} response body of ${request}` +
        (detail === undefined ? '' : `: ${detail}`)
      )
    }
  }
}

/**
 * Tells whether `value` is a {@link DecompressionError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_DECOMPRESSION'`.
 * @example
 * import { isDecompressionError } from 'asyncwith/http'
 *
 * isDecompressionError(Object.assign(new Error('bad'), { code: 'Z_DATA_ERROR' })) // false
 */
export function isDecompressionError(value: unknown): value is DecompressionError {
  return _hasCode(value, 'ASYNCWITH_DECOMPRESSION')
}

/**
 * What happened to a connection: `'refused'` (nothing listens), `'dns'` (the host name does
 * not resolve), `'reset'` (a TCP reset), `'closed'` (the server closed the connection before
 * the response was complete), `'truncated'` (the body ended before its `Content-Length`),
 * `'tls'` (handshake or certificate failure), `'protocol'` (not valid HTTP),
 * `'headers-too-large'` (a header section over the client's `maxHeaderSize`), `'other'`
 * (anything else undici reports: its error is the `cause`).
 */
export type ConnectionFailure =
  | 'refused'
  | 'dns'
  | 'reset'
  | 'closed'
  | 'truncated'
  | 'tls'
  | 'protocol'
  | 'headers-too-large'
  | 'other'

/** Options of {@link ConnectionError}. */
export interface ConnectionErrorOptions extends HttpRequestInfo {
  /** What happened. */
  readonly kind: ConnectionFailure
  /** How far the exchange got: connecting, waiting for headers, or reading the body. */
  readonly phase: HttpPhase
  /** The underlying error, such as undici's `UND_ERR_SOCKET` or Node's `ECONNRESET`. */
  readonly cause?: unknown
}

const connectionKinds: Record<ConnectionFailure, string> = {
  refused: 'Connection refused',
  dns: 'Host not found',
  reset: 'Connection reset',
  closed: 'Connection closed by the server',
  truncated: 'Response body cut short',
  tls: 'TLS failure',
  protocol: 'Invalid HTTP response',
  'headers-too-large': 'Response headers larger than maxHeaderSize',
  other: 'Connection failed',
}

const connectionPhases: Record<HttpPhase, string> = {
  connect: 'while connecting for',
  headers: 'before the response headers of',
  body: 'while reading the response body of',
}

/**
 * Thrown when the network fails under a request: the connection is refused, the host does
 * not resolve, the server resets or closes the connection, the body ends before its declared
 * length or its chunked encoding is cut off, TLS fails, or the reply is not valid HTTP.
 * `kind` says what happened, `phase` how far the exchange got (a failure in `'connect'`
 * means the server never saw the request; later ones mean it may have), and `cause` is the
 * error undici or Node.js reported.
 *
 * Match on `code` (`'ASYNCWITH_CONNECTION'`) or with {@link isConnectionError}.
 *
 * @example
 * import { ConnectionError } from 'asyncwith/http'
 *
 * const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
 * const error = new ConnectionError({
 *   method: 'GET',
 *   url: 'https://a.test/',
 *   kind: 'reset',
 *   phase: 'body',
 *   cause,
 * })
 * console.log(error.message)
 * // 'Connection reset while reading the response body of GET https://a.test/: read ECONNRESET'
 */
export class ConnectionError extends AsyncWithError {
  override readonly name = 'ConnectionError'
  override readonly code = 'ASYNCWITH_CONNECTION'
  readonly method: string
  readonly url: string
  /** What happened. */
  readonly kind: ConnectionFailure
  /** How far the exchange got. */
  readonly phase: HttpPhase

  /** @param options - The request, the `kind` and `phase` of the failure, and its `cause`. */
  constructor(options: ConnectionErrorOptions) {
    const detail = _messageOf(options.cause)
    super(
      `${connectionKinds[options.kind]} ${connectionPhases[options.phase]} ` +
        `${options.method} ${options.url}${detail === undefined ? '' : `: ${detail}`}`,
      _causeOf(options),
    )
    this.method = options.method
    this.url = options.url
    this.kind = options.kind
    this.phase = options.phase
  }
}

/**
 * Tells whether `value` is a {@link ConnectionError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_CONNECTION'`.
 * @example
 * import { isConnectionError } from 'asyncwith/http'
 *
 * isConnectionError(Object.assign(new Error('reset'), { code: 'ECONNRESET' })) // false
 */
export function isConnectionError(value: unknown): value is ConnectionError {
  return _hasCode(value, 'ASYNCWITH_CONNECTION')
}

/** Options of {@link InvalidRequestError}. */
export interface InvalidRequestErrorOptions extends HttpRequestInfo {
  /** What is wrong, naming the bad method or header and its value. */
  readonly problem: string
}

/**
 * Thrown, before anything is sent, for a method or header the caller gave that cannot be
 * sent: a method that is not a token (or CONNECT, TRACE, TRACK), a header name that is not a
 * token, a value with a line break or a control character, a header the client manages.
 *
 * Match on `code` (`'ASYNCWITH_INVALID_REQUEST'`) or with {@link isInvalidRequestError}.
 *
 * @example
 * import { InvalidRequestError } from 'asyncwith/http'
 *
 * const error = new InvalidRequestError({
 *   method: 'GET',
 *   url: 'http://127.0.0.1/',
 *   problem: 'header `x-a` value contains a line break (CR or LF)',
 * })
 * console.log(error.message)
 * // 'Cannot send GET http://127.0.0.1/: header `x-a` value contains a line break (CR or LF)'
 */
export class InvalidRequestError extends AsyncWithError {
  override readonly name = 'InvalidRequestError'
  override readonly code = 'ASYNCWITH_INVALID_REQUEST'
  readonly method: string
  readonly url: string
  /** What is wrong. */
  readonly problem: string

  /** @param options - The request and its `problem`. */
  constructor(options: InvalidRequestErrorOptions) {
    super(`Cannot send ${options.method} ${options.url}: ${options.problem}`)
    this.method = options.method
    this.url = options.url
    this.problem = options.problem
  }
}

/**
 * Tells whether `value` is an {@link InvalidRequestError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_INVALID_REQUEST'`.
 * @example
 * import { isInvalidRequestError } from 'asyncwith/http'
 *
 * isInvalidRequestError(new TypeError('Invalid header')) // false
 */
export function isInvalidRequestError(value: unknown): value is InvalidRequestError {
  return _hasCode(value, 'ASYNCWITH_INVALID_REQUEST')
}

/** Options of {@link InvalidUrlError}. */
export interface InvalidUrlErrorOptions {
  /** The URL exactly as given: a malformed string, a `URL` with another scheme, anything. */
  readonly input: unknown
  /** The method of the request that could not be sent. */
  readonly method: string
  /** When `input` is a redirect's `Location`: the URL that sent it. */
  readonly redirectedFrom?: string
  /** The underlying error, such as the `TypeError` of `new URL()`. */
  readonly cause?: unknown
}

/**
 * Thrown, before anything is sent, for a URL the client cannot request: not a string or
 * `URL`, not an absolute URL, or a scheme other than `http:` and `https:`. It is also thrown
 * for a redirect whose `Location` is such a URL, with `redirectedFrom` set. `input` is kept
 * exactly as given (`fetchAll` reports it unchanged); `url` is its text, for messages.
 *
 * Match on `code` (`'ASYNCWITH_INVALID_URL'`) or with {@link isInvalidUrlError}.
 *
 * @example
 * import { InvalidUrlError } from 'asyncwith/http'
 *
 * const error = new InvalidUrlError({ input: 'ftp://a.test/file', method: 'GET' })
 * console.log(error.message)
 * // 'Cannot GET ftp://a.test/file: the scheme ftp: is not supported, use http: or https:'
 */
export class InvalidUrlError extends AsyncWithError {
  override readonly name = 'InvalidUrlError'
  override readonly code = 'ASYNCWITH_INVALID_URL'
  readonly method: string
  /** `input` as text; it may not be a valid URL. */
  readonly url: string
  /** The URL exactly as given. */
  readonly input: unknown
  /** The URL whose redirect pointed to `input`, if it came from a `Location`. */
  readonly redirectedFrom: string | undefined

  /** @param options - The `input`, the `method`, and where a redirect came from. */
  constructor(options: InvalidUrlErrorOptions) {
    const url = options.input instanceof URL ? options.input.href : _safeString(options.input)
    const shown = _display(options.input)
    const action =
      options.redirectedFrom === undefined
        ? `Cannot ${options.method} ${shown}`
        : `Cannot follow the redirect of ${options.method} ${options.redirectedFrom} to ${shown}`
    super(`${action}: ${_urlProblem(options.input)}`, _causeOf(options))
    this.method = options.method
    this.url = url
    this.input = options.input
    this.redirectedFrom = options.redirectedFrom
  }
}

function _display(input: unknown): string {
  if (typeof input === 'string') return input.length > 200 ? `${input.slice(0, 200)}…` : input
  if (input instanceof URL) return input.href
  return `\`${_safeString(input)}\` (${input === null ? 'null' : typeof input})`
}

/** `String(value)`, except that it never throws (a null-prototype object, a throwing toString). */
function _safeString(value: unknown): string {
  try {
    return String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

function _urlProblem(input: unknown): string {
  if (typeof input !== 'string' && !(input instanceof URL)) return 'expected a string or URL'
  let url: URL
  try {
    url = new URL(String(input))
  } catch {
    return 'expected an absolute http: or https: URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `the scheme ${url.protocol} is not supported, use http: or https:`
  }
  return 'expected an absolute http: or https: URL with a host'
}

/**
 * Tells whether `value` is an {@link InvalidUrlError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_INVALID_URL'`.
 * @example
 * import { isInvalidUrlError } from 'asyncwith/http'
 *
 * isInvalidUrlError(new TypeError('Invalid URL')) // false
 */
export function isInvalidUrlError(value: unknown): value is InvalidUrlError {
  return _hasCode(value, 'ASYNCWITH_INVALID_URL')
}

/** Options of {@link ClientClosedError}. */
export interface ClientClosedErrorOptions extends HttpRequestInfo {
  /** `true` when the request had started and closing the client cut it off. */
  readonly inFlight?: boolean
  readonly cause?: unknown
}

/**
 * Thrown when you use an `HttpClient` you already closed: a request made after leaving its
 * `withContext` or `await using` scope (or after `close()`), or one still in flight, or its
 * body still being read, when the client closed. It means "you closed it", not "the network
 * broke" (that is {@link ConnectionError}); `inFlight` tells the two cases apart.
 *
 * Match on `code` (`'ASYNCWITH_CLIENT_CLOSED'`) or with {@link isClientClosedError}.
 *
 * @example
 * import { ClientClosedError } from 'asyncwith/http'
 *
 * const error = new ClientClosedError({ method: 'GET', url: 'https://a.test/' })
 * console.log(error.message)
 * // 'Cannot GET https://a.test/: the HttpClient is closed; send requests before leaving its scope'
 */
export class ClientClosedError extends AsyncWithError {
  override readonly name = 'ClientClosedError'
  override readonly code = 'ASYNCWITH_CLIENT_CLOSED'
  readonly method: string
  readonly url: string
  /** Whether the request had started when the client closed. */
  readonly inFlight: boolean

  /** @param options - The request, and whether it was already in flight. */
  constructor(options: ClientClosedErrorOptions) {
    const inFlight = options.inFlight === true
    super(
      inFlight
        ? `${options.method} ${options.url} was cut off because the HttpClient closed`
        : `Cannot ${options.method} ${options.url}: the HttpClient is closed; ` +
            'send requests before leaving its scope',
      _causeOf(options),
    )
    this.method = options.method
    this.url = options.url
    this.inFlight = inFlight
  }
}

/**
 * Tells whether `value` is a {@link ClientClosedError}, by its `code`.
 *
 * @param value - Anything caught.
 * @returns `true` when `value` is an `Error` whose `code` is `'ASYNCWITH_CLIENT_CLOSED'`.
 * @example
 * import { ClientClosedError, isClientClosedError } from 'asyncwith/http'
 *
 * isClientClosedError(new ClientClosedError({ method: 'GET', url: 'https://a.test/' })) // true
 */
export function isClientClosedError(value: unknown): value is ClientClosedError {
  return _hasCode(value, 'ASYNCWITH_CLIENT_CLOSED')
}

function _hasCode(value: unknown, code: string): boolean {
  return value instanceof Error && (value as { code?: unknown }).code === code
}

function _causeOf(options: { readonly cause?: unknown }): { cause: unknown } | undefined {
  return 'cause' in options ? { cause: options.cause } : undefined
}

function _messageOf(cause: unknown): string | undefined {
  if (cause instanceof Error) return cause.message === '' ? cause.name : cause.message
  return undefined
}
