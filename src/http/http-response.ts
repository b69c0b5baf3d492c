import type { Buffer } from 'node:buffer'
import { STATUS_CODES } from 'node:http'
import { pipeline, type Readable } from 'node:stream'
import {
  charsetOf,
  type Decoder,
  decoderFor,
  type StreamDecoder,
  streamDecoderFor,
} from '../_internal/charset.js'
import { noop } from '../_internal/noop.js'
import {
  type BodySink,
  ChunkQueue,
  type Coding,
  Collector,
  createZstdDecompress,
  DecodeFailure,
  decoderOf,
  discardBody,
  peek,
  releasedError,
  SourceFailure,
} from './_body.js'
import type { ResponseInit } from './_response-init.js'
import { BodySizeError, DecompressionError, type HttpHeaders, HttpTimeoutError } from './errors.js'

// How a body is read: the exchange's body stream → one node:zlib streaming decoder per
// content coding (joined with node:stream's `pipeline`, back-pressure both ways) → one counting loop
// that enforces `maxBodySize` and the ratio bound on decoded bytes → the reader (`text()`,
// `bytes()`, `body`, `lines()`). Nothing holds more than a few chunks: zlib's streams emit
// at most `chunkSize` (16 KiB) per step and stop when their output is not read, so a bomb
// is stopped after at most one step past the limit. (`maxOutputLength` only bounds zlib's
// one-shot functions; the streams never build one large buffer.)

/** A body whose rest is up to this size is drained after a `break`, to keep the socket. */
const _DRAIN_LIMIT = 128 * 1024
/** Longest wait for that drain before the socket is destroyed instead. */
const _DRAIN_TIMEOUT = 500
/** Most content codings decoded for one response (aiohttp and curl allow a few). */
const _MAX_CODINGS = 2

/**
 * A response of {@link HttpClient}: its status, headers and final URL, and a body you read
 * once, as text, JSON, bytes, chunks or lines. The body is decoded as `Content-Encoding` says
 * (`gzip`, `deflate`, `br`, and `zstd` where Node.js has it) and counted against the client's
 * `maxBodySize` while it streams in, so an endless body or a decompression bomb fails early
 * with a typed error instead of filling memory.
 *
 * A response holds a connection until its body is read to the end or released. Use it with
 * `await using` (or `withContext`), or call {@link HttpResponse.release}: the connection is
 * then reused when the rest of the body is small, and closed otherwise. Responses you never
 * read are released when the client closes. It is not a WHATWG `Response`: the body is an
 * async iterable of `Uint8Array` chunks, not a `ReadableStream`.
 *
 * @example
 * import { HttpClient } from 'asyncwith/http'
 *
 * await using client = new HttpClient()
 * await using response = await client.get('https://example.com/')
 * console.log(response.status, response.headers['content-type'])
 * console.log(await response.text())
 */
export class HttpResponse implements AsyncDisposable {
  /**
   * The status code, such as `200` or `404`. A status outside 200–299 is still a response:
   * check {@link HttpResponse.ok}.
   *
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('https://example.com/missing')
   * if (response.status === 404) console.log('not there')
   */
  readonly status: number
  /**
   * The standard reason phrase of {@link HttpResponse.status}, such as `'Not Found'` (`''`
   * for a status without one). It is not the phrase the server sent, which HTTP/2 drops.
   *
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('https://example.com/')
   * console.log(`${response.status} ${response.statusText}`) // '200 OK'
   */
  readonly statusText: string
  /**
   * `true` when {@link HttpResponse.status} is in 200–299.
   *
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('https://example.com/')
   * if (!response.ok) throw new Error(`Unexpected status ${response.status}`)
   */
  readonly ok: boolean
  /**
   * The response headers as undici gives them: lower-case names, a `string` for a header
   * sent once and a `string[]` for one sent several times (`set-cookie`).
   *
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('https://example.com/')
   * console.log(response.headers['content-type']) // 'text/html; charset=UTF-8'
   */
  readonly headers: HttpHeaders
  /**
   * The URL that answered, after redirects, as an `href`. A fragment is kept (it is never
   * sent), and passed on by a redirect whose `Location` has none (RFC 9110, section 10.2.2).
   *
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('http://example.com/')
   * console.log(response.url) // where the redirects ended, such as 'https://example.com/'
   */
  readonly url: string
  /**
   * Every URL that redirected on the way to {@link HttpResponse.url}, in order; empty when
   * none did.
   *
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('http://example.com/')
   * console.log(response.redirects) // such as ['http://example.com/']
   */
  readonly redirects: readonly string[]
  /**
   * How many times the request was sent: 1 plus the retries. A redirect is not a try.
   *
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient({ retry: { limit: 2 } })
   * await using response = await client.get('https://example.com/')
   * console.log(response.attempts) // 1 when the first try succeeded
   */
  readonly attempts: number
  /**
   * The method of the request that got this response (a 303 redirect turns it into `GET`).
   *
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('https://example.com/')
   * console.log(response.method) // 'GET'
   */
  readonly method: string

  readonly #init: ResponseInit
  /** The `Content-Encoding` header as sent, for error messages. */
  readonly #encoding: string
  /** A reader has claimed the body. */
  #claimed = false
  /** The reader's generator has started running. */
  #started = false
  /** The body was read to its end. */
  #completed = false
  #released = false
  #releasing: Promise<void> | undefined
  #doneCalled = false
  /** undici's body is being iterated, or owned by a decoder's pump. */
  #rawBusy = false
  /** A decoder chain was started; its pumps may hold the body. */
  #decoding = false
  /** Bytes taken from undici's body so far (encoded). */
  #encoded = 0
  /** Decoded body bytes handed to the reader so far. */
  #decoded = 0

  /**
   * Builds a response from what the client knows about an exchange. You get responses from
   * {@link HttpClient}; you do not build them.
   *
   * @internal
   * @param init - The final attempt's undici response, its context and the body limits.
   */
  constructor(init: ResponseInit) {
    this.#init = init
    this.status = init.status
    this.statusText = STATUS_CODES[init.status] ?? ''
    this.ok = init.status >= 200 && init.status <= 299
    this.headers = init.headers
    this.url = init.url
    this.redirects = init.redirects
    this.attempts = init.attempts
    this.method = init.method
    this.#encoding = _headerValue(init.headers['content-encoding']) ?? ''
  }

  /**
   * `true` once the body can no longer be read: a reader (`text()`, `json()`, `bytes()`,
   * `body`, `lines()`) has started, or the response was released.
   *
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('https://example.com/')
   * await response.text()
   * console.log(response.bodyUsed) // true
   */
  get bodyUsed(): boolean {
    return this.#claimed || this.#released
  }

  /**
   * Decoded body bytes read so far: the body's size once it was read to the end.
   *
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * const response = await client.get('https://example.com/')
   * await response.text()
   * console.log(response.bytesRead) // the decoded size of the page
   */
  get bytesRead(): number {
    return this.#decoded
  }

  /**
   * The body as an async iterable of decoded chunks, for bodies you process as they arrive.
   * Iterating it counts as reading the body: the bytes are decoded, counted against
   * `maxBodySize`, and the connection is freed at the end. Breaking out of the loop releases
   * the response (the connection is reused when the rest is small, closed otherwise).
   *
   * Iteration throws {@link BodySizeError} past `maxBodySize`, {@link DecompressionError}
   * for a body that cannot be decoded, {@link ConnectionError} or {@link HttpTimeoutError}
   * when the network fails, and your signal's `reason`, unchanged, when it aborts.
   *
   * @throws TypeError When the body was already read or released ("Body has already been …").
   * @example
   * import { createWriteStream } from 'node:fs'
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('https://example.com/archive.tar')
   * const file = createWriteStream('archive.tar')
   * for await (const chunk of response.body) file.write(chunk)
   * file.end()
   */
  get body(): AsyncIterable<Uint8Array> {
    this.#assertUsable()
    return { [Symbol.asyncIterator]: () => this.#claim() }
  }

  /**
   * Reads the whole body and decodes it as text, with the `charset` of `Content-Type`
   * (UTF-8 when there is none or the label is unknown). A byte order mark of that encoding
   * is dropped and invalid bytes become U+FFFD, as `TextDecoder` does.
   *
   * @returns The decoded text.
   * @throws {@link BodySizeError} When the decoded body exceeds `maxBodySize`.
   * @throws {@link DecompressionError} When the body cannot be decoded.
   * @throws {@link ConnectionError} When the connection fails while the body is read.
   * @throws {@link HttpTimeoutError} When the body stalls for longer than `timeout.body`.
   * @throws TypeError When the body was already read or released.
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('https://example.com/')
   * const html = await response.text()
   */
  text(): Promise<string> {
    let decoder: Decoder
    try {
      decoder = decoderFor(charsetOf(_headerValue(this.headers['content-type'])))
    } catch (error) {
      return Promise.reject(error)
    }
    // Decoded as the read settles: no async function and no extra turn per body.
    return this.#collect('pooled', (bytes) => decoder.decode(bytes))
  }

  /**
   * Reads the whole body as {@link HttpResponse.text} does and parses it as JSON. Invalid
   * JSON rejects with the `SyntaxError` of `JSON.parse`, unchanged (as `fetch` does): the
   * body was read, so the connection is already free. The type argument is not checked.
   *
   * @returns The parsed value, typed as `T` (`unknown` by default).
   * @throws SyntaxError When the body is not valid JSON.
   * @throws {@link BodySizeError} When the decoded body exceeds `maxBodySize`.
   * @throws {@link DecompressionError} When the body cannot be decoded.
   * @throws TypeError When the body was already read or released.
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('https://api.github.com/repos/nodejs/undici')
   * const repo = await response.json<{ stargazers_count: number }>()
   * console.log(repo.stargazers_count)
   */
  async json<T = unknown>(): Promise<T> {
    return JSON.parse(await this.text()) as T
  }

  /**
   * Reads the body to its end and drops it; resolves to its decoded size in bytes. Unlike
   * {@link HttpResponse.release}, which gives up on the rest, it fails as reading does: a
   * reset, a stall or an oversized body rejects, so you learn that the body was bad.
   *
   * @returns The number of decoded bytes read.
   * @throws {@link BodySizeError} When the decoded body exceeds `maxBodySize`.
   * @throws {@link ConnectionError} When the connection fails while the body is read.
   * @throws TypeError When the body was already read or released.
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * const response = await client.get('https://example.com/')
   * console.log(response.status, await response.drain()) // 200 1256
   */
  async drain(): Promise<number> {
    await this.#collect('count', _identity)
    return this.#decoded
  }

  /**
   * Reads the whole decoded body into one `Uint8Array`.
   *
   * @returns The body's bytes, in a new array.
   * @throws {@link BodySizeError} When the decoded body exceeds `maxBodySize`.
   * @throws {@link DecompressionError} When the body cannot be decoded.
   * @throws {@link ConnectionError} When the connection fails while the body is read.
   * @throws TypeError When the body was already read or released.
   * @example
   * import { writeFile } from 'node:fs/promises'
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('https://example.com/logo.png')
   * await writeFile('logo.png', await response.bytes())
   */
  async bytes(): Promise<Uint8Array> {
    return this.#collect('owned', _identity)
  }

  /**
   * The body as an async iterable of text lines, decoded as {@link HttpResponse.text} does
   * but as the chunks arrive, so a large body (NDJSON, logs, server-sent lines) is never held
   * whole. Lines end at `\n` or `\r\n`, which are not part of the line; a last line without
   * a newline is yielded too, and a trailing newline does not add an empty line. A character
   * split across two chunks is decoded whole. Breaking out of the loop releases the response.
   *
   * The body is claimed when `lines()` is called. Iteration throws what
   * {@link HttpResponse.body} throws.
   *
   * @returns An iterable of lines, to be iterated once.
   * @throws TypeError When the body was already read or released.
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * await using response = await client.get('https://example.com/events.ndjson')
   * for await (const line of response.lines()) {
   *   if (line !== '') console.log(JSON.parse(line))
   * }
   */
  lines(): AsyncIterable<string> {
    const decoder = this.#textDecoder()
    return _lines(this.#claim(), decoder)
  }

  /**
   * Releases the response: discards the unread part of the body and frees its connection.
   * A small body (up to 128 KiB in all, the rest arriving within 500 ms) is drained so the
   * connection can be reused; a larger, stalled or partly decoded one is cut off by closing
   * the connection. A body that was read to the end needs nothing. A read still in progress rejects with a
   * `TypeError`.
   *
   * Calling it again returns the same promise; it never rejects. Leaving an `await using`
   * scope calls it, even when the scope throws.
   *
   * @returns A promise that resolves once the connection is freed.
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * const response = await client.get('https://example.com/')
   * try {
   *   if (response.status === 200) console.log(await response.text())
   * } finally {
   *   await response.release()
   * }
   */
  release(): Promise<void> {
    this.#releasing ??= this.#release()
    return this.#releasing
  }

  /**
   * Releases the response, as {@link HttpResponse.release} does: `await using` calls it when
   * the scope ends.
   *
   * @returns A promise that resolves once the connection is freed.
   * @example
   * import { HttpClient } from 'asyncwith/http'
   *
   * await using client = new HttpClient()
   * {
   *   await using response = await client.get('https://example.com/')
   *   console.log(response.status) // the body is never read: leaving the block releases it
   * }
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.release()
  }

  async #release(): Promise<void> {
    this.#released = true
    if (this.#completed) return this.#finish()
    try {
      if (this.#started) {
        // A read is in progress (or paused at a chunk): cut it off; it rejects.
        this.#init.body.destroy()
      } else {
        await this.#discard()
      }
    } finally {
      this.#finish()
    }
  }

  #assertUsable(): void {
    if (this.#claimed) {
      throw new TypeError(
        'Body has already been read: read it once, with text(), json(), bytes(), body or lines()',
      )
    }
    if (this.#released) throw releasedError()
  }

  /** Reads the whole body into one buffer: the collecting sink of the one reader. */
  #collect<T>(mode: 'owned' | 'pooled' | 'count', finish: (bytes: Uint8Array) => T): Promise<T> {
    try {
      this.#assertUsable()
    } catch (error) {
      return Promise.reject(error)
    }
    this.#claimed = true
    const sink = new Collector(mode)
    let codings: Coding[]
    try {
      codings = this.#begin()
    } catch (error) {
      return this.#onReadError(error)
    }
    // Plain and still held by the exchange, as most bodies of a batch: no stream at all.
    if (codings.length === 0 && !this.#init.body.streamed) {
      return this.#collectPlain(sink, finish)
    }
    return this.#readWith(codings, sink).then(() => finish(sink.result()))
  }

  /** Claims the body for iteration: the queue sink, started by the first `next()`. */
  #claim(): AsyncIterableIterator<Uint8Array> {
    this.#assertUsable()
    this.#claimed = true
    return new ChunkQueue(
      (queue) => this.#read(queue),
      (queue) => {
        // Never read: released as an unread body is.
        if (!this.#started) return this.release()
        if (this.#completed) return undefined
        const body = this.#init.body.stream
        const length = this.#declaredLength()
        if (this.#decoding || length === undefined || length > _DRAIN_LIMIT) {
          // Left early: cut the body off; the read then rejects, which nobody needs to see.
          body.destroy()
          return undefined
        }
        // A small rest is read and dropped, so the connection is reused; briefly.
        queue.drop()
        const timer = setTimeout(() => body.destroy(), _DRAIN_TIMEOUT)
        body.once('close', () => clearTimeout(timer))
        body.once('end', () => clearTimeout(timer))
        return undefined
      },
    )
  }

  /**
   * The one body reader: the source (the exchange's stream, or it through one node:zlib
   * decoder per coding joined with `pipeline`) → the limits on decoded bytes (`maxBodySize`,
   * the ratio bound) → `sink`. Stream events, not async iteration: most bodies of a batch are
   * small and plain, and this is their hot path. Whatever happens, the body is freed and
   * `onDone` called before it settles.
   */
  #read(sink: BodySink): Promise<void> {
    let codings: Coding[]
    try {
      codings = this.#begin()
    } catch (error) {
      return this.#onReadError(error)
    }
    return this.#readWith(codings, sink)
  }

  /** Starts the read: throws what fails it at once, else gives the codings to undo. */
  #begin(): Coding[] {
    this.#started = true
    const { signal, maxBodySize, decompress, method, url } = this.#init
    signal.throwIfAborted()
    if (this.#released) throw releasedError()
    const codings = decompress.enabled ? this.#codings() : []
    if (codings.length === 0) {
      const length = this.#declaredLength()
      if (length !== undefined && length > maxBodySize) {
        const limit = maxBodySize
        throw new BodySizeError({ method, url, limit, size: length, declared: true })
      }
    }
    return codings
  }

  #readWith(codings: Coding[], sink: BodySink): Promise<void> {
    // Plain bodies take no async function and no extra listener.
    if (codings.length === 0) {
      return this.#flow(this.#init.body.stream, false, undefined, sink).then(
        this.#onReadEnd,
        this.#onReadError,
      )
    }
    return this.#readDecoded(codings, sink)
  }

  /**
   * A plain body into a collecting sink, straight from the chunks the exchange holds: what
   * `#flow` does with a stream (the same limit, the same errors, `onDone` before it settles),
   * with no stream, no listener and no extra promise.
   */
  #collectPlain<T>(sink: Collector, finish: (bytes: Uint8Array) => T): Promise<T> {
    const { body, signal, signalDrivesBody, maxBodySize, method, url } = this.#init
    this.#rawBusy = true // a release() meanwhile must destroy, not drain
    return new Promise<T>((resolve, reject) => {
      let decoded = 0
      let settled = false
      const settle = (): boolean => {
        if (settled) return false
        settled = true
        this.#rawBusy = false
        if (!signalDrivesBody) signal.removeEventListener('abort', onAbort)
        return true
      }
      const onAbort = (): void => body.destroy(signal.reason as Error)
      if (!signalDrivesBody) signal.addEventListener('abort', onAbort, { once: true })
      body.listen({
        data: (chunk) => {
          if (settled || chunk.byteLength === 0) return
          decoded += chunk.byteLength
          if (decoded > maxBodySize) {
            if (!settle()) return
            body.destroy()
            // The failure path: freed and done with before the promise rejects.
            resolve(
              this.#onReadError(
                new BodySizeError({ method, url, limit: maxBodySize, size: decoded }),
              ),
            )
            return
          }
          this.#encoded = decoded
          this.#decoded = decoded
          sink.write(chunk)
        },
        end: () => {
          if (!settle()) return
          this.#onReadEnd()
          // This runs inside undici's callback: what the last step throws (a body too large
          // for one string or buffer) must reject the read, not reach undici.
          try {
            resolve(finish(sink.result()))
          } catch (error) {
            reject(error)
          }
        },
        fail: (error) => {
          if (settle()) resolve(this.#onReadError(new SourceFailure(error ?? releasedError())))
        },
      })
    })
  }

  readonly #onReadEnd = (): void => {
    this.#completed = true
    this.#finish()
  }

  /** Failed or left early: free the connection before saying we are done. */
  readonly #onReadError = async (error: unknown): Promise<never> => {
    const mapped = this.#mapError(error)
    try {
      if (!this.#completed) await this.#discard()
    } finally {
      this.#finish()
    }
    throw mapped
  }

  /** The body through one node:zlib decoder per coding, joined with `pipeline`. */
  async #readDecoded(codings: Coding[], sink: BodySink): Promise<void> {
    const body = this.#init.body.stream
    const state = { sourceError: undefined as unknown }
    const onEncoded = (chunk: Buffer): void => {
      this.#encoded += chunk.byteLength
    }
    const onSourceError = (error: unknown): void => {
      state.sourceError ??= error
    }
    try {
      this.#decoding = true
      this.#rawBusy = true
      const head = await peek(body)
      // An empty body stays empty, as browsers treat it.
      if (head !== undefined) {
        body.on('data', onEncoded)
        body.on('error', onSourceError)
        const decoders = codings
          .reverse()
          .map((coding, index) => decoderOf(coding, index === 0 ? head : undefined))
        const source = pipeline([body, ...decoders], noop) as unknown as Readable
        await this.#flow(source, true, state, sink)
      }
    } catch (error) {
      body.off('data', onEncoded)
      body.off('error', onSourceError)
      return this.#onReadError(error)
    }
    body.off('data', onEncoded)
    body.off('error', onSourceError)
    this.#onReadEnd()
  }

  /** Moves `source`'s chunks into `sink`, counting them; settles at the end or on failure. */
  #flow(
    source: Readable,
    decoding: boolean,
    state: { sourceError: unknown } | undefined,
    sink: BodySink,
  ): Promise<void> {
    const { body, signal, signalDrivesBody, maxBodySize, decompress, method, url } = this.#init
    this.#rawBusy = true // a release() meanwhile must destroy, not drain
    return new Promise<void>((resolve, reject) => {
      let decoded = 0
      // The listeners come off as soon as the read settles. Left on, they tie this response
      // (and the whole call behind it) to the stream, which undici's socket state keeps
      // reachable for a while: young-generation GCs then copy and promote whole calls.
      let settled = false
      const settle = (): boolean => {
        if (settled) return false
        settled = true
        this.#rawBusy = false
        if (!signalDrivesBody) signal.removeEventListener('abort', onAbort)
        source.off('data', onData)
        source.removeListener('end', onEnd)
        source.removeListener('error', onError)
        source.removeListener('close', onClose)
        sink.resume = undefined
        return true
      }
      const fail = (error: unknown): void => {
        if (!settle()) return
        source.destroy()
        reject(error)
      }
      const onAbort = (): void => {
        body.destroy(signal.reason as Error)
      }
      const onData = (chunk: Buffer): void => {
        if (settled || chunk.byteLength === 0) return
        decoded += chunk.byteLength
        if (!decoding) this.#encoded = decoded
        else if (decoded > decompress.ratioFloor && decoded > decompress.maxRatio * this.#encoded) {
          const limit = decompress.maxRatio
          const encoding = this.#encoding
          fail(new DecompressionError({ method, url, encoding, reason: 'ratio', limit }))
          return
        }
        if (decoded > maxBodySize) {
          fail(new BodySizeError({ method, url, limit: maxBodySize, size: decoded }))
          return
        }
        this.#decoded = decoded
        if (!sink.write(chunk)) source.pause()
      }
      const onEnd = (): void => {
        if (settle()) resolve()
      }
      const onError = (error: unknown): void => {
        if (!decoding) fail(new SourceFailure(error))
        else if (state?.sourceError !== undefined) fail(new SourceFailure(state.sourceError))
        else fail(new DecodeFailure(error))
      }
      // A destroy without an error (our own release) ends the stream with only 'close'.
      const onClose = (): void => {
        if (!source.readableEnded) onError(source.errored ?? releasedError())
      }
      sink.resume = () => source.resume()
      source.on('data', onData)
      source.once('end', onEnd)
      source.once('error', onError)
      source.once('close', onClose)
      if (signal.aborted) onAbort()
      else if (!signalDrivesBody) signal.addEventListener('abort', onAbort, { once: true })
      // A body that failed before anyone read it (its limit passed while it sat unread).
      if (source.destroyed) onClose()
    })
  }

  /** Content codings to undo, in the order sent; throws for ones we refuse. */
  #codings(): Coding[] {
    if (this.#encoding === '') return []
    const names = this.#encoding
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== '' && name !== 'identity')
    const { method, url } = this.#init
    if (names.length > _MAX_CODINGS) {
      throw new DecompressionError({
        method,
        url,
        encoding: this.#encoding,
        reason: 'encodings',
        limit: _MAX_CODINGS,
      })
    }
    return names.map((name) => {
      const coding = name === 'x-gzip' ? 'gzip' : name
      if (
        coding === 'gzip' ||
        coding === 'deflate' ||
        coding === 'br' ||
        (coding === 'zstd' && createZstdDecompress !== undefined)
      ) {
        return coding
      }
      throw new DecompressionError({
        method,
        url,
        encoding: this.#encoding,
        reason: 'unsupported',
      })
    })
  }

  /** Frees the connection of a body nobody reads any more: a short drain, else destroy. */
  async #discard(): Promise<void> {
    const { body, signal } = this.#init
    if (body.destroyed) return
    // Busy, or held in full with no stream: nothing to drain, it is dropped.
    if (this.#rawBusy || this.#decoding || (body.received && !body.streamed)) {
      body.destroy()
      return
    }
    await discardBody(body.stream, this.#declaredLength(), signal)
  }

  /** `Content-Length`, unless the response has no body whatever it says (HEAD, 204, 304). */
  #declaredLength(): number | undefined {
    const { method, status } = this.#init
    if (method === 'HEAD' || status === 204 || status === 304) return undefined
    return _contentLength(this.headers)
  }

  #mapError(error: unknown): unknown {
    const { signal, method, url } = this.#init
    if (signal.aborted) return signal.reason
    if (this.#released && !(error instanceof TypeError)) return releasedError()
    if (error instanceof SourceFailure) return this.#init.classify(error.cause, 'body')
    if (error instanceof DecodeFailure) {
      return new DecompressionError({
        method,
        url,
        encoding: this.#encoding,
        reason: 'corrupt',
        cause: error.cause,
      })
    }
    return error
  }

  #finish(): void {
    if (this.#doneCalled) return
    this.#doneCalled = true
    this.#init.onDone()
  }

  #textDecoder(): StreamDecoder {
    return streamDecoderFor(charsetOf(_headerValue(this.headers['content-type'])))
  }
}

function _identity(bytes: Uint8Array): Uint8Array {
  return bytes
}

function _headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

function _contentLength(headers: HttpHeaders): number | undefined {
  const value = headers['content-length']
  if (typeof value !== 'string' || !/^\s*\d+\s*$/.test(value)) return undefined
  return Number(value)
}

/** Splits decoded text into lines as chunks arrive, keeping only the unfinished line. */
async function* _lines(
  chunks: AsyncIterable<Uint8Array>,
  decoder: StreamDecoder,
): AsyncGenerator<string, void, undefined> {
  let pending = ''
  const split = function* (final: boolean): Generator<string, void, undefined> {
    let start = 0
    let end = pending.indexOf('\n')
    while (end !== -1) {
      yield _stripCr(pending.slice(start, end))
      start = end + 1
      end = pending.indexOf('\n', start)
    }
    pending = pending.slice(start)
    if (final && pending !== '') {
      yield pending
      pending = ''
    }
  }
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true })
    // Only the new text can hold a newline: `pending` never does.
    if (text.includes('\n')) {
      pending += text
      yield* split(false)
    } else {
      pending += text
    }
  }
  pending += decoder.decode()
  yield* split(true)
}

function _stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line
}
