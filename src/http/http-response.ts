import { Buffer } from 'node:buffer'
import { STATUS_CODES } from 'node:http'
import type { Transform, Writable } from 'node:stream'
import { TextDecoder } from 'node:util'
import * as zlib from 'node:zlib'
import { discardBody } from './_body.js'
import { decoderFor } from './_charset.js'
import type { ResponseInit } from './_response-init.js'
import { BodySizeError, DecompressionError, type HttpHeaders, HttpTimeoutError } from './errors.js'

// How a body is read: undici's body stream → one node:zlib streaming decoder per content
// coding (each fed by its own small pump, with back-pressure both ways) → one counting loop
// that enforces `maxBodySize` and the ratio bound on decoded bytes → the reader (`text()`,
// `bytes()`, `body`, `lines()`). Nothing holds more than a few chunks: zlib's streams emit
// at most `chunkSize` (16 KiB) per step and stop when their output is not read, so a bomb
// is stopped after at most one step past the limit. (`maxOutputLength` only bounds zlib's
// one-shot functions; the streams never build one large buffer.)

/** Most content codings decoded for one response (aiohttp and curl allow a few). */
const _MAX_CODINGS = 2

type _Coding = 'gzip' | 'deflate' | 'br' | 'zstd'

type _ZstdFactory = () => Transform

const _createZstdDecompress = (zlib as unknown as { createZstdDecompress?: _ZstdFactory })
  .createZstdDecompress

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
   * The URL that answered, after redirects, as an `href`.
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
    // A body that fails while nobody reads it (a reset, a timeout, our own destroy) must not
    // crash the process; a reader meets the error through the stream's `errored` state.
    init.body.on('error', _noop)
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
  async text(): Promise<string> {
    const decoder = decoderFor(_charset(_headerValue(this.headers['content-type'])))
    const bytes = this.#canCollectRaw() ? await this.#collectRaw('pooled') : await this.bytes()
    return decoder.decode(bytes)
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
    if (this.#canCollectRaw()) {
      await this.#collectRaw('count')
      return this.#decoded
    }
    for await (const _chunk of this.#claim()) {
      // Counted by #read as it goes.
    }
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
    if (this.#canCollectRaw()) return this.#collectRaw('owned')
    const chunks: Uint8Array[] = []
    let size = 0
    for await (const chunk of this.#claim()) {
      chunks.push(chunk)
      size += chunk.byteLength
    }
    const bytes = new Uint8Array(size)
    let offset = 0
    for (const chunk of chunks) {
      bytes.set(chunk, offset)
      offset += chunk.byteLength
    }
    return bytes
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
    if (this.#released) throw _releasedError()
  }

  /** No decoding to do and nothing read yet: `bytes()` may take the stream's fast path. */
  #canCollectRaw(): boolean {
    if (this.#claimed || this.#released || this.#init.signal.aborted) return false
    return !this.#init.decompress.enabled || this.#encoding === ''
  }

  /**
   * Reads the whole undecoded body through stream events, without the async generators of
   * `#read()`: most responses of a batch are small and plain, and this is their hot path.
   * The limits are the same: `maxBodySize` while streaming, the idle timer between chunks.
   */
  #collectRaw(mode: 'owned' | 'pooled' | 'count'): Promise<Uint8Array> {
    this.#claimed = true
    this.#started = true
    const { body, signal, maxBodySize, method, url, bodyTimeout, signalDrivesBody } = this.#init
    const length = this.#declaredLength()
    if (length !== undefined && length > maxBodySize) {
      const error = new BodySizeError({
        method,
        url,
        limit: maxBodySize,
        size: length,
        declared: true,
      })
      return this.#discard().then(() => {
        this.#finish()
        throw error
      })
    }
    this.#rawBusy = true // a release() meanwhile must destroy, not drain
    return new Promise<Uint8Array>((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      let timer: ReturnType<typeof setTimeout> | undefined
      if (bodyTimeout !== undefined && bodyTimeout !== Number.POSITIVE_INFINITY) {
        timer = setTimeout(() => {
          body.destroy(new HttpTimeoutError({ method, url, phase: 'body', ms: bodyTimeout }))
        }, bodyTimeout)
      }
      // The listeners come off as soon as the read settles. Left on, they tie this response
      // (and the whole call behind it) to the stream, which undici's socket state and old,
      // dead objects keep reachable for a while: every young-generation GC then copies and
      // promotes whole calls, which cost more than the four removals. The constructor's
      // no-op 'error' listener stays, so a late error cannot crash the process.
      let settled = false
      const settle = (): boolean => {
        if (settled) return false
        settled = true
        this.#rawBusy = false
        if (timer !== undefined) clearTimeout(timer)
        if (!signalDrivesBody) signal.removeEventListener('abort', onAbort)
        body.off('data', onData)
        body.removeListener('end', onEnd)
        body.removeListener('error', onError)
        body.removeListener('close', onClose)
        return true
      }
      const onAbort = (): void => {
        body.destroy(signal.reason)
      }
      const onData = (chunk: Buffer): void => {
        if (settled) return
        size += chunk.byteLength
        this.#encoded = size
        if (size > maxBodySize) {
          settle()
          body.destroy()
          this.#finish()
          reject(new BodySizeError({ method, url, limit: maxBodySize, size }))
          return
        }
        if (mode !== 'count') chunks.push(chunk)
        timer?.refresh()
      }
      const onEnd = (): void => {
        if (!settle()) return
        this.#completed = true
        this.#finish()
        this.#decoded = size
        if (mode === 'count') {
          resolve(_EMPTY)
        } else if (mode === 'owned') {
          // The caller keeps it: a copy with its own memory, holding no socket read buffer.
          const bytes = new Uint8Array(size)
          let offset = 0
          for (const chunk of chunks) {
            bytes.set(chunk, offset)
            offset += chunk.byteLength
          }
          resolve(bytes)
        } else {
          // Decoded at once and dropped: Node's buffer pool is much cheaper than a new
          // ArrayBuffer per body.
          resolve(Buffer.concat(chunks, size))
        }
      }
      const onError = (error: unknown): void => {
        if (!settle()) return
        body.destroy()
        this.#finish()
        reject(this.#mapError(new _SourceFailure(error)))
      }
      // A destroy without an error (our own release) ends the stream with only 'close'.
      const onClose = (): void => {
        if (!body.readableEnded) onError(body.errored ?? _releasedError())
      }
      body.on('data', onData)
      body.once('end', onEnd)
      body.once('error', onError)
      body.once('close', onClose)
      if (signal.aborted) onAbort()
      else if (!signalDrivesBody) signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  #claim(): AsyncGenerator<Uint8Array, void, undefined> {
    this.#assertUsable()
    this.#claimed = true
    return this.#read()
  }

  async *#read(): AsyncGenerator<Uint8Array, void, undefined> {
    this.#started = true
    const { signal, maxBodySize, decompress, body, method, url } = this.#init
    const onAbort = (): void => {
      body.destroy(signal.reason)
    }
    try {
      signal.throwIfAborted()
      if (this.#released) throw _releasedError()
      const codings = decompress.enabled ? this.#codings() : []
      if (codings.length === 0) {
        const length = this.#declaredLength()
        if (length !== undefined && length > maxBodySize) {
          const limit = maxBodySize
          throw new BodySizeError({ method, url, limit, size: length, declared: true })
        }
      }
      signal.addEventListener('abort', onAbort, { once: true })
      let source: AsyncIterable<Buffer> = this.#rawChunks()
      if (codings.length > 0) this.#decoding = true
      for (const coding of codings.reverse()) source = _decode(source, coding)
      let decoded = 0
      for await (const chunk of source) {
        if (this.#released) throw _releasedError()
        if (chunk.byteLength === 0) continue
        decoded += chunk.byteLength
        if (
          codings.length > 0 &&
          decoded > decompress.ratioFloor &&
          decoded > decompress.maxRatio * this.#encoded
        ) {
          throw new DecompressionError({
            method,
            url,
            encoding: this.#encoding,
            reason: 'ratio',
            limit: decompress.maxRatio,
          })
        }
        if (decoded > maxBodySize) {
          throw new BodySizeError({ method, url, limit: maxBodySize, size: decoded })
        }
        this.#decoded = decoded
        yield chunk
      }
      this.#completed = true
    } catch (error) {
      throw this.#mapError(error)
    } finally {
      signal.removeEventListener('abort', onAbort)
      // Failed or left early (`break`): free the connection before saying we are done.
      if (!this.#completed) await this.#discard()
      this.#finish()
    }
  }

  /** undici's chunks, counted; its errors are wrapped so they are told from decoding errors. */
  async *#rawChunks(): AsyncGenerator<Buffer, void, undefined> {
    // `destroyOnReturn: false`: leaving early keeps the stream, so `#discard()` can drain it.
    const iterator = this.#init.body.iterator({ destroyOnReturn: false })
    this.#rawBusy = true
    try {
      for (;;) {
        let result: IteratorResult<Buffer>
        const timer = this.#startIdleTimer()
        try {
          result = await iterator.next()
        } catch (error) {
          throw new _SourceFailure(error)
        } finally {
          if (timer !== undefined) globalThis.clearTimeout(timer)
        }
        if (result.done) return
        this.#encoded += result.value.byteLength
        yield result.value
      }
    } finally {
      this.#rawBusy = false
      await iterator.return?.()
    }
  }

  /** Fails the body with a `body` timeout if no chunk arrives within `bodyTimeout` ms. */
  #startIdleTimer(): ReturnType<typeof setTimeout> | undefined {
    const { bodyTimeout, body, method, url } = this.#init
    if (bodyTimeout === undefined || bodyTimeout === Number.POSITIVE_INFINITY) return undefined
    return globalThis.setTimeout(() => {
      body.destroy(new HttpTimeoutError({ method, url, phase: 'body', ms: bodyTimeout }))
    }, bodyTimeout)
  }

  /** Content codings to undo, in the order sent; throws for ones we refuse. */
  #codings(): _Coding[] {
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
        (coding === 'zstd' && _createZstdDecompress !== undefined)
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
    if (this.#rawBusy || this.#decoding) {
      body.destroy()
      return
    }
    await discardBody(body, this.#declaredLength(), signal)
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
    if (this.#released && !(error instanceof TypeError)) return _releasedError()
    if (error instanceof _SourceFailure) return this.#init.classify(error.cause, 'body')
    if (error instanceof _DecodeFailure) {
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

  #textDecoder(): TextDecoder {
    const label = _charset(_headerValue(this.headers['content-type']))
    if (label !== undefined) {
      try {
        return new TextDecoder(label)
      } catch {
        // An unknown label: fall back to UTF-8, as browsers do.
      }
    }
    return new TextDecoder()
  }
}

/** An error of undici's body stream, to be classified. */
class _SourceFailure extends Error {
  constructor(cause: unknown) {
    super('Response body failed', { cause })
  }
}

/** An error of a zlib decoder: the body is not what its `Content-Encoding` says. */
class _DecodeFailure extends Error {
  constructor(cause: unknown) {
    super('Response body could not be decoded', { cause })
  }
}

function _releasedError(): TypeError {
  return new TypeError(
    'Body has already been released: read it before calling release() or leaving its scope',
  )
}

function _noop(): void {}

function _headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

function _contentLength(headers: HttpHeaders): number | undefined {
  const value = headers['content-length']
  if (typeof value !== 'string' || !/^\s*\d+\s*$/.test(value)) return undefined
  return Number(value)
}

/** The `charset` parameter of a `Content-Type`, unquoted. */
function _charset(contentType: string | undefined): string | undefined {
  // Most types have no parameters at all: nothing to split.
  if (contentType === undefined || !contentType.includes(';')) return undefined
  for (const param of contentType.split(';').slice(1)) {
    const at = param.indexOf('=')
    if (at === -1 || param.slice(0, at).trim().toLowerCase() !== 'charset') continue
    const value = param
      .slice(at + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
    return value === '' ? undefined : value
  }
  return undefined
}

/** Undoes one content coding, streaming; an empty body stays empty (as browsers treat it). */
async function* _decode(
  source: AsyncIterable<Buffer>,
  coding: _Coding,
): AsyncGenerator<Buffer, void, undefined> {
  const input = source[Symbol.asyncIterator]()
  // Peek at the first two bytes: raw deflate has no zlib header, and an empty body has none.
  const head: Buffer[] = []
  let size = 0
  let ended = false
  while (size < 2) {
    const result = await input.next()
    if (result.done) {
      ended = true
      break
    }
    if (result.value.byteLength === 0) continue
    head.push(result.value)
    size += result.value.byteLength
  }
  if (size === 0) return
  const transform = _decoder(coding, head[0]!.byteLength >= 2 ? head[0]! : Buffer.concat(head))
  yield* _through(transform, head, ended ? undefined : input)
}

function _decoder(coding: _Coding, head: Buffer): Transform {
  switch (coding) {
    case 'gzip':
      return zlib.createGunzip()
    case 'deflate':
      // Servers send both zlib-wrapped (as the RFC says) and raw deflate; browsers accept both.
      return _isZlibHeader(head) ? zlib.createInflate() : zlib.createInflateRaw()
    case 'br':
      return zlib.createBrotliDecompress()
    case 'zstd':
      return _createZstdDecompress!()
  }
}

/** RFC 1950: method 8 (deflate), window ≤ 32 KiB, and a header checksum divisible by 31. */
function _isZlibHeader(head: Buffer): boolean {
  if (head.byteLength < 2) return false
  const cmf = head[0]!
  const flg = head[1]!
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0
}

/**
 * Runs `input` through `transform`: a pump writes input chunks (waiting for `drain`) while
 * this generator yields the output as it is asked for, so neither side buffers more than a
 * chunk or two. Errors of `input` pass through as they are; errors of `transform` become
 * {@link _DecodeFailure}.
 */
async function* _through(
  transform: Transform,
  head: readonly Buffer[],
  input: AsyncIterator<Buffer> | undefined,
): AsyncGenerator<Buffer, void, undefined> {
  transform.on('error', _noop)
  let failure: { error: unknown } | undefined
  const pump = async (): Promise<void> => {
    try {
      for (const chunk of head) {
        if (transform.destroyed) return
        if (!transform.write(chunk)) await _drained(transform)
      }
      if (input !== undefined) {
        for (;;) {
          if (transform.destroyed) return void (await input.return?.())
          const result = await input.next()
          if (result.done) break
          if (transform.destroyed) return void (await input.return?.())
          if (!transform.write(result.value)) await _drained(transform)
        }
      }
      if (!transform.destroyed) transform.end()
    } catch (error) {
      failure = { error }
      transform.destroy()
    }
  }
  const pumping = pump()
  try {
    for await (const chunk of transform) yield chunk as Buffer
  } catch (error) {
    if (failure !== undefined) throw failure.error
    throw new _DecodeFailure(error)
  } finally {
    transform.destroy()
  }
  // The output ended, so the pump has called `end()`: it has nothing left to do.
  await pumping
  if (failure !== undefined) throw failure.error
}

/** Resolves on `drain`, or when the stream is destroyed and will never drain. */
function _drained(stream: Writable): Promise<void> {
  if (stream.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
  })
}

/** Splits decoded text into lines as chunks arrive, keeping only the unfinished line. */
async function* _lines(
  chunks: AsyncIterable<Uint8Array>,
  decoder: TextDecoder,
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

const _EMPTY = new Uint8Array(0)
