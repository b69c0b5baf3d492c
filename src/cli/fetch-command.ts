// `asyncwith fetch`: input lines → client.fetchAll → one JSON record per input → output, with
// progress to the reporter, crash-safe appends, `--resume`, and a graceful first Ctrl-C.
import { randomBytes } from 'node:crypto'
import { mkdirSync, renameSync, statSync } from 'node:fs'
import { open, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { type FetchRead, HttpClient, type HttpResponse } from '../http/index.js'
import type { FetchOptions } from './args.js'
import { BodyWriteError, UsageError } from './errors.js'
import { type InputEntry, openInput } from './input.js'
import { RecordWriter } from './output.js'
import { createReporter } from './progress.js'
import {
  bodyFileName,
  type FetchRecord,
  outcomeRecord,
  problemRecord,
  type RecordContext,
  type SavedBody,
  summaryOf,
} from './records.js'
import type { Reporter, RunSummary } from './reporter.js'
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
 * Runs `asyncwith fetch` and resolves to its exit status: 0 every URL ok (a response with
 * status < 400), 1 some failed, 130 interrupted.
 * @throws {@link UsageError} For an input or output that cannot be opened (exit status 2).
 */
export async function runFetch(options: FetchOptions, io: FetchIo): Promise<number> {
  const startedAt = performance.now()
  checkNotSameFile(options)
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

  const reporter =
    io.reporter ??
    createReporter({
      stream: io.stderr,
      quiet: options.quiet,
      // Records printed to the same terminal would be torn apart by the redrawn bar.
      isTTY:
        io.stderr.isTTY === true &&
        !(options.output === undefined && (io.stdout as { isTTY?: boolean }).isTTY === true),
    })
  const isNew = (entry: InputEntry): boolean =>
    recorded === undefined || !recorded.has(entry.line, entry.text)

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
  const emit = (record: FetchRecord): void => {
    writer.write(JSON.stringify(record))
    summary.total++
    if (record.ok) summary.ok++
    else summary.failed++
    if (record.status !== undefined) {
      const key = `${Math.floor(record.status / 100)}xx`
      summary.byStatusClass[key] = (summary.byStatusClass[key] ?? 0) + 1
    }
    if (record.error !== undefined) {
      summary.errors[record.error.code] = (summary.errors[record.error.code] ?? 0) + 1
    }
    reporter.record(summaryOf(record))
  }

  // Inputs in flight, by their index in what fetchAll was given: at most concurrency plus
  // the reorder buffer, never the whole input.
  const pending = new Map<number, InputEntry>()
  async function* inputs(): AsyncGenerator<string | null> {
    let index = 0
    for await (const entry of untilAborted(input.entries(), stop.signal)) {
      if (!isNew(entry)) {
        summary.skipped++
        continue
      }
      pending.set(index++, entry)
      // A bad line goes through fetchAll too (as null, an instant failure), so --ordered
      // keeps its record in place.
      yield entry.problem === undefined ? entry.text : null
    }
  }

  const client = new HttpClient({
    perHost: options.perHost,
    retry: { limit: options.retries },
    ...(options.timeout === false ? {} : { timeout: { total: options.timeout } }),
    ...(options.rate === undefined
      ? {}
      : { rateLimit: { rate: options.rate.rate, per: options.rate.per, burst: 1 } }),
    maxBodySize: options.maxBody,
    headers: options.headers,
  })

  let failure: unknown
  try {
    const total = input.count === undefined ? undefined : await input.count(isNew)
    reporter.start({ total })
    const outcomes = client.fetchAll<unknown>(inputs(), {
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
        emit(problemRecord(entry))
      } else {
        const context: RecordContext =
          bodyDir !== undefined && outcome.ok
            ? {
                body: options.body,
                bodyFile: placeBody(bodyDir, entry, outcome.value as SavedBody),
              }
            : { body: options.body }
        emit(outcomeRecord(entry, outcome, context))
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
