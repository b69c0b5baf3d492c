import { Buffer } from 'node:buffer'
import type { Socket } from 'node:net'
import * as zlib from 'node:zlib'
import { buildConnector, type Dispatcher, errors } from 'undici'
import type { AsyncContextManager } from '../context/index.js'
import { type Permit, RateLimiter, sleep } from '../task/index.js'
import { classifyError } from './_classify.js'
import { KeyedSemaphores } from './_keyed-semaphores.js'
import { Dispatchers, type DnsOptions, resolveHttp2, resolveNetwork } from './_network.js'
import {
  checkLimit,
  checkSignal,
  DEFAULTS,
  type RateLimitOptions,
  type RedirectOptions,
  type ResolvedRedirect,
  type ResolvedTimeouts,
  type RetryOptions,
  resolveDecompress,
  resolveHeaders,
  resolveKeepAlive,
  resolveMaxBodySize,
  resolveRateLimit,
  resolveRedirect,
  resolveRetry,
  resolveTimeouts,
  type TimeoutOptions,
} from './_options.js'
import { proxyErrorOf } from './_proxy-agent.js'
import { type HopRequest, nextHop, REDIRECT_STATUSES } from './_redirect.js'
import type { DecompressSettings } from './_response-init.js'
import { errorRetryDelay, type RetrySettings, statusRetryDelay } from './_retry.js'
import { VERSION } from './_version.js'
import {
  ClientClosedError,
  HttpStatusError,
  HttpTimeoutError,
  InvalidUrlError,
  RedirectLimitError,
} from './errors.js'
import { type FetchAllOptions, type FetchOutcome, fetchAll } from './fetch-all.js'
import { HttpResponse } from './http-response.js'
import { RequestContext } from './request-context.js'

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
  /** Headers sent with every request (a request's own headers win). */
  readonly headers?: Readonly<Record<string, string>>
  /** Closes the client when it aborts. */
  readonly signal?: AbortSignal
  /**
   * TLS for `https:` origins. Certificates are verified by default; give `ca` to trust a
   * private authority (or a self-signed test server) rather than turning verification off.
   */
  readonly tls?: TlsOptions
  /**
   * Offer HTTP/2 by ALPN to `https:` origins (HTTP/1.1 when the server declines). Then
   * `connections` caps the streams in flight per origin; once a connection has negotiated
   * HTTP/2, new streams share it (a cold burst may open up to `connections` sockets first).
   * @defaultValue false
   */
  readonly http2?: boolean
  /**
   * The proxy: `'env'` reads `http_proxy`, `https_proxy`, `all_proxy` and `no_proxy` (or
   * their upper-case names) as curl does; a URL sends every request through that `http:` or
   * `https:` proxy (`https:` URLs by `CONNECT`); its `user:password@` becomes
   * `Proxy-Authorization`, sent to the proxy only. `false` never reads the environment.
   * @defaultValue false
   */
  readonly proxy?: 'env' | string | URL | false
  /**
   * Hosts that bypass the proxy, comma- or space-separated, with curl's `NO_PROXY` rules:
   * `example.com` (and subdomains), `10.0.0.0/8`, `::1`, `host:8080`, or `*`. It replaces the
   * environment's `no_proxy` with `proxy: 'env'`.
   */
  readonly noProxy?: string
  /**
   * Host name resolution: `ttl` (ms a name's addresses are reused; `false` looks up for every
   * connection) and `lookup` (a `dns.lookup`-shaped resolver); `false` for no cache.
   * @defaultValue `{ ttl: 60000 }` with `dns.lookup`
   */
  readonly dns?: DnsOptions | false
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
  /** Offer HTTP/2 to this request's `https:` origin (see the client's `http2`). */
  readonly http2?: boolean
}

/** Counters from {@link HttpClient.statistics}. */
export interface HttpClientStatistics {
  /** Calls started and not finished (body not yet read or released). */
  readonly active: number
  /** Responses whose body is still open. */
  readonly openResponses: number
  readonly closed: boolean
}

/** @internal What one call to the client resolved to. */
export interface Prepared {
  readonly method: string
  readonly input: unknown
  readonly url: URL
  readonly headers: Record<string, string>
  readonly body: string | Uint8Array | undefined
  readonly signal: AbortSignal | undefined
  readonly timeouts: ResolvedTimeouts
  readonly retry: RetrySettings
  readonly redirect: ResolvedRedirect
  readonly maxBodySize: number
  readonly throwOnStatus: boolean
  readonly http2: boolean
}

/** @internal Progress of one call, read by `fetchAll` even when the call fails. */
export interface CallState {
  /** What the reader gave for the response that was handed over. */
  result?: unknown
  attempts: number
  url: string
  headersAt: number
}

/** @internal Reads a response to the end inside the retry loop. */
export type BodyReader<T> = (response: HttpResponse) => Promise<T>

const DISCARD_LIMIT = 128 * 1024

/**
 * undici's headers and body timers tick about once a second, so a limit below this many ms
 * gets a precise timer of our own; longer limits, where a second late is noise, use undici's
 * and save two timers per request.
 */
const PRECISE_BELOW = 5000

/** @internal A response's headers, and what ties its body to the attempt. */
interface Exchange {
  readonly data: Dispatcher.ResponseData
  /** Aborts with the call's reason; undici stops reading the body then. */
  readonly attemptSignal: AbortSignal
  /** Stops forwarding the call's abort to the attempt (once the body is done). */
  readonly detach: () => void
}

function noop(): void {}

/** undici's value for a time limit: 0 turns its timer off. */
function undiciMs(ms: number): number {
  return ms === Number.POSITIVE_INFINITY ? 0 : ms
}

/**
 * The calls that follow one signal (a user's signal shared by many requests, the client's
 * own), linked through their scopes: one listener on the signal for all of them, as Node.js
 * warns of a leak past ten, and none left once the calls are done. A list rather than a Set
 * of callbacks: following and leaving allocate nothing.
 */
interface Fanout {
  head: CallScope | undefined
  fired: boolean
  readonly listener: () => void
}

const fanouts = new WeakMap<AbortSignal, Fanout>()

/** Makes `scope` abort with `signal`'s reason when `signal` aborts; {@link unfollow} stops it. */
function follow(signal: AbortSignal, scope: CallScope): void {
  let fanout = fanouts.get(signal)
  if (fanout === undefined) {
    const entry: Fanout = {
      head: undefined,
      fired: false,
      listener: () => {
        entry.fired = true
        fanouts.delete(signal)
        const scopes: CallScope[] = []
        for (let node = entry.head; node !== undefined; node = node.fanNext) scopes.push(node)
        for (const node of scopes) if (node.fanout === entry) node.abort(signal.reason)
      },
    }
    fanout = entry
    fanouts.set(signal, fanout)
    signal.addEventListener('abort', fanout.listener, { once: true })
  }
  scope.fanout = fanout
  scope.fanNext = fanout.head
  if (fanout.head !== undefined) fanout.head.fanPrev = scope
  fanout.head = scope
}

function unfollow(signal: AbortSignal, scope: CallScope): void {
  const fanout = scope.fanout
  if (fanout === undefined) return
  const { fanPrev: prev, fanNext: next } = scope
  if (prev !== undefined) prev.fanNext = next
  else fanout.head = next
  if (next !== undefined) next.fanPrev = prev
  scope.fanout = undefined
  scope.fanPrev = undefined
  scope.fanNext = undefined
  if (fanout.head !== undefined || fanout.fired) return
  if (fanouts.get(signal) === fanout) fanouts.delete(signal)
  signal.removeEventListener('abort', fanout.listener)
}

/**
 * One call's abort state. The user's signal, the client's close and the `total` timer abort
 * it; the attempt in flight follows through `onAbort`. A real `AbortSignal` is only made for
 * the waits that need one (a permit, a rate-limit token, a backoff), so the common path
 * creates one AbortController per attempt and adds no event listener.
 */
class CallScope {
  aborted = false
  reason: unknown
  /** Set by the attempt in flight. */
  onAbort: ((reason: unknown) => void) | undefined
  #controller: AbortController | undefined
  readonly method: string
  readonly url: string
  /** The client's list of calls (see `HttpClient.#calls`). */
  prev: CallScope | undefined
  next: CallScope | undefined
  /** The call returned (or gave its response away): it is no longer aborted by `close()`. */
  finished = false
  /** The call's response while its body is open. */
  response: HttpResponse | undefined
  /** The `total` timer. */
  timer: ReturnType<typeof setTimeout> | undefined
  /** The list of the user's signal this call follows (see {@link follow}). */
  fanout: Fanout | undefined
  fanPrev: CallScope | undefined
  fanNext: CallScope | undefined

  constructor(method: string, url: string) {
    this.method = method
    this.url = url
  }

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.#controller?.abort(reason)
    this.onAbort?.(reason)
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.aborted) this.#controller.abort(this.reason)
    }
    return this.#controller.signal
  }
}

/**
 * The abort handle of one attempt, handed to undici as its request `signal` (undici takes any
 * object with `addEventListener` or `on`) and to the response. An `AbortController` and its
 * EventTarget cost more than the rest of an attempt's bookkeeping, and nothing here needs
 * more than a list of listeners.
 */
class AttemptSignal {
  aborted = false
  reason: unknown
  #listeners: Array<() => void> | undefined

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const listeners = this.#listeners
    this.#listeners = undefined
    if (listeners !== undefined) for (const listener of listeners) listener()
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return
    if (this.#listeners === undefined) this.#listeners = [listener]
    else this.#listeners.push(listener)
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners
    if (listeners === undefined) return
    const index = listeners.indexOf(listener)
    if (index !== -1) listeners.splice(index, 1)
  }

  /** The same handle, typed as what undici's and the response's signatures name. */
  asSignal(): AbortSignal {
    return this as unknown as AbortSignal
  }
}

const NO_PERMIT_MARK: Permit = new KeyedSemaphores(Number.POSITIVE_INFINITY).tryAcquire(
  '',
) as Permit

function bothPermits(host: Permit, origin: Permit): Permit {
  let released = false
  const result: Permit = {
    release() {
      if (released) return
      released = true
      origin.release()
      host.release()
    },
    [Symbol.dispose]() {
      result.release()
    },
  }
  return result
}

type ResolvedTls = { ca?: Array<string | Uint8Array>; rejectUnauthorized?: boolean }

function resolveTls(tls: TlsOptions | undefined): ResolvedTls {
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

function acceptEncoding(): string {
  return typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function'
    ? 'gzip, deflate, br, zstd'
    : 'gzip, deflate, br'
}

/** Parses `input` as an http(s) URL, or throws the {@link InvalidUrlError} naming it. */
export function parseHttpUrl(input: unknown, method: string): URL {
  let url: URL
  if (input instanceof URL) url = new URL(input.href)
  else if (typeof input === 'string') {
    try {
      url = new URL(input.trim())
    } catch (cause) {
      throw new InvalidUrlError({ input, method, cause })
    }
  } else throw new InvalidUrlError({ input, method })
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidUrlError({ input, method })
  return url
}

/** Ends a body we do not want, keeping the socket when the rest is small. */
async function discard(body: Dispatcher.ResponseData['body'], signal: AbortSignal): Promise<void> {
  try {
    await body.dump({ limit: DISCARD_LIMIT, signal })
  } catch {
    // destroy() emits 'error', which would crash the process without a listener.
    body.on('error', noop)
    body.destroy()
  }
}

/**
 * The HTTP client of the Python example, made real on undici: a pool per origin, limits per
 * host, timeouts for each phase, retries with backoff, redirects that drop credentials when
 * they leave the origin, bounded and decoded bodies, and sockets that are always given back.
 *
 * It is an `AsyncContextManager` and `AsyncDisposable`: leaving it aborts what is still in
 * flight, releases unread responses and closes every socket. Requests made after that fail
 * with {@link ClientClosedError}.
 *
 * @example
 * import { HttpClient } from 'asyncwith/http'
 *
 * await using client = new HttpClient({ timeout: { total: 10_000 }, retry: { limit: 3 } })
 * const response = await client.get('http://127.0.0.1:8080/')
 * console.log(response.status, await response.text())
 */
export class HttpClient implements AsyncContextManager<HttpClient, void>, AsyncDisposable {
  readonly #dispatchers: Dispatchers
  readonly #http2: boolean
  readonly #closing = new AbortController()
  readonly #origins: KeyedSemaphores
  readonly #hosts: KeyedSemaphores
  readonly #rateLimit: RateLimitOptions | undefined
  readonly #limiters = new Map<string, RateLimiter>()
  readonly #headers: Record<string, string>
  readonly #timeouts: ResolvedTimeouts
  readonly #retry: RetrySettings
  readonly #redirect: ResolvedRedirect
  readonly #maxBodySize: number
  readonly #decompress: DecompressSettings
  /**
   * Calls not finished, and finished calls whose response is still open: an intrusive list,
   * so a call adds and removes itself without a Set's table churn.
   */
  #calls: CallScope | undefined
  #openResponses = 0
  #active = 0
  /** undici requests not settled yet, including ones whose call has moved on. */
  #dispatched = 0
  /** Sockets still connecting: undici cannot abort them, so closing destroys them itself. */
  readonly #connecting = new Set<Socket>()
  #closed: Promise<void> | undefined
  #removeSignal: (() => void) | undefined

  /**
   * @param options - Limits, timeouts, retries, redirects and default headers.
   * @throws {TypeError | RangeError} If an option has the wrong type or range; the message
   *   names it.
   */
  constructor(options: HttpClientOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('Expected `options` to be an object')
    }
    const connections = checkLimit('connections', options.connections ?? DEFAULTS.connections)
    const perHost = checkLimit('perHost', options.perHost ?? Number.POSITIVE_INFINITY)
    const keepAlive = resolveKeepAlive(options.keepAlive)
    const signal = checkSignal('signal', options.signal)
    this.#timeouts = resolveTimeouts(options.timeout)
    this.#retry = resolveRetry(options.retry)
    this.#redirect = resolveRedirect(options.redirect)
    this.#maxBodySize = resolveMaxBodySize(options.maxBodySize, DEFAULTS.maxBodySize)
    this.#decompress = resolveDecompress(options.decompress)
    this.#rateLimit = resolveRateLimit(options.rateLimit)
    this.#headers = {
      'user-agent': `asyncwith/${VERSION}`,
      ...(this.#decompress.enabled ? { 'accept-encoding': acceptEncoding() } : {}),
      ...resolveHeaders('headers', options.headers),
    }
    this.#origins = new KeyedSemaphores(connections)
    this.#hosts = new KeyedSemaphores(perHost)
    const finite = (ms: number) => (ms === Number.POSITIVE_INFINITY ? 0 : ms)
    const tls = resolveTls(options.tls)
    const network = resolveNetwork(options, process.env)
    this.#http2 = network.http2
    // One Pool per origin rather than an Agent: an Agent can stop reusing connections to an
    // origin after one of its sockets was destroyed (nodejs/undici#5022).
    this.#dispatchers = new Dispatchers(
      network,
      {
        connections: connections === Number.POSITIVE_INFINITY ? null : connections,
        pipelining: keepAlive === false ? 0 : 1,
        keepAliveTimeout: keepAlive === false ? 1 : keepAlive,
        headersTimeout: finite(this.#timeouts.headers),
        bodyTimeout: finite(this.#timeouts.body),
      },
      tls,
      finite(this.#timeouts.connect),
      (extra) => this.#connector(finite(this.#timeouts.connect), { ...tls, ...extra }),
    )
    if (signal !== undefined) {
      const onAbort = () => void this.close()
      if (signal.aborted) onAbort()
      else {
        signal.addEventListener('abort', onAbort, { once: true })
        this.#removeSignal = () => signal.removeEventListener('abort', onAbort)
      }
    }
  }

  /**
   * Starts a request. The returned {@link RequestContext} is awaitable (gives the
   * {@link HttpResponse}) and a context manager (releases the response on exit).
   *
   * @param method - The HTTP method, such as `'GET'` (case-insensitive).
   * @param url - An absolute `http:` or `https:` URL, as a string or `URL`.
   * @param options - Headers, body, signal and per-request limits.
   * @returns The request context.
   * @throws {@link InvalidUrlError} (when awaited) For a malformed URL or another scheme.
   * @throws {@link HttpTimeoutError} (when awaited) When a time limit passes.
   * @throws {@link ConnectionError} (when awaited) When the network fails and retries ran out.
   * @throws {@link ClientClosedError} (when awaited) When the client is or gets closed.
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * const response = await client.request('POST', 'http://127.0.0.1:8080/items', { json: { a: 1 } })
   * console.log(response.status)
   * await response.release()
   */
  request(method: string, url: string | URL, options?: RequestOptions): RequestContext {
    return new RequestContext(() =>
      this.#call(this.prepare(method, url, options), undefined, undefined),
    )
  }

  /** `request('GET', url, options)`. */
  get(url: string | URL, options?: RequestOptions): RequestContext {
    return this.request('GET', url, options)
  }

  /** `request('HEAD', url, options)`. */
  head(url: string | URL, options?: RequestOptions): RequestContext {
    return this.request('HEAD', url, options)
  }

  /** `request('POST', url, options)`. */
  post(url: string | URL, options?: RequestOptions): RequestContext {
    return this.request('POST', url, options)
  }

  /** `request('PUT', url, options)`. */
  put(url: string | URL, options?: RequestOptions): RequestContext {
    return this.request('PUT', url, options)
  }

  /** `request('PATCH', url, options)`. */
  patch(url: string | URL, options?: RequestOptions): RequestContext {
    return this.request('PATCH', url, options)
  }

  /** `request('DELETE', url, options)`. */
  delete(url: string | URL, options?: RequestOptions): RequestContext {
    return this.request('DELETE', url, options)
  }

  /**
   * Fetches every URL of `inputs` concurrently and yields one outcome per input, never
   * throwing for one bad URL: see {@link fetchAll} for the outcome's shape and the options.
   *
   * @param inputs - URLs, from an array, a generator or an async iterable (read lazily).
   * @param options - `concurrency`, `ordered`, `read`, `signal`, and request options.
   * @returns An async pipeline of outcomes.
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * for await (const outcome of client.fetchAll(['http://127.0.0.1:8080/a', 'not a url'])) {
   *   console.log(outcome.ok ? outcome.status : outcome.error.code)
   * }
   */
  fetchAll<T = string>(
    inputs: Iterable<unknown> | AsyncIterable<unknown>,
    options?: FetchAllOptions<T>,
  ): ReturnType<typeof fetchAll<T>> {
    return fetchAll<T>(this, inputs, options)
  }

  /** Enters the client (for `withContext`); gives the client itself. */
  async enter(): Promise<HttpClient> {
    return this
  }

  /** Closes the client: see {@link HttpClient.close}. Never suppresses. */
  async exit(): Promise<void> {
    await this.close()
  }

  /** Closes the client: see {@link HttpClient.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /**
   * Closes the client: requests in flight are aborted with a {@link ClientClosedError}, unread
   * responses are released, and every socket is closed (gracefully for up to a second, then
   * destroyed; destroyed at once while an aborted request is still connecting). Idempotent;
   * later requests fail with `ClientClosedError`.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutDown()
    return this.#closed
  }

  /** Counters for monitoring. */
  statistics(): HttpClientStatistics {
    return {
      active: this.#active,
      openResponses: this.#openResponses,
      closed: this.#closed !== undefined,
    }
  }

  /** @internal Resolves a call's options against the client's. Throws for bad options. */
  prepare(method: string, input: unknown, options: RequestOptions = {}): Prepared {
    if (typeof method !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method)) {
      throw new TypeError(`Expected \`method\` to be an HTTP method, got \`${String(method)}\``)
    }
    const upper = method.toUpperCase()
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('Expected `options` to be an object')
    }
    const headers = { ...this.#headers, ...resolveHeaders('options.headers', options.headers) }
    const signal = checkSignal('options.signal', options.signal)
    let body: string | Uint8Array | undefined
    if (options.json !== undefined && options.body !== undefined) {
      throw new TypeError('Expected one of `options.json` and `options.body`, got both')
    }
    if (options.json !== undefined) {
      body = JSON.stringify(options.json)
      headers['content-type'] ??= 'application/json'
    } else if (options.body instanceof URLSearchParams) {
      body = options.body.toString()
      headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8'
    } else if (typeof options.body === 'string' || options.body instanceof Uint8Array) {
      body = options.body
    } else if (options.body !== undefined) {
      throw new TypeError('Expected `options.body` to be a string, Uint8Array or URLSearchParams')
    }
    const url = parseHttpUrl(input, upper)
    if ((url.username !== '' || url.password !== '') && headers.authorization === undefined) {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
      headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`
    }
    url.username = ''
    url.password = ''
    url.hash = ''
    return {
      method: upper,
      input,
      url,
      headers,
      body,
      signal,
      timeouts: resolveTimeouts(options.timeout, this.#timeouts),
      retry: resolveRetry(options.retry, this.#retry),
      redirect: resolveRedirect(options.redirect, this.#redirect),
      maxBodySize: resolveMaxBodySize(options.maxBodySize, this.#maxBodySize),
      throwOnStatus: options.throwOnStatus === true,
      http2: resolveHttp2('options.http2', options.http2, this.#http2),
    }
  }

  /**
   * @internal Like {@link HttpClient.prepare} for one more input of a batch whose options were
   * resolved once in `template`: only the URL is parsed.
   */
  prepareFrom(template: Prepared, input: unknown): Prepared {
    const url = parseHttpUrl(input, template.method)
    let headers = template.headers
    if (url.username !== '' || url.password !== '' || url.hash !== '') {
      if ((url.username !== '' || url.password !== '') && headers.authorization === undefined) {
        const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
        headers = {
          ...headers,
          authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
        }
      }
      url.username = ''
      url.password = ''
      url.hash = ''
    }
    return { ...template, input, url, headers }
  }

  /**
   * @internal One call: tries, redirects and retries until a response to hand over (or, with
   * `reader`, a body read to the end). `state` records attempts for `fetchAll`.
   */
  call(prepared: Prepared, reader: BodyReader<unknown>, state: CallState): Promise<HttpResponse> {
    return this.#call(prepared, reader, state)
  }

  /**
   * Starts one call: its abort scope, the `total` timer, and the tries. Not an async
   * function: the tries are the only promise a call needs.
   */
  #call(
    prepared: Prepared,
    reader: BodyReader<unknown> | undefined,
    state: CallState | undefined,
  ): Promise<HttpResponse> {
    const { method: firstMethod, url: firstUrl } = prepared
    if (this.#closed !== undefined) {
      return Promise.reject(new ClientClosedError({ method: firstMethod, url: firstUrl.href }))
    }
    try {
      this.#active++
      const scope = new CallScope(firstMethod, firstUrl.href)
      this.#link(scope)
      const user = prepared.signal
      if (user?.aborted) scope.abort(user.reason)
      else if (user !== undefined) follow(user, scope)
      const total = prepared.timeouts.total
      if (total !== Number.POSITIVE_INFINITY && !scope.aborted) {
        scope.timer = globalThis.setTimeout(() => {
          scope.abort(
            new HttpTimeoutError({
              method: firstMethod,
              url: firstUrl.href,
              phase: 'total',
              ms: total,
            }),
          )
        }, total)
      }
      return this.#tries(prepared, reader, state, scope)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** The call is over (its response, if handed over, is done): once. */
  #finish(scope: CallScope, user: AbortSignal | undefined): void {
    if (scope.finished) return
    scope.finished = true
    this.#active--
    if (scope.response === undefined) this.#unlink(scope)
    if (user !== undefined) unfollow(user, scope)
    if (scope.timer !== undefined) globalThis.clearTimeout(scope.timer)
  }

  #link(scope: CallScope): void {
    const head = this.#calls
    scope.next = head
    if (head !== undefined) head.prev = scope
    this.#calls = scope
  }

  #unlink(scope: CallScope): void {
    const { prev, next } = scope
    if (prev !== undefined) prev.next = next
    else if (this.#calls === scope) this.#calls = next
    if (next !== undefined) next.prev = prev
    scope.prev = undefined
    scope.next = undefined
  }

  async #tries(
    prepared: Prepared,
    reader: BodyReader<unknown> | undefined,
    state: CallState | undefined,
    scope: CallScope,
  ): Promise<HttpResponse> {
    let handedOver = false
    try {
      const { retry, redirect, timeouts } = prepared
      const connectMs = this.#timeouts.connect
      let hop: HopRequest = {
        method: prepared.method,
        url: prepared.url,
        headers: prepared.headers,
        body: prepared.body,
      }
      let redirects: string[] | undefined
      let retries = 0
      for (;;) {
        if (scope.aborted) throw scope.reason
        if (state !== undefined) {
          state.attempts = retries + 1
          state.url = hop.url.href
        }
        const permit = this.#tryPermit(hop.url) ?? (await this.#permit(hop.url, scope.signal))
        let exchange: Exchange
        try {
          exchange = await this.#exchange(
            hop,
            scope,
            timeouts.headers,
            timeouts.body,
            permit,
            prepared.http2,
          )
        } catch (error) {
          if (scope.aborted) throw scope.reason
          const typed = classifyError(error, 'headers', hop.method, hop.url.href, {
            connect: connectMs,
            headers: timeouts.headers,
            body: timeouts.body,
          })
          const delay = errorRetryDelay(retry, hop.method, typed, retries)
          if (delay === undefined) throw typed
          retries++
          await sleep(delay, { signal: scope.signal })
          continue
        }
        const { data, attemptSignal, detach } = exchange
        if (scope.aborted) {
          // Aborted (or the client closed) while the headers were being handed over.
          data.body.on('error', noop)
          data.body.destroy()
          detach()
          permit.release()
          throw scope.reason
        }
        if (state !== undefined) state.headersAt = Date.now()
        const status = data.statusCode
        if (redirect.follow && REDIRECT_STATUSES.has(status)) {
          const location = data.headers.location
          if (typeof location === 'string') {
            await discard(data.body, attemptSignal)
            detach()
            permit.release()
            if (scope.aborted) throw scope.reason
            const next = nextHop(hop, status, location, redirect.allowDowngrade)
            redirects ??= []
            redirects.push(next.url.href)
            if (redirects.length > redirect.limit) {
              throw new RedirectLimitError({
                method: prepared.method,
                url: prepared.url.href,
                limit: redirect.limit,
                redirects,
              })
            }
            hop = next
            continue
          }
        }
        if (retries < retry.limit && retry.statuses.has(status)) {
          const statusDelay = statusRetryDelay(
            retry,
            hop.method,
            status,
            data.headers['retry-after'],
            retries,
          )
          if (statusDelay !== undefined) {
            await discard(data.body, attemptSignal)
            detach()
            permit.release()
            retries++
            await sleep(statusDelay, { signal: scope.signal })
            continue
          }
        }
        const current = hop
        const response: HttpResponse = new HttpResponse({
          method: hop.method,
          url: hop.url.href,
          status,
          headers: data.headers,
          body: data.body,
          redirects: redirects === undefined ? [] : [...redirects],
          attempts: retries + 1,
          maxBodySize: prepared.maxBodySize,
          bodyTimeout: timeouts.body < PRECISE_BELOW ? timeouts.body : undefined,
          decompress: this.#decompress,
          signal: attemptSignal,
          signalDrivesBody: true,
          classify: (error, phase) =>
            classifyError(error, phase, current.method, current.url.href, {
              connect: connectMs,
              headers: timeouts.headers,
              body: timeouts.body,
            }),
          onDone: () => {
            detach()
            permit.release()
            if (scope.response === response) {
              scope.response = undefined
              this.#openResponses--
              if (scope.finished) this.#unlink(scope)
            }
            if (reader === undefined) this.#finish(scope, prepared.signal)
          },
        })
        scope.response = response
        this.#openResponses++
        if (prepared.throwOnStatus && (status < 200 || status > 299)) {
          await response.release()
          throw new HttpStatusError({
            method: hop.method,
            url: hop.url.href,
            status,
            headers: data.headers,
          })
        }
        if (reader === undefined) {
          handedOver = true
          return response
        }
        try {
          const result = await reader(response)
          if (state !== undefined) state.result = result
          return response
        } catch (error) {
          await response.release()
          if (scope.aborted) throw scope.reason
          const delay = errorRetryDelay(retry, hop.method, error, retries)
          if (delay === undefined) throw error
          retries++
          await sleep(delay, { signal: scope.signal })
        }
      }
    } finally {
      if (!handedOver) this.#finish(scope, prepared.signal)
    }
  }

  /**
   * Sends one request and waits for its headers. Our own timer bounds the wait for headers
   * (undici's timers are coarse), and the wait is raced against the call's abort, because
   * undici ignores an abort while it is still connecting. Whatever undici settles with later
   * is cleaned up, and only then is the permit released, so undici never queues a request.
   * The call reaches the attempt through `scope.onAbort`, with no event listener.
   */
  #exchange(
    hop: HopRequest,
    scope: CallScope,
    headersMs: number,
    bodyMs: number,
    permit: Permit,
    http2: boolean,
  ): Promise<Exchange> {
    const attempt = new AttemptSignal()
    // The call may have been aborted while this attempt was being given its permit.
    if (scope.aborted) attempt.abort(scope.reason)
    const forward = (reason: unknown) => attempt.abort(reason)
    const detach = () => {
      if (scope.onAbort === forward) scope.onAbort = undefined
    }
    const route = this.#dispatchers.get(hop.url, http2)
    return new Promise<Exchange>((resolve, reject) => {
      let settled = false
      let timer: ReturnType<typeof setTimeout> | undefined
      const fail = (error: unknown) => {
        if (settled) return
        settled = true
        if (timer !== undefined) globalThis.clearTimeout(timer)
        detach()
        reject(error)
      }
      scope.onAbort = (reason) => {
        attempt.abort(reason)
        fail(reason)
      }
      if (headersMs < PRECISE_BELOW) {
        timer = globalThis.setTimeout(() => {
          const error = new HttpTimeoutError({
            method: hop.method,
            url: hop.url.href,
            phase: 'headers',
            ms: headersMs,
          })
          attempt.abort(error)
          fail(error)
        }, headersMs)
      }
      if (attempt.aborted) fail(attempt.reason)
      this.#dispatched++
      // undici's callback form: no promise of its own per request. It never calls back from
      // inside `request()`: errors come in a microtask, headers from the socket's parser.
      route.dispatcher.request(
        {
          origin: hop.url.origin,
          path: `${hop.url.pathname}${hop.url.search}`,
          method: hop.method as Dispatcher.HttpMethod,
          headers: hop.headers,
          body: hop.body,
          signal: attempt.asSignal(),
          // Below PRECISE_BELOW our own timer runs and undici's is a backstop, a little later.
          headersTimeout: undiciMs(headersMs < PRECISE_BELOW ? headersMs + 1000 : headersMs),
          bodyTimeout: undiciMs(bodyMs),
        },
        (error, data) => {
          this.#dispatched--
          if (error !== null) {
            permit.release()
            const proxy = route.proxy
            fail(
              proxy === undefined
                ? error
                : (proxyErrorOf(error, hop.method, hop.url.href, proxy) ?? error),
            )
            return
          }
          if (settled) {
            // Too late: the caller has moved on. Free the socket, then the permit, outside
            // undici's parser (this runs inside its headers callback).
            queueMicrotask(() => {
              data.body.on('error', noop)
              data.body.destroy()
              permit.release()
            })
            return
          }
          settled = true
          if (timer !== undefined) globalThis.clearTimeout(timer)
          // From now on an abort of the call stops the body: undici follows the attempt's signal.
          scope.onAbort = forward
          resolve({ data, attemptSignal: attempt.asSignal(), detach })
        },
      )
    })
  }

  /**
   * undici's connector, with two changes. The connect timeout runs on a native timer
   * (undici's own ticks about once a second, so a 300 ms limit fired after ~1 s). And the
   * sockets still connecting are kept in `#connecting`: undici neither aborts a connect nor
   * destroys a connecting socket when its pool is destroyed (the socket lives on until its
   * connect timeout, keeping the process alive), so `close()` destroys them.
   */
  #connector(timeout: number, tls: Record<string, unknown>): buildConnector.connector {
    const connect = buildConnector({ timeout: 0, ...tls } as buildConnector.BuildOptions)
    const connecting = this.#connecting
    return (options, callback) => {
      let socket: Socket | undefined
      let settled = false
      let timer: ReturnType<typeof setTimeout> | undefined
      const done: buildConnector.Callback = (...args) => {
        settled = true
        globalThis.clearTimeout(timer)
        if (socket !== undefined) connecting.delete(socket)
        callback(...args)
      }
      // The connector returns the socket it made (its type says `void`).
      socket = (connect as (...args: unknown[]) => unknown)(options, done) as Socket | undefined
      if (socket === undefined || settled) return
      const connectingSocket = socket
      connecting.add(connectingSocket)
      if (timeout > 0) {
        timer = globalThis.setTimeout(() => {
          if (settled) return
          const address = `${options.hostname}:${options.port || (options.protocol === 'https:' ? 443 : 80)}`
          connectingSocket.destroy(
            new errors.ConnectTimeoutError(
              `Connect Timeout Error (attempted address: ${address}, timeout: ${timeout}ms)`,
            ),
          )
        }, timeout)
      }
    }
  }

  /** The permits of one attempt without waiting, when both are free and no rate limit applies. */
  #tryPermit(url: URL): Permit | undefined {
    if (this.#rateLimit !== undefined) return undefined
    const host = this.#hosts.tryAcquire(url.hostname)
    if (host === undefined) return undefined
    const origin = this.#origins.tryAcquire(url.origin)
    if (origin === undefined) {
      host.release()
      return undefined
    }
    if (host === NO_PERMIT_MARK) return origin
    return bothPermits(host, origin)
  }

  /**
   * The permits one attempt needs: its host's, its origin's, and then a rate-limit token.
   * The token comes last so that the limit spaces the starts of requests, not the moments
   * they began to wait for a connection.
   */
  async #permit(url: URL, signal: AbortSignal): Promise<Permit> {
    const host = await this.#hosts.acquire(url.hostname, signal)
    let origin: Permit
    try {
      origin = await this.#origins.acquire(url.origin, signal)
      if (this.#rateLimit !== undefined) {
        try {
          await this.#limiter(url.hostname).take({ signal })
        } catch (error) {
          origin.release()
          throw error
        }
      }
    } catch (error) {
      host.release()
      throw error
    }
    return bothPermits(host, origin)
  }

  #limiter(host: string): RateLimiter {
    let limiter = this.#limiters.get(host)
    if (limiter === undefined) {
      if (this.#limiters.size >= 10_000) this.#forgetFullLimiters()
      limiter = new RateLimiter(this.#rateLimit as RateLimitOptions)
      this.#limiters.set(host, limiter)
    }
    return limiter
  }

  // A limiter whose bucket is full and has no waiter is the same as a new one: drop it.
  #forgetFullLimiters(): void {
    for (const [host, limiter] of this.#limiters) {
      const stats = limiter.statistics()
      if (stats.waiting === 0 && stats.tokens >= stats.burst) this.#limiters.delete(host)
    }
  }

  async #shutDown(): Promise<void> {
    this.#removeSignal?.()
    this.#closing.abort()
    const calls: CallScope[] = []
    for (let scope = this.#calls; scope !== undefined; scope = scope.next) calls.push(scope)
    for (const scope of calls) {
      if (scope.finished) continue
      scope.abort(new ClientClosedError({ method: scope.method, url: scope.url, inFlight: true }))
    }
    const open: HttpResponse[] = []
    for (let scope = this.#calls; scope !== undefined; scope = scope.next) {
      if (scope.response !== undefined) open.push(scope.response)
    }
    await Promise.all(open.map((response) => response.release().catch(() => {})))
    for (const socket of this.#connecting) {
      socket.destroy(new Error('The HttpClient closed while this socket was connecting'))
    }
    this.#connecting.clear()
    const pools = this.#dispatchers.all()
    if (this.#dispatched > 0) {
      // Every call was aborted above, so an undici request still pending has been given up
      // on: most often one still connecting, which undici does not abort until its connect
      // timeout. A graceful close would wait for it (up to the bound) for nothing.
      await Promise.all(pools.map((pool) => pool.destroy().catch(noop)))
      return
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const graceful = Promise.all(pools.map((pool) => pool.close())).then(
      () => true,
      () => false,
    )
    const late = new Promise<false>((resolve) => {
      timer = globalThis.setTimeout(() => resolve(false), 1000)
    })
    const closed = await Promise.race([graceful, late])
    globalThis.clearTimeout(timer)
    if (!closed) await Promise.all(pools.map((pool) => pool.destroy().catch(noop)))
  }
}

export type { FetchOutcome }
