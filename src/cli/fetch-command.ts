// `asyncwith fetch`: input lines → client.fetchAll → one JSON record per input → output, with
// progress to the reporter, crash-safe appends, `--resume`, and a graceful first Ctrl-C.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, statSync } from 'node:fs'
import { open, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { type ProxyEnv, proxyFromEnv } from '../http/_proxy.js'
import {
  type FetchRead,
  HttpClient,
  type HttpClientOptions,
  type HttpResponse,
} from '../http/index.js'
import type { FetchOptions } from './args.js'
import { BodyWriteError, UsageError } from './errors.js'
import { type InputEntry, openInput } from './input.js'
import { RecordWriter } from './output.js'
import { createReporter } from './progress.js'
import {
  bodyFileName,
  outcomeLine,
  problemLine,
  type RecordContext,
  type RecordFacts,
  type SavedBody,
} from './records.js'
import type { RecordSummary, Reporter, RunSummary } from './reporter.js'
import { prepareResume, type RecordedSet } from './resume.js'

/** How long requests in flight may finish after the first interrupt, in ms. */
export const GRACE_MS = 1000

/** Exit statuses of `asyncwith fetch`. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const

/** The process-facing side of {@link runFetch}; tests and `demo` pass their own. */
export interface FetchIo {
  readonly stdin: Readable
  readonly stdout: Writable
  readonly stderr: Writable & { readonly isTTY?: boolean; readonly columns?: number }
  /** Progress; by default `createReporter({ stream: stderr, quiet, isTTY })`. */
  readonly reporter?: Reporter
  /** Aborting it is a first Ctrl-C: stop reading, let requests in flight finish, exit 130. */
  readonly interrupt?: AbortSignal
  /**
   * Install SIGINT/SIGTERM handlers for the run: the first stops gracefully, the second writes
   * the buffered records and exits the process at once with 130.
   * @defaultValue false
   */
  readonly handleSignals?: boolean
}

/** Thrown into the requests still in flight when the grace period after an interrupt ends. */
class InterruptedError extends Error {
  override readonly name = 'InterruptedError'
}

/**
 * The client options of `--proxy`, `--noproxy`, `--http2` and `--cacert`, checked before
 * anything is opened: a bad proxy variable or an unreadable CA file is a usage error. The CLI
 * honours the proxy environment by default, as curl does; the library only with `'env'`.
 */
function networkOptions(options: FetchOptions, env: ProxyEnv): HttpClientOptions {
  const network: HttpClientOptions = {
    ...(options.noProxy === undefined ? {} : { noProxy: options.noProxy }),
    ...(options.http2 ? { http2: true } : {}),
  }
  if (options.proxy === 'env') {
    try {
      proxyFromEnv(env, options.noProxy)
    } catch (error) {
      throw new UsageError((error as Error).message.replace(/^Expected/, 'expected'))
    }
    Object.assign(network, { proxy: 'env' })
  } else if (options.proxy !== false) Object.assign(network, { proxy: options.proxy })
  if (options.cacert !== undefined) {
    try {
      Object.assign(network, { tls: { ca: readFileSync(options.cacert, 'utf8') } })
    } catch (error) {
      throw new UsageError(`cannot read --cacert '${options.cacert}': ${(error as Error).message}`)
    }
  }
  return network
}

/**
 * Runs `asyncwith fetch` and resolves to its exit status: 0 every URL ok (a response with
 * status < 400), 1 some failed, 130 interrupted.
 * @throws {@link UsageError} For an input or output that cannot be opened (exit status 2).
 */
export async function runFetch(options: FetchOptions, io: FetchIo): Promise<number> {
  const startedAt = performance.now()
  checkNotSameFile(options)
  const network = networkOptions(options, process.env)
  const input = openInput(options, io.stdin)
  let recorded: RecordedSet | undefined
  if (options.resume) {
    let state: Awaited<ReturnType<typeof prepareResume>>
    try {
      state = await prepareResume(options.output!)
    } catch (error) {
      input.close()
      throw new UsageError(`cannot resume '${options.output}': ${(error as Error).message}`)
    }
    recorded = state.recorded
    if (state.unreadable > 0 && !options.quiet) {
      io.stderr.write(
        `asyncwith: ${state.unreadable} lines of '${options.output}' are not records; they are kept and ignored\n`,
      )
    }
  }
  const bodyDir = options.bodyDir
  if (bodyDir !== undefined) {
    try {
      mkdirSync(bodyDir, { recursive: true })
    } catch (error) {
      input.close()
      throw new UsageError(`cannot create --body-dir '${bodyDir}': ${(error as Error).message}`)
    }
  }

  let interrupted = false
  let writeFailed = false
  const stop = new AbortController()
  const abort = new AbortController()
  let grace: ReturnType<typeof setTimeout> | undefined
  const stopReading = (): void => {
    if (stop.signal.aborted) return
    stop.abort()
    input.close()
  }
  const interrupt = (): void => {
    if (interrupted) return
    interrupted = true
    stopReading()
    grace = setTimeout(() => abort.abort(new InterruptedError('Interrupted')), GRACE_MS)
  }

  let writer: RecordWriter
  try {
    writer = new RecordWriter(
      options.output === undefined
        ? { stream: io.stdout }
        : { path: options.output, append: options.resume },
      () => {
        writeFailed = true
        stopReading()
        abort.abort(new InterruptedError('Output failed'))
      },
    )
  } catch (error) {
    input.close()
    throw new UsageError(`cannot write '${options.output}': ${(error as Error).message}`)
  }

  const signals = io.handleSignals === true ? installSignals(interrupt, writer) : undefined
  const onInterrupt = (): void => interrupt()
  if (io.interrupt?.aborted) interrupt()
  else io.interrupt?.addEventListener('abort', onInterrupt, { once: true })

  // Records printed to the same terminal would be torn apart by the redrawn bar.
  const isTTY =
    io.stderr.isTTY === true &&
    !(options.output === undefined && (io.stdout as { isTTY?: boolean }).isTTY === true)
  const reporter = io.reporter ?? createReporter({ stream: io.stderr, quiet: options.quiet, isTTY })
  // Only a drawn bar shows the total, and only the default reporter is known not to draw one:
  // otherwise counting would read the whole input a second time for nothing.
  const wantsTotal = io.reporter !== undefined || (!options.quiet && isTTY)
  // A quiet default reporter ignores records: do not build what it would be told.
  const wantsRecords = io.reporter !== undefined || !options.quiet
  const isNew =
    recorded === undefined
      ? undefined
      : (entry: InputEntry): boolean => !recorded.has(entry.line, entry.text)

  const summary: RunSummary = {
    total: 0,
    ok: 0,
    failed: 0,
    byStatusClass: {},
    errors: {},
    wallMs: 0,
    interrupted: false,
    skipped: 0,
  }
  const facts: RecordFacts = { ok: false, status: undefined, errorCode: undefined, bytes: 0 }
  const classKeys = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx']
  /** Writes the record `json` whose facts are in `facts`, and counts it. */
  const emit = (json: string): void => {
    writer.write(json)
    summary.total++
    if (facts.ok) summary.ok++
    else summary.failed++
    const { status, errorCode } = facts
    if (status !== undefined) {
      const group = Math.floor(status / 100)
      const key = classKeys[group] ?? `${group}xx`
      summary.byStatusClass[key] = (summary.byStatusClass[key] ?? 0) + 1
    }
    if (errorCode !== undefined) summary.errors[errorCode] = (summary.errors[errorCode] ?? 0) + 1
    if (wantsRecords) {
      const record: RecordSummary = { ok: facts.ok, bytes: facts.bytes }
      if (status !== undefined) record.status = status
      if (errorCode !== undefined) record.errorCode = errorCode
      reporter.record(record)
    }
  }

  // Inputs in flight, by their index in what fetchAll was given: at most concurrency plus
  // the reorder buffer, never the whole input.
  const pending = new Map<number, InputEntry>()
  const inputs = inputsOf(
    untilAborted(input.batches(), stop.signal),
    stop.signal,
    (entry, index) => {
      if (isNew !== undefined && !isNew(entry)) {
        summary.skipped++
        return false
      }
      pending.set(index, entry)
      return true
    },
  )

  const client = new HttpClient({
    perHost: options.perHost,
    retry: { limit: options.retries },
    ...(options.timeout === false ? {} : { timeout: { total: options.timeout } }),
    ...(options.rate === undefined
      ? {}
      : { rateLimit: { rate: options.rate.rate, per: options.rate.per, burst: 1 } }),
    maxBodySize: options.maxBody,
    headers: options.headers,
    ...network,
  })

  let failure: unknown
  try {
    const total =
      input.count === undefined || !wantsTotal
        ? undefined
        : await input.count(isNew ?? (() => true))
    reporter.start({ total })
    const outcomes = client.fetchAll<unknown>(inputs, {
      concurrency: options.concurrency,
      ordered: options.ordered,
      method: options.method,
      read: readerFor(options),
      signal: abort.signal,
    })
    for await (const outcome of outcomes) {
      const entry = pending.get(outcome.index)!
      pending.delete(outcome.index)
      if (entry.problem !== undefined) {
        emit(problemLine(entry, facts))
      } else {
        const context: RecordContext =
          bodyDir !== undefined && outcome.ok
            ? {
                body: options.body,
                bodyFile: placeBody(bodyDir, entry, outcome.value as SavedBody),
              }
            : { body: options.body }
        emit(outcomeLine(entry, outcome, context, facts))
      }
      const ready = writer.ready()
      if (ready !== undefined) await ready
    }
  } catch (error) {
    if (!(abort.signal.aborted && error === abort.signal.reason)) failure = error
  } finally {
    if (grace !== undefined) clearTimeout(grace)
    io.interrupt?.removeEventListener('abort', onInterrupt)
    stopReading()
    await writer.close()
    await client.close()
    signals?.remove()
  }
  summary.wallMs = Math.round(performance.now() - startedAt)
  summary.interrupted = interrupted
  reporter.finish(summary)

  if (writeFailed) {
    io.stderr.write(`asyncwith: cannot write records: ${writer.error?.message}\n`)
    return EXIT.failed
  }
  if (failure !== undefined) {
    io.stderr.write(`asyncwith: ${failure instanceof Error ? failure.message : String(failure)}\n`)
    return EXIT.failed
  }
  if (interrupted) return EXIT.interrupted
  return summary.failed > 0 ? EXIT.failed : EXIT.ok
}

/** How fetchAll reads bodies for `--body` and `--body-dir`. */
function readerFor(options: FetchOptions): FetchRead<unknown> {
  const dir = options.bodyDir
  if (dir !== undefined) return (response) => saveBody(dir, response)
  if (options.body === 'text') return 'text'
  if (options.body === 'base64') return 'bytes'
  return 'none'
}

/**
 * Streams a body into a temporary file in `dir` (its final name needs the input's line, which
 * the reader does not know); a retry starts a new file, a failure removes it.
 */
async function saveBody(dir: string, response: HttpResponse): Promise<SavedBody> {
  const tempPath = join(dir, `.asyncwith-${randomBytes(8).toString('hex')}.part`)
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(tempPath, 'w')
  } catch (error) {
    await response.release()
    throw bodyWriteError(tempPath, error)
  }
  let bytes = 0
  let writing = false
  try {
    for await (const chunk of response.body) {
      writing = true
      let at = 0
      while (at < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, at, chunk.byteLength - at)
        at += bytesWritten
      }
      writing = false
      bytes += chunk.byteLength
    }
    writing = true
    await handle.close()
    return { tempPath, bytes }
  } catch (error) {
    await handle.close().catch(() => {})
    await unlink(tempPath).catch(() => {})
    if (writing) {
      await response.release()
      throw bodyWriteError(tempPath, error)
    }
    throw error
  }
}

function bodyWriteError(path: string, cause: unknown): BodyWriteError {
  const detail = cause instanceof Error ? cause.message : String(cause)
  return new BodyWriteError(`Cannot write the body to ${path}: ${detail}`, { cause })
}

/** Renames a saved body to its final, safe name in `dir`. */
function placeBody(dir: string, entry: InputEntry, saved: SavedBody): RecordContext['bodyFile'] {
  const path = join(dir, bodyFileName(entry.line, entry.text))
  try {
    renameSync(saved.tempPath, path)
    return { path, bytes: saved.bytes }
  } catch (error) {
    return { error: bodyWriteError(path, error) }
  }
}

const DONE: IteratorResult<never, undefined> = { done: true, value: undefined }

/**
 * The inputs fetchAll is given, from batches of entries: each entry `accept`s (given its index
 * among the accepted) as its URL, or as `null` for a bad line, which goes through fetchAll too
 * (an instant failure) so that --ordered keeps its record in place. Ends when `signal` aborts.
 * A plain iterator rather than an async generator: most `next()` calls are answered from the
 * current batch, at the cost of one settled promise.
 */
function inputsOf(
  batches: AsyncIterable<readonly InputEntry[]>,
  signal: AbortSignal,
  accept: (entry: InputEntry, index: number) => boolean,
): AsyncIterableIterator<string | null> {
  const source = batches[Symbol.asyncIterator]()
  let batch: readonly InputEntry[] = []
  let at = 0
  let index = 0
  let ended = false
  let filling: Promise<void> | undefined
  const fill = async (): Promise<void> => {
    try {
      const result = await source.next()
      if (result.done) ended = true
      else {
        batch = result.value
        at = 0
      }
    } finally {
      filling = undefined
    }
  }
  const iterator: AsyncIterableIterator<string | null> = {
    async next() {
      for (;;) {
        if (signal.aborted || ended) return DONE
        while (at < batch.length) {
          const entry = batch[at++]!
          if (accept(entry, index)) {
            index++
            return { done: false, value: entry.problem === undefined ? entry.text : null }
          }
        }
        filling ??= fill()
        await filling
      }
    },
    async return() {
      ended = true
      await source.return?.()
      return DONE
    },
    [Symbol.asyncIterator]() {
      return iterator
    },
  }
  return iterator
}

/** Ends `source` as soon as `signal` aborts, even while a `next()` is still waiting (stdin). */
function untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]()
      let onAbort: (() => void) | undefined
      const aborted = new Promise<IteratorResult<T>>((resolve) => {
        onAbort = () => resolve({ done: true, value: undefined })
        if (signal.aborted) onAbort()
        else signal.addEventListener('abort', onAbort, { once: true })
      })
      const cleanup = (): void => {
        if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
      }
      return {
        async next() {
          if (signal.aborted) return { done: true, value: undefined }
          const result = await Promise.race([iterator.next(), aborted])
          if (result.done) cleanup()
          return result
        },
        async return() {
          cleanup()
          // Do not wait: a generator blocked in a read ends once the stream is destroyed.
          iterator.return?.().catch(() => {})
          return { done: true, value: undefined }
        },
      }
    },
  }
}

/** SIGINT/SIGTERM: the first one interrupts; the next flushes what is buffered and exits. */
function installSignals(interrupt: () => void, writer: RecordWriter): { remove(): void } {
  let count = 0
  const handler = (): void => {
    count++
    if (count === 1) {
      interrupt()
      return
    }
    writer.flush()
    process.exit(EXIT.interrupted)
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    remove() {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    },
  }
}

/** `-i` and `-o` naming the same file would read records as URLs and clobber the input. */
function checkNotSameFile(options: FetchOptions): void {
  const { input, output } = options
  if (input === undefined || input === '-' || output === undefined) return
  try {
    const a = statSync(input)
    const b = statSync(output)
    if (a.dev === b.dev && a.ino === b.ino) {
      throw new UsageError(`-i and -o name the same file '${output}'`)
    }
  } catch (error) {
    if (error instanceof UsageError) throw error
  }
}
