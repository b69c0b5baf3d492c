// The body of one response as undici delivers it: a Readable fed by the exchange's handler,
// with back-pressure both ways (undici's socket pauses when the stream is full, and resumes
// when it is read), and the way to be rid of a body nobody wants.
import { Readable } from 'node:stream'

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
const HIGH_WATER_MARK = 64 * 1024
/** Bodies whose rest is up to this size are drained to keep the socket. */
const DRAIN_LIMIT = 128 * 1024
/** Longest wait for such a drain before the socket is destroyed instead. */
const DRAIN_TIMEOUT = 500

export class BodyStream extends Readable {
  readonly #source: BodySource

  constructor(source: BodySource) {
    super({ highWaterMark: HIGH_WATER_MARK })
    this.#source = source
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

function noop(): void {}

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
