import {
  type AnyIterable,
  type AsyncPipeline,
  DEFAULT_CONCURRENCY,
  mapConcurrent,
  pipe,
} from '../iter/index.js'
import type { BodyReader, Call, Prepared, Template } from './_call.js'
import type { Engine } from './_engine.js'
import type { HttpHeaders } from './errors.js'
import type { HttpResponse } from './http-response.js'
import type { RequestOptions } from './request-options.js'

/** What an ok outcome carries as `value`: how each body is read. */
export type FetchRead<T> =
  | 'text'
  | 'bytes'
  | 'json'
  | 'none'
  | ((response: HttpResponse) => Promise<T>)

/** Options for `HttpClient.fetchAll()`: these, plus every request option. */
export interface FetchAllOptions<T = string> extends RequestOptions {
  /**
   * Requests in flight at once.
   * @defaultValue {@link DEFAULT_CONCURRENCY} (16)
   */
  readonly concurrency?: number
  /**
   * `true` yields outcomes in input order (a bounded reorder buffer); `false` as they finish.
   * @defaultValue false
   */
  readonly ordered?: boolean
  /**
   * How bodies are read: `'text'`, `'bytes'`, `'json'`, `'none'` (read and dropped), or a
   * function of the response. Bodies are always read to the end, so a body that fails is an
   * `ok: false` outcome.
   * @defaultValue 'text'
   */
  readonly read?: FetchRead<T>
  /**
   * The method of every request.
   * @defaultValue 'GET'
   */
  readonly method?: string
}

/** When things happened, in ms. */
export interface FetchTimings {
  /** When the call started (`Date.now()` time). */
  readonly start: number
  /**
   * From `start` until the final attempt was sent: waiting for permits and the rate limit,
   * backoff, and the earlier attempts and redirect hops.
   */
  readonly wait: number
  /** From sending the final attempt to its response headers; `undefined` if none arrived. */
  readonly ttfb: number | undefined
  /** From `start` to the outcome. */
  readonly total: number
}

/** An input that gave a response whose body was read to the end (any status). */
export interface FetchSuccess<T> {
  readonly ok: true
  /** The input exactly as given. */
  readonly input: unknown
  /** Its position in the inputs, from 0. */
  readonly index: number
  /** The final URL, after redirects. */
  readonly url: string
  readonly status: number
  readonly headers: HttpHeaders
  /** Every URL a redirect led to, in order. */
  readonly redirects: readonly string[]
  /** Tries made: 1 + retries (a redirect is not a try). */
  readonly attempts: number
  /**
   * Decoded body bytes read. With a `read` function, the bytes drained after it returned
   * (0 when the function read the body itself).
   */
  readonly size: number
  readonly timings: FetchTimings
  /** The body, as `read` asked. */
  readonly value: T
}

/** An input that did not give a readable response. */
export interface FetchFailure {
  readonly ok: false
  /** The input exactly as given (malformed ones too). */
  readonly input: unknown
  readonly index: number
  /**
   * The URL of the last attempt (the input's, when none was made), when the input was a URL
   * at all.
   */
  readonly url: string | undefined
  /** A typed error with a stable `code` (`ASYNCWITH_…`), or what the `read` function threw. */
  readonly error: Error & { readonly code?: string }
  /** Tries made (0 when the input was not a URL). */
  readonly attempts: number
  /**
   * The final response's status, when its headers had arrived before the failure (a body
   * too large, cut short or not decodable, a `read` function that threw).
   */
  readonly status?: number
  /** The final response's headers, with `status`. */
  readonly headers?: HttpHeaders
  readonly timings: FetchTimings
}

/** One outcome per input. */
export type FetchOutcome<T = string> = FetchSuccess<T> | FetchFailure

/**
 * Fetches every input with the client's `engine` and yields one outcome per input: see
 * `HttpClient.fetchAll()`.
 *
 * @internal
 */
export function fetchAll<T = string>(
  engine: Engine,
  inputs: AnyIterable<unknown>,
  options: FetchAllOptions<T> = {},
): AsyncPipeline<FetchOutcome<T>> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('Expected `options` to be an object')
  }
  const {
    concurrency = DEFAULT_CONCURRENCY,
    ordered = false,
    read = 'text',
    method = 'GET',
  } = options
  if (typeof read !== 'function' && !['text', 'bytes', 'json', 'none'].includes(read)) {
    throw new TypeError(
      `Expected \`read\` to be 'text', 'bytes', 'json', 'none' or a function, got \`${String(read)}\``,
    )
  }
  // 'text', the default, reads with `response.text()` itself: no wrapper per call.
  const plainText = read === 'text'
  const reader = plainText ? readText : readerFor(read)
  // One controller for the whole run, not one per input: it aborts every call in flight when
  // the consumer stops or `options.signal` aborts.
  const run = new AbortController()
  // Resolve the shared options once (this also validates them); each input adds its URL.
  const template = engine.resolve(method, { ...options, signal: run.signal })
  if (template.problem !== undefined) {
    // The same for every input: a bad option of the batch, not a failure of one URL.
    throw new TypeError(
      `Expected \`options\` to give a request that can be sent: ${template.problem}`,
    )
  }
  const outer = options.signal
  const onOuterAbort = () => run.abort(outer?.reason)
  if (outer?.aborted) run.abort(outer.reason)
  else outer?.addEventListener('abort', onOuterAbort, { once: true })
  const outcomes = pipe(
    inputs,
    mapConcurrent(
      (input: unknown, context): Promise<FetchOutcome<T>> =>
        fetchOne(engine, template, input, context.index, run.signal, reader, plainText),
      { concurrency, ordered, signal: outer },
    ),
  )
  return new StoppablePipeline(outcomes, () => {
    outer?.removeEventListener('abort', onOuterAbort)
    if (!run.signal.aborted) run.abort(new DOMException('fetchAll was stopped', 'AbortError'))
  })
}

/**
 * The outcomes, with one step before `return()` and `throw()`: abort the run, so the calls in
 * flight stop before `mapConcurrent` waits for them to settle.
 */
class StoppablePipeline<T> implements AsyncIterableIterator<T>, AsyncDisposable {
  readonly #inner: AsyncPipeline<T>
  readonly #stop: () => void

  constructor(inner: AsyncPipeline<T>, stop: () => void) {
    this.#inner = inner
    this.#stop = stop
  }

  next(): Promise<IteratorResult<T>> {
    // No async function per outcome: the handlers are made once per pipeline.
    let pending: Promise<IteratorResult<T>>
    try {
      pending = this.#inner.next()
    } catch (error) {
      this.#stop()
      return Promise.reject(error)
    }
    return pending.then(this.#onResult, this.#onError)
  }

  readonly #onResult = (result: IteratorResult<T>): IteratorResult<T> => {
    if (result.done === true) this.#stop()
    return result
  }

  readonly #onError = (error: unknown): never => {
    this.#stop()
    throw error
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    this.#stop()
    return this.#inner.return?.(value) ?? Promise.resolve({ done: true, value: undefined })
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.#stop()
    return this.#inner.throw?.(error) ?? Promise.reject(error)
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return()
  }
}

async function fetchOne<T>(
  engine: Engine,
  template: Template,
  input: unknown,
  index: number,
  runSignal: AbortSignal,
  reader: BodyReader,
  plainText: boolean,
): Promise<FetchOutcome<T>> {
  const start = Date.now()
  let prepared: Prepared | undefined
  let call: Call | undefined
  try {
    prepared = engine.prepare(template, input)
    call = engine.call(prepared, reader)
    const response = await call.start()
    let value: T
    let size: number
    if (plainText) {
      value = call.result as T
      size = response.bytesRead
    } else {
      ;({ value, size } = call.result as { value: T; size: number })
    }
    return {
      ok: true,
      input,
      index,
      url: response.url,
      status: response.status,
      headers: response.headers,
      redirects: response.redirects,
      attempts: response.attempts,
      size,
      timings: timingsOf(call, start),
      value,
    }
  } catch (error) {
    if (runSignal.aborted && error === runSignal.reason) throw error
    const failure: FetchFailure = {
      ok: false,
      input,
      index,
      // A call can fail before its first try (a closed client): name the input's URL then.
      url: call?.url ?? prepared?.url.href,
      error: toError(error),
      attempts: call?.attempts ?? 0,
      timings: timingsOf(call, start),
    }
    if (call?.status === undefined) return failure
    return { ...failure, status: call.status, headers: call.headers }
  }
}

function timingsOf(call: Call | undefined, start: number): FetchTimings {
  const sentAt = call === undefined || call.sentAt === 0 ? undefined : call.sentAt
  const headersAt = call === undefined || call.headersAt === 0 ? undefined : call.headersAt
  return {
    start,
    wait: (sentAt ?? Date.now()) - start,
    ttfb: sentAt === undefined || headersAt === undefined ? undefined : headersAt - sentAt,
    total: Date.now() - start,
  }
}

function toError(value: unknown): Error & { code?: string } {
  if (value instanceof Error) return value
  return new Error(`Non-error thrown: ${String(value)}`, { cause: value })
}

function readText(response: HttpResponse): Promise<string> {
  return response.text()
}

function readerFor<T>(
  read: FetchRead<T>,
): (response: HttpResponse) => Promise<{ value: T; size: number }> {
  switch (read) {
    case 'bytes':
      return async (response) => {
        const bytes = await response.bytes()
        return { value: bytes as T, size: bytes.byteLength }
      }
    case 'text':
      return async (response) => {
        const text = await response.text()
        return { value: text as T, size: response.bytesRead }
      }
    case 'json':
      return async (response) => {
        const text = await response.text()
        return { value: JSON.parse(text) as T, size: response.bytesRead }
      }
    case 'none':
      return async (response) => ({ value: undefined as T, size: await response.drain() })
    default:
      return async (response) => {
        const value = await read(response)
        // Read to the end in every mode: a body the function left alone is drained, so a body
        // that fails is still an `ok: false` outcome. One it read or released needs nothing.
        if (!response.bodyUsed) return { value, size: await response.drain() }
        await response.release()
        return { value, size: response.bytesRead }
      }
  }
}
