// What a `--queue` job shares between its coordinator and its workers: the job-level options
// (stored in Redis once, so workers cannot disagree) and the record format (today's, byte for
// byte, built by records.ts).

import { Buffer } from 'node:buffer'
import { resolve } from 'node:path'
import {
  type FrontierItem,
  RedisFrontier,
  type RedisFrontierOptions,
  RedisUnavailableError,
} from '../frontier/index.js'
import {
  type FetchAllOptions,
  type FetchOutcome,
  type FetchRead,
  type HostGate,
  type HttpClientOptions,
  type HttpResponse,
  httpDefaults,
} from '../http/index.js'
import type { BodyMode, FetchOptions } from './args.js'
import { placeBodySync, saveBody } from './body-files.js'
import { clientOptionsOf, requestOptionsOf } from './client-options.js'
import { UsageError } from './errors.js'
import { outcomeLine, type RecordContext, type RecordFacts, type SavedBody } from './records.js'

/** Exit status of a worker or coordinator that gave up on Redis after `--redis-patience`. */
export const EXIT_REDIS_UNAVAILABLE = 75

/**
 * Opens the job at `url` for a coordinator, a worker or `status`: a malformed URL is a usage
 * error; Redis out of reach for longer than `options.patience` is told through `report` and
 * gives {@link EXIT_REDIS_UNAVAILABLE} instead of a frontier.
 */
export async function openJob(
  url: string,
  options: RedisFrontierOptions,
  report: (message: string) => void,
): Promise<RedisFrontier | number> {
  try {
    return await RedisFrontier.open(url, options)
  } catch (error) {
    if (error instanceof RedisUnavailableError) {
      report(error.message)
      return EXIT_REDIS_UNAVAILABLE
    }
    if (error instanceof TypeError) throw new UsageError(error.message)
    throw error
  }
}

/** Most bytes of `-d`/`--data-file` a job carries: it is stored in Redis once, read by every worker. */
export const MAX_JOB_DATA = 1024 * 1024

/**
 * A `--queue` job's ordered backlog: workers stop taking lines while this many records wait
 * for the coordinator, which holds the out-of-order ones in memory (see `queue-order.ts`).
 */
export const ORDERED_BACKLOG = 10_000

/**
 * The job-level options, as stored in the job's meta hash. Fields after `body` are absent in
 * jobs stored by earlier versions; workers read them with the defaults of plain `fetch`.
 */
export interface QueueJobOptions {
  readonly perHost: number | null
  readonly rate: { readonly rate: number; readonly per: number } | null
  readonly retries: number
  readonly timeout: number | false
  readonly headers: Readonly<Record<string, string>>
  /** Resolved as plain `fetch` does: `-X`, else POST with a body, else GET. */
  readonly method: string
  readonly maxBody: number | false
  readonly body: BodyMode
  /** `-d`/`--data-file`: the bytes of every request's body, in base64 (read once, by the coordinator). */
  readonly data?: string | null
  readonly http2?: boolean
  readonly insecure?: boolean
  /** `--cacert`: the PEM text the coordinator read, so workers need no copy of the file. */
  readonly cacert?: string | null
  /** `--body-dir`, made absolute: every worker writes bodies there (shared storage is the user's). */
  readonly bodyDir?: string | null
  /** `--proxy`: `'env'` is each worker's own environment, as curl; a URL; or `false` for none. */
  readonly proxy?: string | false
  readonly noProxy?: string | null
  /** `--ordered`: workers keep the backlog to {@link ORDERED_BACKLOG} records. */
  readonly ordered?: boolean
}

/**
 * The job options of a coordinator's command line. Reads `--data-file` and `--cacert` once,
 * here, as plain `fetch` does before its first request; workers get their bytes from the job.
 * @throws {@link UsageError} When a file cannot be read, the body is over {@link MAX_JOB_DATA},
 * or the request parts disagree (as plain `fetch`).
 */
export function jobOptionsOf(options: FetchOptions): QueueJobOptions {
  const request = requestOptionsOf(options)
  const client = clientOptionsOf(options)
  const data = request.body === undefined ? null : bytesOf(request.body as string | Uint8Array)
  if (data !== null && data.byteLength > MAX_JOB_DATA) {
    const flag = options.dataFile !== undefined ? `--data-file '${options.dataFile}'` : '-d'
    throw new UsageError(
      `${flag} is ${data.byteLength} bytes: a --queue job carries at most ${MAX_JOB_DATA} bytes (1M) of request body to its workers`,
    )
  }
  const ca = client.tls?.ca
  return {
    // Resolved here, so every worker applies the same values whatever its version's defaults.
    perHost:
      options.perHost !== undefined && Number.isFinite(options.perHost) ? options.perHost : null,
    rate: options.rate ?? null,
    retries: options.retries ?? httpDefaults.retry.limit,
    timeout: options.timeout ?? false,
    headers: options.headers,
    method: request.method ?? 'GET',
    maxBody: options.maxBody ?? httpDefaults.maxBodySize,
    body: options.body,
    data: data === null ? null : data.toString('base64'),
    http2: options.http2,
    insecure: options.insecure,
    cacert: ca === undefined ? null : bytesOf(ca as Uint8Array).toString('utf8'),
    bodyDir: options.bodyDir === undefined ? null : resolve(options.bodyDir),
    proxy: options.proxy,
    noProxy: options.noProxy ?? null,
    ordered: options.ordered,
  }
}

function bytesOf(body: string | Uint8Array): Buffer {
  return typeof body === 'string'
    ? Buffer.from(body, 'utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
}

/**
 * A worker's `HttpClient` options: the job's, with `gate` asked before every attempt.
 * @example
 * new HttpClient(workerClientOptions(job, frontier.hostGate()))
 */
export function workerClientOptions(
  job: QueueJobOptions,
  gate: HostGate | undefined,
): HttpClientOptions {
  const client: { -readonly [K in keyof HttpClientOptions]: HttpClientOptions[K] } = {
    retry: { limit: job.retries },
    maxBodySize: job.maxBody,
    headers: job.headers,
    // As plain fetch: the proxy environment (here, each worker's own) unless told otherwise.
    proxy: job.proxy ?? 'env',
  }
  // Without one, the client's own gate takes permits without a round trip.
  if (gate !== undefined) client.hostGate = gate
  if (job.timeout !== false) client.timeout = { total: job.timeout }
  if (job.noProxy != null) client.noProxy = job.noProxy
  if (job.http2 === true) client.http2 = true
  if (job.cacert != null) client.tls = { ca: job.cacert }
  if (job.insecure === true) client.tls = { rejectUnauthorized: false }
  return client
}

/** A worker's `fetchAll` options (besides concurrency): the job's method and body, and how bodies are read. */
export function workerRequestOptions(job: QueueJobOptions): FetchAllOptions<unknown> {
  const dir = job.bodyDir
  const read: FetchRead<unknown> =
    dir != null
      ? (response: HttpResponse) => saveBody(dir, response)
      : // As plain fetch: bytes, and records.ts decides per body between text and base64.
        job.body === 'none'
        ? 'none'
        : 'bytes'
  return {
    read,
    method: job.method,
    ...(job.data == null ? {} : { body: new Uint8Array(Buffer.from(job.data, 'base64')) }),
  }
}

/**
 * The record of a queued line: `outcomeLine`, or the input-problem record for a line never
 * fetched. With `bodyDir`, an ok outcome's saved body is renamed to its final name first.
 */
export function queueRecord(
  body: BodyMode,
  bodyDir?: string | null,
): (item: FrontierItem, outcome: FetchOutcome<unknown>) => string {
  const facts: RecordFacts = { ok: false, status: undefined, errorCode: undefined, bytes: 0 }
  return (item, outcome) => {
    if (item.problem !== undefined) {
      // The field order of problemRecord (records.ts).
      return JSON.stringify({
        line: item.line,
        input: item.text,
        ok: false,
        bytes: 0,
        attempts: 0,
        error: { code: item.problem.code, message: item.problem.message },
      })
    }
    const entry = { line: item.line, text: item.text }
    const context: RecordContext =
      bodyDir != null && outcome.ok
        ? { body, bodyFile: placeBodySync(bodyDir, entry, outcome.value as SavedBody) }
        : { body }
    return outcomeLine(entry, outcome, context, facts)
  }
}
