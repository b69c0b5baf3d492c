import { checkLimit, checkSignal } from '../_internal/check.js'
import type { AsyncContextManager } from '../context/index.js'
import type { AsyncPipeline } from '../iter/index.js'
import { acceptEncoding, Engine } from './_engine.js'
import { resolveNetwork } from './_network.js'
import {
  DEFAULTS,
  resolveDecompress,
  resolveHeaders,
  resolveKeepAlive,
  resolveMaxBodySize,
  resolveMaxHeaderSize,
  resolveRateLimit,
  resolveRedirect,
  resolveRetry,
  resolveTimeouts,
  resolveTls,
} from './_options.js'
import { Permits } from './_permits.js'
import { Transport } from './_transport.js'
import { VERSION } from './_version.js'
import { type FetchAllOptions, type FetchOutcome, fetchAll } from './fetch-all.js'
import { type HostGate, localHostGate } from './host-gate.js'
import { RequestContext } from './request-context.js'
import type { HttpClientOptions, HttpClientStatistics, RequestOptions } from './request-options.js'

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
  readonly #engine: Engine
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
    const rateLimit = resolveRateLimit(options.rateLimit)
    const keepAlive = resolveKeepAlive(options.keepAlive)
    const signal = checkSignal('signal', options.signal)
    const timeouts = resolveTimeouts(options.timeout)
    const decompress = resolveDecompress(options.decompress)
    const gate = options.hostGate ?? localHostGate({ perHost, rateLimit: rateLimit ?? false })
    if (typeof (gate as Partial<HostGate> | null)?.acquire !== 'function') {
      throw new TypeError('Expected `hostGate` to be an object with an `acquire` method')
    }
    // The environment is read here, once, and only with `proxy: 'env'`.
    const network = resolveNetwork(options, process.env)
    const transport = new Transport({
      connections,
      keepAlive,
      connect: timeouts.connect,
      maxHeaderSize: resolveMaxHeaderSize(options.maxHeaderSize),
      tls: resolveTls(options.tls),
      network,
    })
    const permits = new Permits(connections, gate, () => this.#engine.warnIfStuck())
    this.#engine = new Engine(transport, permits, {
      headers: {
        'user-agent': `asyncwith/${VERSION}`,
        ...(decompress.enabled ? { 'accept-encoding': acceptEncoding() } : {}),
        ...resolveHeaders('headers', options.headers),
      },
      timeouts,
      retry: resolveRetry(options.retry),
      redirect: resolveRedirect(options.redirect),
      maxBodySize: resolveMaxBodySize(options.maxBodySize, DEFAULTS.maxBodySize),
      decompress,
      http2: network.http2,
    })
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
   * @param method - The HTTP method, such as `'GET'`: GET, HEAD, POST, PUT, PATCH, DELETE
   *   and OPTIONS in any case; any other is sent exactly as given (methods are case-sensitive).
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
    return new RequestContext(() => {
      const engine = this.#engine
      return engine.call(engine.prepare(engine.resolve(method, options), url)).start()
    })
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
   * throwing for one bad URL: see {@link FetchOutcome} for the outcome's shape and
   * {@link FetchAllOptions} for the options.
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
  ): AsyncPipeline<FetchOutcome<T>> {
    return fetchAll<T>(this.#engine, inputs, options)
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
    const engine = this.#engine
    if (engine.closed === undefined) {
      this.#removeSignal?.()
      engine.closed = engine.close()
    }
    return engine.closed
  }

  /** Counters for monitoring. */
  statistics(): HttpClientStatistics {
    const engine = this.#engine
    return {
      active: engine.active,
      openResponses: engine.openResponses,
      closed: engine.closed !== undefined,
    }
  }
}
