// What an HttpClient is made of, behind its thin front: the resolved options, the transport,
// the permits, and the live calls. fetchAll works on this, never on the client.

import { Buffer } from 'node:buffer'
import * as zlib from 'node:zlib'
import { checkSignal } from '../_internal/check.js'
import { checkRequestParts, normalizeMethod } from '../_internal/request-check.js'
import { WaiterList } from '../_internal/waiter-list.js'
import { discardBody } from './_body.js'
import { type BodyReader, Call, type CallHost, type Prepared, type Template } from './_call.js'
import { classifyError } from './_classify.js'
import type { Exchange } from './_exchange.js'
import { resolveHttp2 } from './_network.js'
import {
  type ResolvedRedirect,
  type ResolvedTimeouts,
  resolveHeaders,
  resolveMaxBodySize,
  resolveRedirect,
  resolveRetry,
  resolveTimeouts,
} from './_options.js'
import type { Permits } from './_permits.js'
import type { DecompressSettings } from './_response-init.js'
import type { RetrySettings } from './_retry.js'
import type { Transport } from './_transport.js'
import { ClientClosedError, InvalidRequestError, InvalidUrlError } from './errors.js'
import { HttpResponse } from './http-response.js'
import type { RequestOptions } from './request-options.js'

/** The client's own settings, the base every call's options resolve against. */
export interface EngineSettings {
  readonly headers: Record<string, string>
  readonly timeouts: ResolvedTimeouts
  readonly retry: RetrySettings
  readonly redirect: ResolvedRedirect
  readonly maxBodySize: number
  readonly decompress: DecompressSettings
  readonly http2: boolean
}

export function acceptEncoding(): string {
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

function basicAuth(url: URL): string {
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
  return `Basic ${Buffer.from(credentials).toString('base64')}`
}

function contentLength(headers: Readonly<Record<string, unknown>> | undefined): number | undefined {
  const value = headers?.['content-length']
  if (typeof value !== 'string' || !/^\s*\d+\s*$/.test(value)) return undefined
  return Number(value)
}

export class Engine implements CallHost {
  readonly transport: Transport
  readonly permits: Permits
  readonly settings: EngineSettings
  /** Live calls: an intrusive list, so a call adds and removes itself without a Set's churn. */
  /** Every live call, so `close()` can reach them. */
  readonly #calls = new WaiterList<Call>()
  active = 0
  openResponses = 0
  closed: Promise<void> | undefined = undefined

  constructor(transport: Transport, permits: Permits, settings: EngineSettings) {
    this.transport = transport
    this.permits = permits
    this.settings = settings
  }

  /** Resolves a call's options against the client's (all but the URL). Throws for bad ones. */
  resolve(method: string, options: RequestOptions = {}): Template {
    if (typeof method !== 'string') {
      throw new TypeError(`Expected \`method\` to be a string, got \`${String(method)}\``)
    }
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('Expected `options` to be an object')
    }
    const base = this.settings
    const headers = { ...base.headers, ...resolveHeaders('options.headers', options.headers) }
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
    const name = normalizeMethod(method)
    // No body is 0 bytes: a `content-length` saying more would be dropped by undici, silently.
    const bodyLength = typeof body === 'string' ? Buffer.byteLength(body) : (body?.byteLength ?? 0)
    return {
      method: name,
      problem: checkRequestParts(name, headers, bodyLength),
      headers,
      body,
      signal,
      timeouts: resolveTimeouts(options.timeout, base.timeouts),
      retry: resolveRetry(options.retry, base.retry),
      redirect: resolveRedirect(options.redirect, base.redirect),
      maxBodySize: resolveMaxBodySize(options.maxBodySize, base.maxBodySize),
      throwOnStatus: options.throwOnStatus === true,
      http2: resolveHttp2('options.http2', options.http2, base.http2),
    }
  }

  /** `template` for one URL: only the URL is parsed (credentials become `Authorization`). */
  prepare(template: Template, input: unknown): Prepared {
    const url = parseHttpUrl(input, template.method)
    if (template.problem !== undefined) {
      const { method, problem } = template
      throw new InvalidRequestError({ method, url: url.href, problem })
    }
    let headers = template.headers
    // The fragment stays: it is never sent (only path and query are), a redirect passes it
    // on (RFC 9110, section 10.2.2), and the final `url` reports it.
    if (url.username !== '' || url.password !== '') {
      if (headers.authorization === undefined) {
        headers = { ...headers, authorization: basicAuth(url) }
      }
      url.username = ''
      url.password = ''
    }
    // Every field written out: a spread makes a slower, shape-less object per call.
    return {
      method: template.method,
      problem: undefined,
      headers,
      body: template.body,
      signal: template.signal,
      timeouts: template.timeouts,
      retry: template.retry,
      redirect: template.redirect,
      maxBodySize: template.maxBodySize,
      throwOnStatus: template.throwOnStatus,
      http2: template.http2,
      input,
      url,
    }
  }

  /**
   * A call, not started yet (`call.start()` does): with `reader`, the body is read inside the
   * retry loop (fetchAll), which keeps the call to read its progress.
   */
  call(prepared: Prepared, reader?: BodyReader): Call {
    return new Call(this, prepared, reader)
  }

  /** Counts `call` as live, or gives the error that stops it: the client closed. */
  admit(call: Call): ClientClosedError | undefined {
    if (this.closed !== undefined) {
      call.finished = true
      return new ClientClosedError({ method: call.prepared.method, url: call.prepared.url.href })
    }
    this.active++
    this.#calls.push(call)
    return undefined
  }

  /** The response handed over for `exchange`, tied to `call` until its body is done. */
  respond(call: Call, exchange: Exchange, redirects: string[] | undefined): HttpResponse {
    const { hop } = exchange
    const { timeouts, maxBodySize } = call.prepared
    const response: HttpResponse = new HttpResponse({
      method: hop.method,
      url: hop.url.href,
      status: exchange.status,
      headers: exchange.headers ?? {},
      body: exchange,
      redirects: redirects === undefined ? [] : [...redirects],
      attempts: call.attempts,
      maxBodySize,
      decompress: this.settings.decompress,
      signal: exchange.asSignal(),
      signalDrivesBody: true,
      classify: (error, phase) => classifyError(error, phase, hop.method, hop.url.href, timeouts),
      onDone: () => this.responseDone(call, response),
    })
    call.response = response
    this.openResponses++
    // undici may have handed over the whole body already: nothing is held then.
    if (exchange.settled && exchange.received) this.responseDone(call)
    return response
  }

  /** The body of `call`'s response is done with (read, released, or received in full). */
  responseDone(call: Call, response?: HttpResponse): void {
    if (call.response === undefined || (response !== undefined && call.response !== response)) {
      return
    }
    call.response = undefined
    this.openResponses--
    if (call.finished) this.#calls.remove(call)
    else if (!call.readsBody) call.finish()
  }

  /** undici is done with `exchange`: free its slot. */
  settled(exchange: Exchange): void {
    this.transport.dispatched--
    this.permits.release(exchange)
  }

  /** Frees the body of an attempt we do not hand over (a redirect, a retried status). */
  discard(exchange: Exchange): Promise<void> {
    if (!exchange.hasBody) return Promise.resolve()
    // Held in full with no stream: dropping it is all there is to do.
    if (exchange.received && !exchange.streamed) {
      exchange.destroy()
      return Promise.resolve()
    }
    const length =
      exchange.hop.method === 'HEAD' || exchange.status === 204 || exchange.status === 304
        ? 0
        : contentLength(exchange.headers)
    return discardBody(exchange.stream, length, exchange)
  }

  callDone(call: Call): void {
    this.active--
    if (call.response === undefined) this.#calls.remove(call)
  }

  #warned = false

  /**
   * Called while requests have waited long for a permit: when responses nobody read hold the
   * connections, say so once, since the wait may never end.
   */
  warnIfStuck(): void {
    if (this.#warned || this.openResponses === 0) return
    this.#warned = true
    process.emitWarning(
      `${this.permits.waiting} request(s) have waited over 5 s for a connection while ` +
        `${this.openResponses} response(s) hold theirs with a body nobody has read: read ` +
        'each body, or release the response (`await using`, `response.release()`)',
      { code: 'ASYNCWITH_HTTP_UNREAD_RESPONSES' },
    )
  }

  /** Aborts every call, releases open responses, closes the transport. */
  async close(): Promise<void> {
    const calls: Call[] = []
    for (let call = this.#calls.head; call !== undefined; call = call.next) calls.push(call)
    for (const call of calls) {
      if (call.finished) continue
      call.abort(
        new ClientClosedError({ method: call.prepared.method, url: call.url, inFlight: true }),
      )
    }
    const open: HttpResponse[] = []
    for (let call = this.#calls.head; call !== undefined; call = call.next) {
      if (call.response !== undefined) open.push(call.response)
    }
    await Promise.all(open.map((response) => response.release().catch(() => {})))
    await this.transport.close()
  }
}
