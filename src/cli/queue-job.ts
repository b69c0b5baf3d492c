// What a `--queue` job shares between its coordinator and its workers: the job-level options
// (stored in Redis once, so workers cannot disagree) and the record format (today's, byte for
// byte, built by records.ts).

import {
  type FrontierItem,
  RedisFrontier,
  type RedisFrontierOptions,
  RedisUnavailableError,
} from '../frontier/index.js'
import { type FetchOutcome, httpDefaults } from '../http/index.js'
import type { BodyMode, FetchOptions } from './args.js'
import { UsageError } from './errors.js'
import { outcomeLine, type RecordFacts } from './records.js'

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

/** The job-level options, as stored in the job's meta hash. */
export interface QueueJobOptions {
  readonly perHost: number | null
  readonly rate: { readonly rate: number; readonly per: number } | null
  readonly retries: number
  readonly timeout: number | false
  readonly headers: Readonly<Record<string, string>>
  readonly method: string
  readonly maxBody: number | false
  readonly body: BodyMode
}

export function jobOptionsOf(options: FetchOptions): QueueJobOptions {
  return {
    // Resolved here, so every worker applies the same values whatever its version's defaults.
    perHost:
      options.perHost !== undefined && Number.isFinite(options.perHost) ? options.perHost : null,
    rate: options.rate ?? null,
    retries: options.retries ?? httpDefaults.retry.limit,
    timeout: options.timeout ?? false,
    headers: options.headers,
    method: options.method ?? 'GET',
    maxBody: options.maxBody ?? httpDefaults.maxBodySize,
    body: options.body,
  }
}

/** The record of a queued line: `outcomeLine`, or the input-problem record for a line never fetched. */
export function queueRecord(
  body: BodyMode,
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
    return outcomeLine({ line: item.line, text: item.text }, outcome, { body }, facts)
  }
}
