// One attempt's exchange with undici: the handler undici calls back (the legacy callback
// API), the attempt's abort handle and permits, its time limits, and its response's body.

import { errors, util } from 'undici'
import type { Permit } from '../task/index.js'
import {
  type BodyListener,
  type BodySource,
  BodyStream,
  HIGH_WATER_MARK,
  type ResponseBody,
} from './_body.js'
import type { PermitHolder } from './_permits.js'
import type { HopRequest } from './_redirect.js'
import { type HttpHeaders, HttpTimeoutError } from './errors.js'
import type { HostPermit } from './host-gate.js'

/** What an exchange reports to the call that made it. */
export interface ExchangeOwner {
  /** The final response's headers arrived (`exchange.hasBody` is set). */
  onHeaders(exchange: Exchange): void
  /** The attempt failed before its headers: `error` is undici's, ours, or an abort reason. */
  onFailed(exchange: Exchange, error: unknown): void
  /** undici is done with the attempt (body received in full, or failed): free its slot. */
  onSettled(exchange: Exchange): void
}

/** Where long limits run: one interval for every exchange (the transport's sweep). */
export interface Sweep {
  watch(exchange: Exchange): void
  unwatch(exchange: Exchange): void
}

/**
 * Limits from this many ms up run on the transport's sweep (one interval for all exchanges,
 * checking each deadline every {@link SWEEP_EVERY} ms) instead of a native timer each: a
 * timer per request costs a batch measurably, and a second limit firing up to a tenth of a
 * second late is noise. Shorter limits keep a precise timer of their own.
 */
export const SWEPT_FROM = 1000
/** How often the sweep checks the deadlines. */
export const SWEEP_EVERY = 100

const PHASE_WAITING = 0
const PHASE_BODY = 1
const PHASE_DONE = 2

/**
 * One attempt: undici's handler (the legacy callback API, which needs no wrapper object of
 * undici's per request), its abort handle, its permits, its one timer and its response's
 * body (held here until read; a Readable only when a reader needs one). The time limits run
 * on this timer, never on undici's: `headers` from the moment the request is written (a 1xx
 * response does not restart it), then `body` between chunks.
 */
export class Exchange implements PermitHolder, BodySource, ResponseBody {
  originPermit: Permit | undefined = undefined
  hostPermit: HostPermit | undefined = undefined
  readonly owner: ExchangeOwner
  readonly hop: HopRequest
  status = 0
  headers: HttpHeaders | undefined = undefined
  /** The final response's headers came: it has a body (maybe empty), held here until read. */
  hasBody = false
  /** `Date.now()` when the request was handed to undici, and when its headers came. */
  sentAt = 0
  headersAt = 0
  aborted = false
  reason: unknown = undefined
  /** undici has called back for the last time (`onComplete` or `onError`). */
  settled = false
  /** undici has handed over the whole body. */
  received = false
  /** The proxy the attempt went through, if any (set when it is dispatched). */
  proxy: URL | undefined = undefined
  /** Body bytes undici has handed over. */
  #bodyBytes = 0
  #phase = PHASE_WAITING
  #abortUndici: ((reason?: unknown) => void) | undefined = undefined
  #resume: (() => void) | undefined = undefined
  #timer: ReturnType<typeof setTimeout> | undefined = undefined
  /** `Date.now()` when a long limit passes, while on the transport's sweep (0: none). */
  deadline = 0
  #armedMs = 0
  /** The transport's list of exchanges on its sweep. */
  prev: Exchange | undefined = undefined
  next: Exchange | undefined = undefined
  linked = false
  readonly #transport: Sweep | undefined
  readonly #headersMs: number
  readonly #bodyMs: number
  #listeners: Array<() => void> | undefined = undefined
  // The body: chunks held until a reader comes, then a listener or a stream takes them.
  #stream: BodyStream | undefined = undefined
  #held: Buffer[] | undefined = undefined
  #heldBytes = 0
  #listener: BodyListener | undefined = undefined
  #listened = false
  /** The body was cut off before a stream existed: why (`undefined`: released). */
  #cut: { readonly error: Error | undefined } | undefined = undefined
  /** undici was told to stop. */
  #stopped = false

  constructor(
    owner: ExchangeOwner,
    hop: HopRequest,
    headersMs: number,
    bodyMs: number,
    transport?: Sweep,
  ) {
    this.owner = owner
    this.hop = hop
    this.#transport = transport
    this.#headersMs = headersMs
    this.#bodyMs = bodyMs
  }

  // --- the abort handle (what undici's `signal` and the response's `signal` need) ---

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const listeners = this.#listeners
    this.#listeners = undefined
    if (listeners !== undefined) for (const listener of listeners) listener()
    this.#abortUndici?.(reason)
    if (this.#phase === PHASE_WAITING) {
      // undici ignores an abort while it is still connecting: the call moves on now, and
      // whatever undici settles with later only frees the slot.
      this.#phase = PHASE_DONE
      this.#clearTimer()
      this.owner.onFailed(this, reason)
    } else if (this.#phase === PHASE_BODY) {
      this.destroy(reason as Error)
    }
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

  /** The same object, typed as what the response's signature names. */
  asSignal(): AbortSignal {
    return this as unknown as AbortSignal
  }

  // --- BodySource ---

  resume(): void {
    if (this.#phase === PHASE_BODY) this.#bump()
    this.#resume?.()
  }

  stop(error: Error | null): void {
    if (this.settled || this.#stopped) return
    this.#stopped = true
    this.#clearTimer()
    this.#abortUndici?.(error ?? new errors.RequestAbortedError('Response body released'))
  }

  // --- undici's handler ---

  onConnect(abort: (reason?: unknown) => void): void {
    this.#abortUndici = abort
    if (this.aborted) {
      abort(this.reason)
      return
    }
    if (this.#timer === undefined && this.deadline === 0) this.#arm(this.#headersMs)
  }

  onHeaders(
    statusCode: number,
    rawHeaders: Buffer[] | string[] | null,
    resume: () => void,
    _statusText: string,
  ): boolean {
    if (this.#phase !== PHASE_WAITING) return true
    // Three digits from 100 to 599 (RFC 9110, section 15); undici takes any number.
    if (statusCode < 100 || statusCode > 599) {
      return this.#refuse(`Response status ${statusCode} is not between 100 and 599`)
    }
    // A 1xx is not the response: keep waiting, on the same headers limit.
    if (statusCode < 200) return true
    const headers = util.parseHeaders(rawHeaders as Buffer[]) as HttpHeaders
    const transfer = unsupportedTransferCoding(headers['transfer-encoding'])
    if (transfer !== undefined) {
      return this.#refuse(`Response transfer codings \`${transfer}\` are not supported`)
    }
    this.#phase = PHASE_BODY
    this.#resume = resume
    this.status = statusCode
    this.headers = headers
    this.headersAt = Date.now()
    this.hasBody = true
    const bodyMs = this.#bodyMs
    if (bodyMs === this.#armedMs && (this.#timer !== undefined || this.deadline !== 0)) {
      this.#bump()
    } else this.#arm(bodyMs)
    // HEAD, 204 and 304 have no body, whatever Content-Length says (RFC 9110 §6.4.1).
    if (this.hop.method === 'HEAD' || statusCode === 204 || statusCode === 304) {
      this.#endBody()
    }
    this.owner.onHeaders(this)
    return true
  }

  /** Fails the attempt, before its headers are handed over, as bad HTTP. */
  #refuse(message: string): false {
    const error = Object.assign(new Error(message), { code: 'HPE_ASYNCWITH_REFUSED' })
    this.#phase = PHASE_DONE
    this.#clearTimer()
    this.#abortUndici?.(error)
    this.owner.onFailed(this, error)
    return false
  }

  onData(chunk: Buffer): boolean {
    if (this.#phase !== PHASE_BODY) return true
    this.#bump()
    this.#bodyBytes += chunk.byteLength
    if (this.#stream !== undefined) return this.#stream.push(chunk)
    if (this.#listener !== undefined) {
      this.#listener.data(chunk)
      return true
    }
    if (this.#cut !== undefined) return true
    if (this.#held === undefined) this.#held = [chunk]
    else this.#held.push(chunk)
    this.#heldBytes += chunk.byteLength
    // As a Readable's push: past the high-water mark, undici pauses the socket until read.
    return this.#heldBytes < HIGH_WATER_MARK
  }

  onComplete(_trailers: unknown): void {
    if (this.#phase === PHASE_BODY) this.#endBody()
    this.#settle()
  }

  onError(error: unknown): void {
    const phase = this.#phase
    this.#phase = PHASE_DONE
    this.#clearTimer()
    if (phase === PHASE_WAITING) this.owner.onFailed(this, this.#framingError(error, phase))
    else if (phase === PHASE_BODY) this.destroy(this.#framingError(error, phase) as Error)
    this.#settle()
  }

  /**
   * undici reports as a length mismatch both a body that disagrees with `Content-Length` and,
   * once a `Content-Length` was read, any parser error (`Transfer-Encoding` beside it, a bad
   * character in a field, obs-fold). Only a body cut short is truncation; before the headers,
   * or with more bytes than declared, or a `Content-Length` that is not one number (two
   * different values, a list), the message is framed wrongly (RFC 9112, section 6.3): bad HTTP.
   */
  #framingError(error: unknown, phase: number): unknown {
    if ((error as { code?: unknown } | null)?.code !== 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
      return error
    }
    const declared = this.headers?.['content-length']
    if (
      phase === PHASE_BODY &&
      this.headers?.['transfer-encoding'] === undefined &&
      typeof declared === 'string' &&
      /^\d+$/.test(declared) &&
      this.#bodyBytes < Number(declared)
    ) {
      return error
    }
    const message =
      phase === PHASE_WAITING
        ? 'Response head refused by the HTTP parser'
        : `Response framed wrongly: Content-Length ${JSON.stringify(declared)} and ${this.#bodyBytes} body bytes`
    return Object.assign(new Error(message, { cause: error }), {
      code: 'HPE_UNEXPECTED_CONTENT_LENGTH',
    })
  }

  #endBody(): void {
    this.#phase = PHASE_DONE
    this.received = true
    this.#clearTimer()
    if (this.#stream !== undefined) this.#stream.push(null)
    else {
      const listener = this.#listener
      this.#listener = undefined
      listener?.end()
    }
  }

  // --- ResponseBody ---

  get stream(): BodyStream {
    if (this.#stream !== undefined) return this.#stream
    const stream = new BodyStream(this)
    this.#stream = stream
    const held = this.#held
    this.#held = undefined
    this.#heldBytes = 0
    if (held !== undefined) for (const chunk of held) stream.push(chunk)
    const cut = this.#cut
    if (cut !== undefined) stream.destroy(cut.error)
    else if (this.received) stream.push(null)
    return stream
  }

  get streamed(): boolean {
    return this.#stream !== undefined
  }

  get didRead(): boolean {
    return this.#listened || (this.#stream?.readableDidRead ?? false)
  }

  get destroyed(): boolean {
    return this.#stream !== undefined ? this.#stream.destroyed : this.#cut !== undefined
  }

  listen(listener: BodyListener): void {
    this.#listened = true
    const cut = this.#cut
    if (cut !== undefined) {
      listener.fail(cut.error)
      return
    }
    const held = this.#held
    this.#held = undefined
    this.#heldBytes = 0
    this.#listener = listener
    if (held !== undefined) {
      for (const chunk of held) {
        if (this.#listener !== listener) return
        listener.data(chunk)
      }
    }
    if (this.#listener !== listener) return
    if (this.received) {
      this.#listener = undefined
      listener.end()
    } else this.resume() // undici may have paused at the high-water mark
  }

  destroy(error?: Error): void {
    if (this.#stream !== undefined) {
      this.#stream.destroy(error)
      return
    }
    if (this.#cut !== undefined) return
    this.#cut = { error }
    this.#held = undefined
    this.#heldBytes = 0
    // As the stream's `_destroy` does: a body not yet received in full stops the exchange.
    if (!this.received) this.stop(error ?? null)
    const listener = this.#listener
    this.#listener = undefined
    listener?.fail(error)
  }

  #settle(): void {
    if (this.settled) return
    this.settled = true
    this.#clearTimer()
    this.owner.onSettled(this)
  }

  /** Starts the limit of `ms` for the current phase. */
  #arm(ms: number): void {
    this.#clearTimer()
    if (ms === Number.POSITIVE_INFINITY) return
    this.#armedMs = ms
    const transport = this.#transport
    if (ms < SWEPT_FROM || transport === undefined) {
      // A closure only for the exchanges that take a native timer (short limits).
      this.#timer = setTimeout(() => this.#onTimer(), ms)
    } else {
      this.deadline = Date.now() + ms
      transport.watch(this)
    }
  }

  /** Something happened: the current limit starts again. */
  #bump(): void {
    if (this.#timer !== undefined) this.#timer.refresh()
    else if (this.deadline !== 0) this.deadline = Date.now() + this.#armedMs
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    if (this.deadline !== 0) {
      this.deadline = 0
      this.#transport?.unwatch(this)
    }
  }

  /** The transport's sweep found the deadline passed. */
  expire(): void {
    this.#clearTimer()
    this.#onTimer()
  }

  #onTimer(): void {
    this.#timer = undefined
    const phase = this.#phase === PHASE_WAITING ? 'headers' : 'body'
    const error = new HttpTimeoutError({
      method: this.hop.method,
      url: this.hop.url.href,
      phase,
      ms: phase === 'headers' ? this.#headersMs : this.#bodyMs,
    })
    if (phase === 'headers') {
      this.#phase = PHASE_DONE
      this.#abortUndici?.(error)
      this.owner.onFailed(this, error)
    } else {
      this.destroy(error)
    }
  }
}

/**
 * What is wrong with the transfer codings of `value`, or `undefined` for none or `chunked`
 * alone. undici hands a body in another coding over still coded (`gzip, chunked` gives gzip
 * bytes), and with `chunked` not last it reads until the close. We send no `TE`, so a server
 * may use nothing but `chunked` (RFC 9112, sections 6.1 and 7.4), once: anything else is
 * refused as bad HTTP rather than read as a wrong body, as Go's net/http does.
 */
function unsupportedTransferCoding(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  const codings = (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '')
  if (codings.length === 1 && codings[0] === 'chunked') return undefined
  return codings.join(', ')
}
