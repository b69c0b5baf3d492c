// `asyncwith fetch --queue URL`: the coordinator of a job on Redis. It stores the job's options
// once, enqueues the input (resumably, bounded), and collects the records that workers commit
// into one JSONL file, in completion order: append, fsync, and only then ack (design §6.5).
// After a crash, `--resume` cuts a torn last line and skips records already in the file.

import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs'
import { RedisUnavailableError } from '../frontier/index.js'
import type { FetchOptions } from './args.js'
import { UsageError } from './errors.js'
import { openInput } from './input.js'
import { LineSet } from './line-set.js'
import { createReporter } from './progress.js'
import { EXIT_REDIS_UNAVAILABLE, jobOptionsOf, openJob } from './queue-job.js'
import { startQueueProducer } from './queue-producer.js'
import type { RunSummary } from './reporter.js'
import { prepareResume, type RecordedSet } from './resume.js'
import { emptySummary } from './summary.js'

interface QueueIo {
  readonly stdin?: NodeJS.ReadableStream
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean }
  /** Aborting it stops collecting (exit 130); workers go on, and --resume continues. */
  readonly interrupt?: AbortSignal
}

/** Runs the coordinator and resolves to `fetch`'s exit status (0, 1, 130; 75 Redis gone). */
export async function runQueueFetch(options: FetchOptions, io: QueueIo): Promise<number> {
  const startedAt = performance.now()
  if (options.ordered)
    throw new UsageError(
      '--ordered cannot be combined with --queue: records arrive as workers finish',
    )
  if (options.bodyDir !== undefined) {
    throw new UsageError(
      '--body-dir cannot be combined with --queue yet: workers would write bodies on their own machines',
    )
  }
  // Not stored with the job yet: refused rather than silently dropped by the workers.
  const unshared = [
    options.data !== undefined && '-d',
    options.dataFile !== undefined && '--data-file',
    options.http2 && '--http2',
    options.cacert !== undefined && '--cacert',
    options.insecure && '--insecure',
  ].filter((flag): flag is string => flag !== false)
  if (unshared.length > 0) {
    throw new UsageError(
      `${unshared.join(', ')} cannot be combined with --queue yet: the job does not carry ${unshared.length === 1 ? 'it' : 'them'} to its workers`,
    )
  }
  let recorded: RecordedSet | undefined
  if (options.resume) {
    try {
      recorded = (await prepareResume(options.output!)).recorded
    } catch (error) {
      throw new UsageError(`cannot resume '${options.output}': ${(error as Error).message}`)
    }
  }
  const patience = options.redisPatience ?? 300_000
  const opened = await openJob(options.queue!, { patience }, (message) =>
    io.stderr.write(`asyncwith: ${message}
`),
  )
  if (typeof opened === 'number') return opened
  const frontier = opened
  const input = openInput(options, (io.stdin ?? process.stdin) as never)
  let fd: number | undefined
  try {
    const before = await frontier.status()
    if (before.exists && !options.resume) {
      throw new UsageError(
        `job '${frontier.job}' already exists on this Redis: add --resume to continue it, or choose another job name`,
      )
    }
    const wanted = jobOptionsOf(options)
    const stored = await frontier.defineJob(wanted)
    if (JSON.stringify(stored) !== JSON.stringify(wanted) && !options.quiet) {
      io.stderr.write(`asyncwith: job '${frontier.job}' keeps the options it was started with\n`)
    }
    if (options.output !== undefined) {
      try {
        fd = openSync(options.output, options.resume ? 'a' : 'w')
      } catch (error) {
        throw new UsageError(`cannot write '${options.output}': ${(error as Error).message}`)
      }
    }

    // Collecting stops on an interrupt, or when the producer fails (no record would come).
    const stopCollecting = new AbortController()
    const onInterrupt = (): void => stopCollecting.abort()
    if (io.interrupt?.aborted) stopCollecting.abort()
    io.interrupt?.addEventListener('abort', onInterrupt, { once: true })
    let producerError: unknown
    const failed = (error: unknown): void => {
      producerError ??= error
      stopCollecting.abort()
    }
    const producer = await startQueueProducer(
      frontier,
      input,
      wanted,
      (text) => {
        if (!options.quiet) io.stderr.write(`asyncwith: ${text}\n`)
      },
      failed,
    )
    // Lines already written in this run: after Redis lost writes they are recorded again.
    const written = new LineSet()

    const isTTY = io.stderr.isTTY === true
    const reporter = createReporter({ stream: io.stderr as never, quiet: options.quiet, isTTY })
    const summary: RunSummary = emptySummary()
    reporter.start({
      total:
        input.again === undefined || options.quiet || !isTTY
          ? undefined
          : await countEntries(input.again()),
    })
    const results = frontier.results({ batch: 1000, signal: stopCollecting.signal })
    try {
      for await (const batch of results) {
        let text = ''
        for (const { json } of batch.records) {
          const record = JSON.parse(json) as {
            line: number
            input: string
            ok: boolean
            status?: number
            bytes: number
            error?: { code: string }
          }
          // Already in the file: before a crash of this coordinator (written, not acked), or
          // earlier in this run (Redis lost writes, so the line was fetched again).
          if (recorded?.has(record.line, record.input) || !written.add(record.line)) {
            summary.skipped++
            continue
          }
          text += `${json}\n`
          count(summary, record)
          reporter.record({
            ok: record.ok,
            bytes: record.bytes,
            ...(record.status === undefined ? {} : { status: record.status }),
            ...(record.error === undefined ? {} : { errorCode: record.error.code }),
          })
        }
        if (text !== '') {
          if (fd === undefined) await write(io.stdout, text)
          else {
            writeAll(fd, text)
            fsyncSync(fd)
          }
        }
        await batch.ack()
      }
    } finally {
      await results.return()
      stopCollecting.abort()
      producer.stop()
      io.interrupt?.removeEventListener('abort', onInterrupt)
    }
    const interrupted = io.interrupt?.aborted === true
    if (interrupted) input.close()
    else await producer.settled()
    summary.wallMs = Math.round(performance.now() - startedAt)
    summary.interrupted = interrupted
    reporter.finish(summary)
    if (producerError !== undefined) throw producerError
    if (interrupted) return 130
    return summary.failed > 0 ? 1 : 0
  } catch (error) {
    if (error instanceof RedisUnavailableError) {
      io.stderr.write(`asyncwith: ${error.message}; run again with --resume once Redis is back\n`)
      return EXIT_REDIS_UNAVAILABLE
    }
    throw error
  } finally {
    input.close()
    if (fd !== undefined) closeSync(fd)
    await frontier.close()
  }
}

function count(
  summary: RunSummary,
  record: { ok: boolean; status?: number; error?: { code: string } },
): void {
  summary.total++
  if (record.ok) summary.ok++
  else summary.failed++
  if (record.status !== undefined) {
    const key = `${Math.floor(record.status / 100)}xx`
    summary.byStatusClass[key] = (summary.byStatusClass[key] ?? 0) + 1
  }
  if (record.error !== undefined)
    summary.errors[record.error.code] = (summary.errors[record.error.code] ?? 0) + 1
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8')
  let at = 0
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at)
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()))
  })
}

async function countEntries(entries: AsyncIterable<unknown>): Promise<number> {
  let n = 0
  for await (const _ of entries) n++
  return n
}
