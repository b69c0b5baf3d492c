// `asyncwith fetch`: input lines → client.fetchAll → one JSON record per input → output, with
// progress to the reporter, crash-safe appends, `--resume`, and a graceful first Ctrl-C.
// This file is the orchestration; each part lives in its own file.
import { statSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { HttpClient, type HttpClientOptions } from '../http/index.js'
import type { FetchOptions } from './args.js'
import { placeBody, prepareBodyDir } from './body-files.js'
import { clientOptionsOf, requestOptionsOf } from './client-options.js'
import { describeFsError, UsageError } from './errors.js'
import { fetchInputs } from './fetch-inputs.js'
import { type InputEntry, type InputSource, openInput } from './input.js'
import { RunStop } from './interrupt.js'
import { RecordWriter } from './output.js'
import { createReporter } from './progress.js'
import {
  outcomeLine,
  problemLine,
  type RecordContext,
  type RecordFacts,
  type SavedBody,
} from './records.js'
import type { Reporter } from './reporter.js'
import { checkRecordsMatch, entryMismatch, prepareResume, type RecordedSet } from './resume.js'
import { SummaryCounter } from './summary.js'

export { GRACE_MS } from './interrupt.js'

/** Exit statuses of `asyncwith fetch`. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130, brokenPipe: 141 } as const

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
  /**
   * What an interrupted run's summary ends with when records went to a file: the exact
   * command that continues it (the CLI passes one), or why it cannot be continued.
   * @defaultValue 'run again with --resume to continue'
   */
  readonly resumeHint?: string
  /** The environment, for `TERM` and `NO_COLOR` (see `createReporter`). */
  readonly env?: Readonly<Record<string, string | undefined>>
}

/**
 * Runs `asyncwith fetch` and resolves to its exit status: 0 every URL ok (a response with
 * status < 400), 1 some failed, 130 interrupted, 141 stdout closed by its reader.
 * @throws {@link UsageError} For an input or output that cannot be opened, or `--resume` on a
 * file that is not records of this input (exit status 2; nothing is written).
 */
export async function runFetch(options: FetchOptions, io: FetchIo): Promise<number> {
  const startedAt = performance.now()
  checkNotSameFile(options)
  const clientOptions = clientOptionsOf(options)
  const requestOptions = requestOptionsOf(options)
  const input = openInput(options, io.stdin)
  let recorded: RecordedSet | undefined
  let writer: RecordWriter
  try {
    recorded = options.resume ? await resumeState(options.output!, input) : undefined
    if (options.bodyDir !== undefined) prepareBodyDir(options.bodyDir)
    writer = openWriter(options, io, () => stop.fail())
  } catch (error) {
    input.close()
    throw error
  }
  const stop: RunStop = new RunStop({
    closeInput: () => input.close(),
    interrupt: io.interrupt,
    handleSignals: io.handleSignals === true,
    flush: () => writer.flush(),
    exitCode: EXIT.interrupted,
  })

  // Records printed to the same terminal would be torn apart by the redrawn bar.
  const isTTY =
    io.stderr.isTTY === true &&
    !(options.output === undefined && (io.stdout as { isTTY?: boolean }).isTTY === true)
  const reporter =
    io.reporter ??
    createReporter({ stream: io.stderr, quiet: options.quiet, isTTY, env: io.env ?? {} })
  // Only a drawn bar shows the total, and only the default reporter is known not to draw one:
  // otherwise counting would read the whole input a second time for nothing.
  const wantsTotal = io.reporter !== undefined || (!options.quiet && isTTY)
  // A quiet default reporter ignores records: do not build what it would be told.
  const counter = new SummaryCounter(reporter, io.reporter !== undefined || !options.quiet)
  const isNew =
    recorded === undefined
      ? undefined
      : (entry: InputEntry): boolean => {
          if (recorded.has(entry.line, entry.text)) {
            counter.skip()
            return false
          }
          // Stdin could not be checked before the run: check it as it comes.
          const mismatch = entryMismatch(recorded, entry, options.output!, 'the run stopped there')
          if (mismatch !== undefined) throw mismatch
          return true
        }

  // Inputs in flight, by their index in what fetchAll was given: at most concurrency plus
  // the reorder buffer, never the whole input.
  const pending = new Map<number, InputEntry>()
  const client = openClient(clientOptions)
  const facts: RecordFacts = { ok: false, status: undefined, errorCode: undefined, bytes: 0 }
  let failure: unknown
  try {
    reporter.start({ total: wantsTotal ? await countNew(input, recorded) : undefined })
    const outcomes = client.fetchAll<unknown>(
      fetchInputs(input.batches(), stop.reading, pending, isNew),
      { ...requestOptions, signal: stop.requests },
    )
    for await (const outcome of outcomes) {
      const entry = pending.get(outcome.index)!
      pending.delete(outcome.index)
      let json: string
      if (entry.problem !== undefined) json = problemLine(entry, facts)
      else {
        const context: RecordContext =
          options.bodyDir !== undefined && outcome.ok
            ? {
                body: options.body,
                bodyFile: await placeBody(options.bodyDir, entry, outcome.value as SavedBody),
              }
            : { body: options.body }
        json = outcomeLine(entry, outcome, context, facts)
      }
      writer.write(json)
      if (writer.error === undefined) counter.count(facts)
      const ready = writer.ready()
      if (ready !== undefined) await ready
    }
  } catch (error) {
    if (!stop.isOwnAbort(error)) failure = error
  } finally {
    stop.dispose()
    await writer.close()
    await client.close()
  }
  const summary = counter.summary
  summary.wallMs = Math.round(performance.now() - startedAt)
  summary.interrupted = stop.interrupted
  summary.resumeHint =
    options.output === undefined
      ? 'records went to stdout, so this run cannot be resumed (give -o FILE to make a run resumable)'
      : `${io.resumeHint ?? 'run again with --resume to continue'}${options.input === '-' ? ' (with the same input on stdin)' : ''}`
  const writeError = writer.error as (Error & { code?: unknown }) | undefined
  const brokenPipe = writeError?.code === 'EPIPE' && options.output === undefined
  summary.silent = writeError !== undefined || failure instanceof UsageError
  reporter.finish(summary)

  if (failure instanceof UsageError) throw failure
  if (brokenPipe) return EXIT.brokenPipe
  if (writeError !== undefined) {
    const text = writeFailureText(options, writeError, writer.written, summary.resumeHint)
    io.stderr.write(`asyncwith: ${text}\n`)
    return EXIT.failed
  }
  if (failure !== undefined) {
    io.stderr.write(`asyncwith: ${failure instanceof Error ? failure.message : String(failure)}\n`)
    return EXIT.failed
  }
  if (stop.interrupted) return EXIT.interrupted
  return summary.failed > 0 ? EXIT.failed : EXIT.ok
}

/**
 * Reads the `--resume` records, and checks them against a re-readable input now, before
 * anything is written (stdin is checked as it is read).
 */
async function resumeState(output: string, input: InputSource): Promise<RecordedSet> {
  let state: Awaited<ReturnType<typeof prepareResume>>
  try {
    state = await prepareResume(output)
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`cannot resume '${output}': ${describeFsError(error)}`)
  }
  if (input.again !== undefined) await checkRecordsMatch(state.recorded, input.again(), output)
  return state.recorded
}

/** Inputs this run will fetch, for the bar's total; undefined when the input is read once. */
async function countNew(
  input: InputSource,
  recorded: RecordedSet | undefined,
): Promise<number | undefined> {
  if (input.again === undefined) return undefined
  let n = 0
  for await (const entry of input.again()) {
    if (recorded === undefined || !recorded.has(entry.line, entry.text)) n++
  }
  return n
}

function openWriter(options: FetchOptions, io: FetchIo, onError: () => void): RecordWriter {
  const { output } = options
  try {
    return new RecordWriter(
      output === undefined ? { stream: io.stdout } : { path: output, append: options.resume },
      onError,
    )
  } catch (error) {
    const code = (error as { code?: unknown }).code
    const why =
      code === 'ENOENT' ? `no such directory '${dirname(output!)}'` : describeFsError(error)
    throw new UsageError(`cannot write '${output}': ${why}`)
  }
}

/** What a failed output leaves: how many records are safe, and how to go on. */
function writeFailureText(
  options: FetchOptions,
  error: Error,
  written: number,
  resumeHint: string,
): string {
  const records = `${written} ${written === 1 ? 'record' : 'records'}`
  if (options.output === undefined) {
    return `cannot write records to stdout: ${describeFsError(error)}; ${records} of this run were written before it`
  }
  return `cannot write records to '${options.output}': ${describeFsError(error)}; ${records} of this run are safely in it; once the cause is fixed, ${resumeHint}`
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

/** The run's client; a proxy environment it cannot use (`HTTPS_PROXY=ftp://…`) is a usage error. */
function openClient(options: HttpClientOptions): HttpClient {
  try {
    return new HttpClient(options)
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new UsageError(error.message.replace(/^Expected/, 'expected'))
    }
    throw error
  }
}
