// The body of one response: the chunks the exchange holds until a reader comes, handed
// straight to a reader that only collects them, or through a Readable made on demand for
// the readers that need a stream (back-pressure both ways: undici's socket pauses when the
// chunks held pass the high-water mark and resumes when they are read), the decoders that
// undo content codings, the sinks of the one reader (HttpResponse's `#read`: collect into
// one buffer, or hand chunks to an iterator), and the way to be rid of a body nobody wants.

import { Buffer } from 'node:buffer'
import { Readable, type Transform } from 'node:stream'
import * as zlib from 'node:zlib'
import { noop } from '../_internal/noop.js'

/** What feeds a body: the exchange, which owns the socket's part of it. */
export interface BodySource {
  /** The stream was read from: undici may send more. */
  resume(): void
  /** The stream was destroyed before its end: stop the exchange (`error` or a release). */
  stop(error: Error | null): void
  /** undici has handed over the whole body: nothing holds a socket any more. */
  readonly received: boolean
}

/** Chunks buffered before undici is asked to pause the socket. */
export const HIGH_WATER_MARK = 64 * 1024
/** Bodies whose rest is up to this size are drained to keep the socket. */
const DRAIN_LIMIT = 128 * 1024
/** Longest wait for such a drain before the socket is destroyed instead. */
const DRAIN_TIMEOUT = 500

export class BodyStream extends Readable {
  readonly #source: BodySource

  constructor(source: BodySource) {
    super({ highWaterMark: HIGH_WATER_MARK })
    this.#source = source
    // A body that fails while nobody reads it (a reset, a timeout, our own destroy) must not
    // crash the process; a reader meets the error through the stream's `errored` state.
    this.on('error', noop)
  }

  override _read(): void {
    this.#source.resume()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#source.received) this.#source.stop(error)
    callback(error)
  }

  /** undici has handed over the whole body (it may still sit unread in this stream). */
  get received(): boolean {
    return this.#source.received
  }
}

/** Reads a plain body straight from the exchange: each chunk, then the end or the failure. */
export interface BodyListener {
  data(chunk: Buffer): void
  end(): void
  /** The body failed (`error`) or was released (`undefined`) before its end. */
  fail(error: Error | undefined): void
}

/**
 * A response's body as the exchange holds it. Its chunks wait in an array until a reader
 * comes: a reader that only collects takes them with {@link ResponseBody.listen}, and only
 * readers that need a stream (decoders, iteration, a drain) make the Readable. Most bodies
 * of a batch are small and plain: they then cost no stream, no listener and no tick.
 */
export interface ResponseBody {
  /** The body as a Readable, made on first use; {@link ResponseBody.listen} is then over. */
  readonly stream: BodyStream
  /** The Readable was made. */
  readonly streamed: boolean
  /** A reader has taken chunks (through `listen` or the stream). */
  readonly didRead: boolean
  /** undici has handed over the whole body: nothing holds a socket any more. */
  readonly received: boolean
  /** The body was cut off (destroyed or failed) before it was read to the end. */
  readonly destroyed: boolean
  /** Hands `listener` the chunks held, then the rest as they come (only while not streamed). */
  listen(listener: BodyListener): void
  /** Cuts the body off, as `Readable.destroy` does: `error`, or released when `undefined`. */
  destroy(error?: Error): void
}

/**
 * Frees what `body` holds without reading it: nothing when undici has it all already; a
 * short drain when the rest is small (the socket is then reused); otherwise a destroy, which
 * closes the socket. `declaredLength` is `Content-Length` (`undefined` when unknown).
 */
export async function discardBody(
  body: BodyStream,
  declaredLength: number | undefined,
  abortSignal: { readonly aborted: boolean } | undefined,
): Promise<void> {
  body.on('error', noop)
  if (body.destroyed) return
  if (
    body.received ||
    abortSignal?.aborted === true ||
    (declaredLength !== undefined && declaredLength > DRAIN_LIMIT)
  ) {
    body.destroy()
    return
  }
  await new Promise<void>((resolve) => {
    let drained = 0
    const onData = (chunk: Uint8Array): void => {
      drained += chunk.byteLength
      if (drained > DRAIN_LIMIT) body.destroy()
    }
    const done = (): void => {
      clearTimeout(timer)
      body.off('data', onData)
      body.off('end', done)
      body.off('close', done)
      resolve()
    }
    const timer = setTimeout(() => {
      body.destroy()
      done()
    }, DRAIN_TIMEOUT)
    body.on('data', onData)
    body.on('end', done)
    body.on('close', done)
  })
}

export type Coding = 'gzip' | 'deflate' | 'br' | 'zstd'

type ZstdFactory = () => Transform

export const createZstdDecompress = (zlib as unknown as { createZstdDecompress?: ZstdFactory })
  .createZstdDecompress

/** Where the one reader puts decoded chunks. */
export interface BodySink {
  /** Takes a chunk; `false` asks the reader to pause until `resume` is called. */
  write(chunk: Buffer): boolean
  /** Set by the reader while it runs: lets the source flow again. */
  resume: (() => void) | undefined
}

/** Collects the whole body: owned bytes, bytes from Node's pool, or only the count. */
export class Collector implements BodySink {
  readonly #mode: 'owned' | 'pooled' | 'count'
  readonly #chunks: Buffer[] = []
  #size = 0
  resume: (() => void) | undefined = undefined

  constructor(mode: 'owned' | 'pooled' | 'count') {
    this.#mode = mode
  }

  write(chunk: Buffer): boolean {
    if (this.#mode !== 'count') this.#chunks.push(chunk)
    this.#size += chunk.byteLength
    return true
  }

  result(): Uint8Array {
    if (this.#mode === 'count') return EMPTY
    // Decoded at once and dropped: no copy of a single chunk, and Node's buffer pool for
    // several, much cheaper than a new ArrayBuffer.
    if (this.#mode === 'pooled') {
      return this.#chunks.length === 1
        ? (this.#chunks[0] as Buffer)
        : Buffer.concat(this.#chunks, this.#size)
    }
    // The caller keeps it: a copy with its own memory, holding no socket read buffer.
    const bytes = new Uint8Array(this.#size)
    let offset = 0
    for (const chunk of this.#chunks) {
      bytes.set(chunk, offset)
      offset += chunk.byteLength
    }
    return bytes
  }
}

/**
 * The body as an async iterator: a queue sink, so the source pauses while a chunk waits for
 * the consumer. The read starts with the first `next()`, and `done` (or the error) comes only
 * once the read has settled, the body freed. `return()` (a `break`) cuts the body off.
 */
export class ChunkQueue implements BodySink, AsyncIterableIterator<Uint8Array> {
  readonly #start: (queue: ChunkQueue) => Promise<void>
  readonly #leave: (queue: ChunkQueue) => Promise<void> | undefined
  #dropping = false
  #reading: Promise<void> | undefined
  readonly #chunks: Buffer[] = []
  /** How the read settled: `true` ended, an object failed (reported once), else running. */
  #outcome: true | { error: unknown } | undefined
  #waiter:
    | { resolve: (result: IteratorResult<Uint8Array>) => void; reject: (error: unknown) => void }
    | undefined
  resume: (() => void) | undefined = undefined

  constructor(
    start: (queue: ChunkQueue) => Promise<void>,
    leave: (queue: ChunkQueue) => Promise<void> | undefined,
  ) {
    this.#start = start
    this.#leave = leave
  }

  /** From now on chunks are dropped as they come, and never pause the source. */
  drop(): void {
    this.#dropping = true
    this.#chunks.length = 0
    this.resume?.()
  }

  write(chunk: Buffer): boolean {
    if (this.#dropping) return true
    const waiter = this.#waiter
    if (waiter !== undefined) {
      this.#waiter = undefined
      waiter.resolve({ value: chunk, done: false })
      return true
    }
    this.#chunks.push(chunk)
    return false
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#reading === undefined) {
      this.#reading = this.#start(this).then(
        () => this.#settle(true),
        (error: unknown) => this.#settle({ error }),
      )
    }
    const chunk = this.#chunks.shift()
    if (chunk !== undefined) {
      if (this.#chunks.length === 0) this.resume?.()
      return Promise.resolve({ value: chunk, done: false })
    }
    const outcome = this.#outcome
    if (outcome === true) return Promise.resolve({ value: undefined, done: true })
    if (outcome !== undefined) {
      this.#outcome = true
      return Promise.reject(outcome.error)
    }
    this.resume?.()
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject }
    })
  }

  #settle(outcome: true | { error: unknown }): void {
    this.#outcome = outcome
    const waiter = this.#waiter
    if (waiter === undefined) return
    this.#waiter = undefined
    this.#outcome = true
    if (outcome === true) waiter.resolve({ value: undefined, done: true })
    else waiter.reject(outcome.error)
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    this.#chunks.length = 0
    await this.#leave(this)
    await this.#reading
    this.#outcome = true
    return { value: undefined, done: true }
  }

  async throw(error?: unknown): Promise<IteratorResult<Uint8Array>> {
    await this.return()
    throw error
  }

  [Symbol.asyncIterator](): this {
    return this
  }
}

/** An error of undici's body stream, to be classified. */
export class SourceFailure extends Error {
  constructor(cause: unknown) {
    super('Response body failed', { cause })
  }
}

/** An error of a zlib decoder: the body is not what its `Content-Encoding` says. */
export class DecodeFailure extends Error {
  constructor(cause: unknown) {
    super('Response body could not be decoded', { cause })
  }
}

export function releasedError(): TypeError {
  return new TypeError(
    'Body has already been released: read it before calling release() or leaving its scope',
  )
}

/**
 * The first chunk of `body`, put back so that it is read again; `undefined` when the body is
 * empty. Raw deflate is told from zlib-wrapped deflate by its first two bytes.
 */
export function peek(body: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      body.off('data', onData)
      body.off('end', onEnd)
      body.off('error', onError)
      body.off('close', onClose)
    }
    const onData = (chunk: Buffer): void => {
      done()
      body.pause()
      body.unshift(chunk)
      resolve(chunk)
    }
    const onEnd = (): void => {
      done()
      resolve(undefined)
    }
    const onError = (error: unknown): void => {
      done()
      reject(new SourceFailure(error))
    }
    const onClose = (): void => {
      done()
      reject(new SourceFailure(body.errored ?? releasedError()))
    }
    body.on('data', onData)
    body.once('end', onEnd)
    body.once('error', onError)
    body.once('close', onClose)
    if (body.destroyed) onClose()
  })
}

export function decoderOf(coding: Coding, head: Buffer | undefined): Transform {
  switch (coding) {
    case 'gzip':
      return zlib.createGunzip()
    case 'deflate':
      // Servers send both zlib-wrapped (as the RFC says) and raw deflate; browsers accept both.
      // An inner coding's bytes are not seen before decoding: those follow the RFC.
      return head === undefined || isZlibHeader(head)
        ? zlib.createInflate()
        : zlib.createInflateRaw()
    case 'br':
      return zlib.createBrotliDecompress()
    case 'zstd':
      return createZstdDecompress!()
  }
}

/** RFC 1950: method 8 (deflate), window ≤ 32 KiB, and a header checksum divisible by 31. */
function isZlibHeader(head: Buffer): boolean {
  if (head.byteLength < 2) return false
  const cmf = head[0]!
  const flg = head[1]!
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0
}

const EMPTY = new Uint8Array(0)
