// One call: attempt → decide() → retry, follow or deliver, until a response is handed over
// (or, for fetchAll, read to the end). One object per call carries its abort state, its
// progress (what fetchAll reports) and its place in the client's lists.
import { onAbort } from '../_internal/on-abort.js'
import { sleep } from '../task/index.js'
import { classifyError, isStaleConnection } from './_classify.js'
import { type Decision, decide } from './_decide.js'
import { Exchange, type ExchangeOwner } from './_exchange.js'
import type { ResolvedRedirect, ResolvedTimeouts } from './_options.js'
import type { Permits } from './_permits.js'
import { proxyErrorOf } from './_proxy-agent.js'
import { type HopRequest, locationFromHeader, nextHop } from './_redirect.js'
import type { RetrySettings } from './_retry.js'
import type { Transport } from './_transport.js'
import {
  type HttpHeaders,
  HttpStatusError,
  HttpTimeoutError,
  RedirectLimitError,
} from './errors.js'
import type { HttpResponse } from './http-response.js'

/** Resolves after the current turn of the event loop (its immediates) has run. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

export type { Decision }
export { decide }

/** A call's options resolved against the client's, before its URL is known. */
export interface Template {
  readonly method: string
  readonly headers: Record<string, string>
  readonly body: string | Uint8Array | undefined
  readonly signal: AbortSignal | undefined
  readonly timeouts: ResolvedTimeouts
  readonly retry: RetrySettings
  readonly redirect: ResolvedRedirect
  readonly maxBodySize: number
  readonly throwOnStatus: boolean
  /** Offer HTTP/2 to an `https:` origin. */
  readonly http2: boolean
  /** What is wrong with the method or a header, found once; each call reports it. */
  readonly problem: string | undefined
}

/** One call's request, ready to send. */
export interface Prepared extends Template {
  readonly input: unknown
  readonly url: URL
}

/** What a call needs of the client's engine (`_engine.ts` implements it). */
export interface CallHost {
  readonly transport: Transport
  readonly permits: Permits
  /** Counts `call` as live, or gives the error that stops it: the client closed. */
  admit(call: Call): Error | undefined
  /** undici is done with `exchange`: free its slot. */
  settled(exchange: Exchange): void
  /** Frees the body of an attempt not handed over. */
  discard(exchange: Exchange): Promise<void>
  /** The response handed over for `exchange`. */
  respond(call: Call, exchange: Exchange, redirects: string[] | undefined): HttpResponse
  /** The body of `call`'s response is done with. */
  responseDone(call: Call, response?: HttpResponse): void
  /** The call is over. */
  callDone(call: Call): void
}

/** Reads a response to the end inside the retry loop (fetchAll). */
export type BodyReader = (response: HttpResponse) => Promise<unknown>

export class Call implements ExchangeOwner {
  readonly engine: CallHost
  readonly prepared: Prepared
  readonly #reader: BodyReader | undefined
  /** fetchAll reads the body inside the loop: the loop, not the response, ends the call. */
  readonly readsBody: boolean
  // Progress, read by fetchAll even when the call fails.
  attempts = 0
  url: string
  /** `Date.now()` when the latest attempt was sent, and when its headers came (0: none). */
  sentAt = 0
  headersAt = 0
  /** The latest response handed to the reader: status and headers (a failure reports them). */
  status: number | undefined = undefined
  headers: HttpHeaders | undefined = undefined
  /** What the reader gave. */
  result: unknown = undefined
  // Abort state.
  aborted = false
  reason: unknown = undefined
  #controller: AbortController | undefined = undefined
  /** The attempt in flight, or the one whose response was handed over. */
  exchange: Exchange | undefined = undefined
  /** The response handed over while its body is open. */
  response: HttpResponse | undefined = undefined
  /** The call returned its response or failed: `close()` no longer aborts it. */
  finished = false
  /** The engine's list of live calls. */
  prev: Call | undefined = undefined
  next: Call | undefined = undefined
  linked = false
  /** Stops following the user's signal (all calls on one signal share one listener). */
  #unfollow: (() => void) | undefined = undefined
  #timer: ReturnType<typeof setTimeout> | undefined = undefined
  #resolve: ((exchange: Exchange) => void) | undefined = undefined
  #reject: ((error: unknown) => void) | undefined = undefined

  constructor(engine: CallHost, prepared: Prepared, reader: BodyReader | undefined) {
    this.engine = engine
    this.prepared = prepared
    this.#reader = reader
    this.readsBody = reader !== undefined
    this.url = prepared.url.href
  }

  /** Starts the call: its `total` timer, the user's signal, and the attempts. */
  start(): Promise<HttpResponse> {
    const closed = this.engine.admit(this)
    if (closed !== undefined) return Promise.reject(closed)
    const { signal, timeouts, method } = this.prepared
    if (signal?.aborted) this.abort(signal.reason)
    else if (signal !== undefined) this.#unfollow = onAbort(signal, () => this.abort(signal.reason))
    const total = timeouts.total
    if (total !== Number.POSITIVE_INFINITY && !this.aborted) {
      this.#timer = setTimeout(() => {
        this.abort(new HttpTimeoutError({ method, url: this.url, phase: 'total', ms: total }))
      }, total)
    }
    return this.#run()
  }

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.#controller?.abort(reason)
    this.exchange?.abort(reason)
  }

  /** A real signal, made only for the waits that need one (permits, backoff). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.aborted) this.#controller.abort(this.reason)
    }
    return this.#controller.signal
  }

  // --- ExchangeOwner ---

  onHeaders(exchange: Exchange): void {
    this.headersAt = exchange.headersAt
    const resolve = this.#resolve
    this.#resolve = undefined
    this.#reject = undefined
    resolve?.(exchange)
  }

  onFailed(_exchange: Exchange, error: unknown): void {
    const reject = this.#reject
    this.#resolve = undefined
    this.#reject = undefined
    reject?.(error)
  }

  onSettled(exchange: Exchange): void {
    this.engine.settled(exchange)
    // A response handed over whose body undici has in full holds nothing any more: the call
    // is over even if nobody reads it (it is read from memory later, or collected).
    if (exchange === this.exchange && this.response !== undefined && exchange.received) {
      this.engine.responseDone(this)
    }
  }

  // --- the attempts ---

  #send(exchange: Exchange): Promise<Exchange> {
    return new Promise<Exchange>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
      this.exchange = exchange
      this.headersAt = 0
      this.status = undefined
      this.headers = undefined
      this.engine.transport.dispatch(exchange, this.prepared.http2)
      this.sentAt = exchange.sentAt
    })
  }

  async #run(): Promise<HttpResponse> {
    const engine = this.engine
    const prepared = this.prepared
    const { redirect, timeouts } = prepared
    let handedOver = false
    try {
      let hop: HopRequest = {
        method: prepared.method,
        url: prepared.url,
        headers: prepared.headers,
        body: prepared.body,
      }
      let redirects: string[] | undefined
      let retries = 0
      let replayed = false
      for (;;) {
        if (this.aborted) throw this.reason
        this.attempts = retries + (replayed ? 2 : 1)
        this.url = hop.url.href
        const exchange = new Exchange(this, hop, timeouts.headers, timeouts.body, engine.transport)
        if (!engine.permits.tryTake(exchange, hop.url)) {
          await engine.permits.take(exchange, hop.url, this.signal)
        }
        if (this.aborted) {
          engine.permits.release(exchange)
          throw this.reason
        }
        let decision: Decision
        try {
          await this.#send(exchange)
        } catch (error) {
          if (this.aborted) throw this.reason
          // A proxy's refusal (407, a failed CONNECT) is the proxy's answer, not the network's.
          const proxy = exchange.proxy
          const refused =
            proxy === undefined ? undefined : proxyErrorOf(error, hop.method, hop.url.href, proxy)
          const typed = classifyError(
            refused ?? error,
            'headers',
            hop.method,
            hop.url.href,
            timeouts,
          )
          decision = decide(
            {
              method: hop.method,
              status: 0,
              headers: undefined,
              error: typed,
              stale: isStaleConnection(error),
            },
            { retries, replayed },
            prepared,
          )
          if (decision.action !== 'retry') throw typed
          if (decision.replay) replayed = true
          else retries++
          await this.#wait(decision.after)
          continue
        }
        const status = exchange.status
        const headers = exchange.headers as HttpHeaders
        decision = decide({ method: hop.method, status, headers }, { retries, replayed }, prepared)
        if (decision.action === 'follow') {
          await engine.discard(exchange)
          // undici frees a kept-alive socket one loop turn after its response ends: a hop sent
          // before then would open another connection for every redirect.
          if (exchange.settled) await nextTurn()
          if (this.aborted) throw this.reason
          const location = locationFromHeader(decision.location)
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
        if (decision.action === 'retry') {
          await engine.discard(exchange)
          retries++
          if (decision.after <= 0 && exchange.settled) await nextTurn()
          await this.#wait(decision.after)
          continue
        }
        const response = engine.respond(this, exchange, redirects)
        if (prepared.throwOnStatus && (status < 200 || status > 299)) {
          await response.release()
          throw new HttpStatusError({ method: hop.method, url: hop.url.href, status, headers })
        }
        if (this.#reader === undefined) {
          handedOver = true
          return response
        }
        this.status = status
        this.headers = headers
        try {
          this.result = await this.#reader(response)
          return response
        } catch (error) {
          await response.release()
          if (this.aborted) throw this.reason
          decision = decide(
            { method: hop.method, status, headers, error },
            { retries, replayed },
            prepared,
          )
          if (decision.action !== 'retry') throw error
          retries++
          await this.#wait(decision.after)
        }
      }
    } finally {
      if (!handedOver) this.finish()
    }
  }

  /** Backoff before a retry, holding no permit. */
  #wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve()
    return sleep(ms, { signal: this.signal })
  }

  /** The call is over (its response, if handed over, is done): once. */
  finish(): void {
    if (this.finished) return
    this.finished = true
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    if (this.#unfollow !== undefined) {
      this.#unfollow()
      this.#unfollow = undefined
    }
    this.engine.callDone(this)
  }
}
