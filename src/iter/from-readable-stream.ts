import { describeValue } from '../_internal/describe-value.js'
import { asyncDisposeSymbol } from '../_internal/symbols.js'
import { DONE } from './_concurrent.js'
import type { AsyncPipeline } from './_types.js'

/** Options of {@link fromReadableStream}. */
export interface FromReadableStreamOptions {
  /**
   * Leaves the stream running when the consumer stops early: the reader lock is released
   * but the stream is not cancelled, as `stream.values({ preventCancel: true })` does.
   * @defaultValue false
   */
  readonly preventCancel?: boolean
}

class StreamIterator<T> implements AsyncIterableIterator<T> {
  readonly #stream: ReadableStream<T>
  readonly #preventCancel: boolean
  #reader: ReadableStreamDefaultReader<T> | undefined
  #closed = false

  constructor(stream: ReadableStream<T>, preventCancel: boolean) {
    this.#stream = stream
    this.#preventCancel = preventCancel
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** Closes the iterator, as `return()` does, so `await using` works on it. */
  async [asyncDisposeSymbol](): Promise<void> {
    await this.return()
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#closed) return Promise.resolve(DONE)
    let reader = this.#reader
    if (reader === undefined) {
      try {
        reader = this.#stream.getReader()
      } catch (error) {
        this.#closed = true
        return Promise.reject(error)
      }
      this.#reader = reader
    }
    // Reads queue up in the reader in call order, so concurrent `next()` calls stay ordered.
    return reader.read().then(
      (result) => {
        if (!result.done) return { done: false, value: result.value }
        this.#release()
        return DONE
      },
      (error: unknown) => {
        this.#release()
        throw error
      },
    )
  }

  async return(): Promise<IteratorResult<T>> {
    if (this.#closed) return DONE
    const reader = this.#reader
    this.#closed = true
    if (reader === undefined) return DONE
    this.#reader = undefined
    try {
      // Cancelling settles any pending read with `done` before the lock goes.
      if (!this.#preventCancel) await reader.cancel()
    } finally {
      reader.releaseLock()
    }
    return DONE
  }

  #release(): void {
    if (this.#closed) return
    this.#closed = true
    this.#reader?.releaseLock()
    this.#reader = undefined
  }
}

/**
 * Reads a Web `ReadableStream` as an async iterator, on any runtime (some browsers lack
 * `ReadableStream.prototype[Symbol.asyncIterator]`).
 *
 * The stream is locked on the first `next()` and the lock is released when it ends, errors
 * (the error is rethrown), or the consumer stops. Stopping early (`break`, `return()`)
 * cancels the stream, which also settles a read still pending, unless `preventCancel` is
 * set; `return()` before the first `next()` leaves the stream untouched.
 *
 * @param stream - The stream to read.
 * @param options - `preventCancel`.
 * @returns An iterator of the stream's chunks.
 * @throws `TypeError` at once when `stream` is not a `ReadableStream`.
 * @example
 * import { fromReadableStream } from 'asyncwith/iter'
 *
 * const body = new Response('hello').body!
 * for await (const chunk of fromReadableStream(body)) console.log(chunk.byteLength) // 5
 */
export function fromReadableStream<T>(
  stream: ReadableStream<T>,
  options?: FromReadableStreamOptions,
): AsyncPipeline<T> {
  if (
    stream === null ||
    typeof stream !== 'object' ||
    typeof (stream as ReadableStream<T>).getReader !== 'function'
  ) {
    throw new TypeError(`Expected \`stream\` to be a ReadableStream, got ${describeValue(stream)}`)
  }
  return new StreamIterator(stream, options?.preventCancel ?? false)
}
