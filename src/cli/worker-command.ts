// `asyncwith worker URL`: leases lines of a `--queue` job from Redis, fetches them with the
// job's options, and commits each record; exits 0 once every line of the job has its record.

import { parseArgs } from 'node:util'
import { sleep } from '../_internal/sleep.js'
import { type RecordFormat, RedisFrontier, RedisUnavailableError } from '../frontier/index.js'
import { type HostGate, HttpClient } from '../http/index.js'
import { parseDuration } from './args.js'
import { prepareBodyDir } from './body-files.js'
import { UsageError } from './errors.js'
import {
  EXIT_REDIS_UNAVAILABLE,
  ORDERED_BACKLOG,
  openJob,
  type QueueJobOptions,
  queueRecord,
  workerClientOptions,
  workerRequestOptions,
} from './queue-job.js'

export const WORKER_HELP = `Usage: asyncwith worker redis://HOST:PORT/JOB [options]

Fetches lines of a job that \`asyncwith fetch --queue URL\` coordinates, on any machine, and
commits one record per line to Redis. Start and stop workers at any time; a killed worker's
lines come back to the others after one lease. Every request option is the job's, set once by
the coordinator: politeness (--per-host, --rate), retries, timeout, method, headers and body,
--max-body, --body, --http2, --cacert (its text travels with the job), --insecure, --proxy and
--noproxy (by default each worker reads its own proxy environment, as curl does), and
--body-dir (every worker writes there: on several machines it must be shared storage, mounted
at the same path). A worker started before its job waits for it.

Options:
      --concurrency N     requests in flight (default 64)
      --max-owned N       most lines leased at once (default 8 x concurrency); also the most a
                          kill -9 of this worker can make others fetch again
      --lease TIME        how long a leased line survives this worker's silence (default 30s)
      --redis-patience TIME  how long Redis may be unreachable before giving up (default 5m)
      --follow            keep waiting for more lines after the job is done
  -q, --quiet             no messages
  -h, --help              show this help

Exit status: 0 the job is done, 2 usage error, 75 Redis unreachable for --redis-patience
(nothing acked: the lines go back to the other workers), 130 interrupted.
`

const WORKER_OPTIONS = {
  concurrency: { type: 'string' },
  'max-owned': { type: 'string' },
  lease: { type: 'string' },
  'redis-patience': { type: 'string' },
  follow: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const

interface WorkerIo {
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
  /** Aborting stops taking lines; those in flight are fetched and committed. */
  readonly interrupt?: AbortSignal
}

/** Runs `asyncwith worker` and resolves to its exit status. */
export async function runWorker(args: readonly string[], io: WorkerIo): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof WORKER_OPTIONS; allowPositionals: true }>
  >
  try {
    parsed = parseArgs({ args: [...args], options: WORKER_OPTIONS, allowPositionals: true })
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!)
  }
  const { values, positionals } = parsed
  if (values.help) {
    io.stdout.write(WORKER_HELP)
    return 0
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      `worker needs one job URL (redis://HOST:PORT/JOB), got ${positionals.length}`,
    )
  }
  const concurrency = wholeNumber('--concurrency', values.concurrency, 64)
  // Lines in flight, read ahead, and waiting for their commit's reply: enough that a slow
  // Redis reply never leaves a fetch slot without a line.
  const maxOwned = wholeNumber('--max-owned', values['max-owned'], 8 * concurrency)
  const lease = duration('--lease', values.lease, 30_000)
  const patience = duration('--redis-patience', values['redis-patience'], 300_000)
  const say = (text: string): void => {
    if (!values.quiet) io.stderr.write(`asyncwith worker: ${text}\n`)
  }

  // The record format follows the job's body mode, known once the job is read: set below.
  // (Reopening the frontier with it would cost a second connection at start-up.)
  let record: RecordFormat = () => {
    throw new Error('Expected the job to be read before any commit')
  }
  const opened = await openJob(
    positionals[0]!,
    { lease, patience, record: (item, outcome) => record(item, outcome) },
    say,
  )
  if (typeof opened === 'number') return opened
  let frontier = opened
  try {
    let job = await frontier.jobOptions<QueueJobOptions>()
    if (job === undefined) say(`waiting for job '${frontier.job}'`)
    // Often started beside its coordinator, so poll soon (start-up counts in short jobs), then
    // back off to once a second for a job that comes later.
    let poll = 20
    while (job === undefined) {
      if (io.interrupt?.aborted) return 130
      await sleep(poll, undefined)
      poll = Math.min(poll * 2, 1000)
      job = await frontier.jobOptions<QueueJobOptions>()
    }
    // Bodies go to the job's directory; a worker that cannot write there (shared storage not
    // mounted on this machine) stops now, before it takes any line.
    if (job.bodyDir != null) prepareBodyDir(job.bodyDir)
    record = queueRecord(job.body, job.bodyDir)
    if (job.ordered === true) {
      // An ordered job keeps a smaller backlog of records waiting for the coordinator, which
      // is fixed when the frontier opens: reopen with it (the only job that pays a second
      // connection at start-up).
      await frontier.close()
      frontier = await RedisFrontier.open(positionals[0]!, {
        lease,
        patience,
        record: (item, outcome) => record(item, outcome),
        consumer: frontier.consumer,
        maxUncollected: ORDERED_BACKLOG,
      })
    }
    say(`working on '${frontier.job}' as ${frontier.consumer}`)
    // Without a limit there is nothing to share: the client's own gate then takes permits
    // without a promise or a signal per attempt, as plain `fetch` does (no Redis round trip).
    const gate =
      job.perHost === null && job.rate === null
        ? undefined
        : frontier.hostGate({
            ...(job.perHost === null ? {} : { perHost: job.perHost }),
            ...(job.rate === null ? {} : { rate: job.rate }),
            // A permit must outlive any attempt, so a worker cut off from Redis cannot overrun a host.
            permitLease: Math.max(lease, job.timeout === false ? 60_000 : job.timeout) + 5000,
          })
    // The gate is asked before every attempt: first try, each retry, each redirect hop.
    const client = openWorkerClient(job, gate)
    const request = workerRequestOptions(job)
    try {
      for (;;) {
        const source = frontier.source({ maxOwned })
        const onInterrupt = (): void => {
          source.return?.()
        }
        io.interrupt?.addEventListener('abort', onInterrupt, { once: true })
        try {
          for await (const outcome of client.fetchAll<unknown>(source, {
            ...request,
            concurrency,
          })) {
            await frontier.commit(outcome)
          }
          await frontier.flush()
        } finally {
          io.interrupt?.removeEventListener('abort', onInterrupt)
        }
        if (io.interrupt?.aborted) return 130
        if (!values.follow) break
        await sleep(1000, undefined)
      }
      const { written, duplicates, fenced, claimed } = frontier.stats
      say(
        `done: ${written} records written, ${duplicates} duplicates skipped, ${fenced} fenced, ${claimed} taken over`,
      )
      return 0
    } finally {
      await client.close()
    }
  } catch (error) {
    if (error instanceof RedisUnavailableError) {
      say(`${error.message}; exiting with ${EXIT_REDIS_UNAVAILABLE}, nothing acked`)
      return EXIT_REDIS_UNAVAILABLE
    }
    throw error
  } finally {
    await frontier.close().catch(() => {})
  }
}

/** The worker's client; a proxy environment it cannot use (`HTTPS_PROXY=ftp://…`) is a usage error. */
function openWorkerClient(job: QueueJobOptions, gate: HostGate | undefined): HttpClient {
  try {
    return new HttpClient(workerClientOptions(job, gate))
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new UsageError(error.message.replace(/^Expected/, 'expected'))
    }
    throw error
  }
}

function duration(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  try {
    return parseDuration(text)
  } catch {
    throw new UsageError(`${name} must be a positive time such as 500ms, 30s or 2m, got '${text}'`)
  }
}

function wholeNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1_000_000) {
    throw new UsageError(`${name} must be a whole number from 1 to 1000000, got '${text}'`)
  }
  return Number(text)
}
