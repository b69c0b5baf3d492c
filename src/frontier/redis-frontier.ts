// The frontier's façade: the connection, the options, and the wiring of its roles, each in
// its own file: _producer (enqueue), _lease-source (source: lease, renew, take over),
// _committer (commit, flush: batched, deduped, fenced), _collector (results).
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { FetchOutcome, HostGate } from '../http/index.js'
import type { AnyIterable } from '../iter/index.js'
import { collect } from './_collector.js'
import { Committer } from './_committer.js'
import { Connection } from './_connection.js'
import { defaultRecord } from './_default-record.js'
import { type JobKeys, jobKeys } from './_keys.js'
import { LeaseSource } from './_lease-source.js'
import { Leases } from './_leases.js'
import { produce } from './_producer.js'
import { WorkerReport } from './_worker-report.js'
import { RedisHostGate, type RedisHostGateOptions } from './host-gate.js'
import { type JobStatus, readStatus } from './job-status.js'
import { parseJobUrl } from './job-url.js'

/** One input line of a job. */
export interface FrontierItem {
  /** Its line number, from 1: the key of the job's "done" bitmap. */
  readonly line: number
  /** The line's text (a URL, or anything: a bad URL becomes an error record). */
  readonly text: string
  /** Set for a line that must not be fetched: its record is this error. */
  readonly problem?: { readonly code: string; readonly message: string }
}

/** Turns an item and its outcome into the record's JSON text (one line, no newline). */
export type RecordFormat = (item: FrontierItem, outcome: FetchOutcome<unknown>) => string

/** Options of {@link RedisFrontier.open}. */
export interface RedisFrontierOptions {
  /**
   * How long a worker holds a line without renewing, in ms; a dead worker's lines come back
   * after about this long. Renewed every lease/3, taken over after lease.
   * @defaultValue 30000
   */
  readonly lease?: number
  /**
   * How long Redis may stay unreachable before calls reject with `RedisUnavailableError`.
   * @defaultValue 300000 (5 minutes)
   */
  readonly patience?: number
  /** This process's consumer name. @defaultValue `host-pid-random` */
  readonly consumer?: string
  /** The producer waits while this many lines wait in Redis. @defaultValue 1_000_000 */
  readonly maxQueued?: number
  /** Workers stop pulling while this many records wait for the collector. @defaultValue 100_000 */
  readonly maxUncollected?: number
  /** Deliveries after which a line is recorded as `ASYNCWITH_POISON`, unfetched. @defaultValue 5 */
  readonly poisonAfter?: number
  /**
   * Outcomes per commit script, at most. Batches are sent as soon as fewer than two are
   * unanswered, so they stay small while Redis answers fast and grow up to this when it lags.
   * @defaultValue 256
   */
  readonly commitBatch?: number
  /**
   * How often a worker (a frontier whose {@link RedisFrontier.source} ran) reports its rate
   * into the job's `workers` hash for `status`, in ms.
   * @defaultValue 5000
   */
  readonly reportEvery?: number
  /** How a record is written. @defaultValue a small JSON record (line, input, url, ok, status, attempts, error) */
  readonly record?: RecordFormat
}

/** A batch of collected records; ack it once it is durably stored. */
export interface ResultBatch {
  readonly records: readonly { readonly line: number; readonly json: string }[]
  /**
   * Acks these records, and deletes them from Redis once every earlier batch is acked too:
   * call it after your write is durable.
   */
  ack(): Promise<void>
}

/**
 * One job's URL frontier on Redis Streams, shared by any number of workers: lines are leased,
 * fetched, and committed (record + ack) exactly once each, through kill -9 of any process.
 *
 * @example
 * ```ts
 * await using frontier = await RedisFrontier.open('redis://127.0.0.1:6379/crawl1')
 * await frontier.enqueue(['https://example.com/'])
 * await using client = new HttpClient()
 * for await (const outcome of client.fetchAll(frontier.source(), { concurrency: 64 }))
 *   await frontier.commit(outcome)
 * ```
 */
export class RedisFrontier implements AsyncDisposable {
  /** The job's name. */
  readonly job: string
  /** This process's consumer name. */
  readonly consumer: string
  readonly #connection: Connection
  readonly #keys: JobKeys
  readonly #maxQueued: number
  readonly #leases = new Leases()
  readonly #leaseSource: LeaseSource
  readonly #committer: Committer
  readonly #report: WorkerReport

  /** What this process's commits did. */
  readonly stats: {
    written: number
    duplicates: number
    fenced: number
    lost: number
    claimed: number
  }

  private constructor(
    connection: Connection,
    job: string,
    consumer: string,
    options: RedisFrontierOptions,
  ) {
    this.#connection = connection
    this.job = job
    this.consumer = consumer
    this.#keys = jobKeys(job)
    this.#maxQueued = options.maxQueued ?? 1_000_000
    this.stats = this.#leases.stats
    this.#leaseSource = new LeaseSource(connection, this.#keys, consumer, this.#leases, {
      lease: options.lease ?? 30_000,
      maxUncollected: options.maxUncollected ?? 100_000,
      poisonAfter: options.poisonAfter ?? 5,
    })
    this.#committer = new Committer(
      connection,
      this.#keys,
      consumer,
      this.#leases,
      options.record ?? defaultRecord,
      options.commitBatch ?? 256,
    )
    this.#report = new WorkerReport(
      connection,
      this.#keys,
      consumer,
      options.reportEvery ?? 5000,
      () => this.#committer.committed,
    )
  }

  /**
   * Connects to the job at `url` (`redis://host:port/JOB`, `rediss://…`, or
   * `redis+unix:///path.sock?job=JOB`), waiting out a restarting Redis up to `patience`.
   *
   * @example
   * ```ts
   * const frontier = await RedisFrontier.open('redis://10.0.0.5:6379/crawl1', { lease: 10_000 })
   * ```
   */
  static async open(url: string, options: RedisFrontierOptions = {}): Promise<RedisFrontier> {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected \`options\` to be an object, got ${String(options)}`)
    }
    for (const name of [
      'lease',
      'patience',
      'maxQueued',
      'maxUncollected',
      'poisonAfter',
      'commitBatch',
      'reportEvery',
    ] as const) {
      const value = options[name]
      if (value !== undefined && !(Number.isFinite(value) && value >= 1)) {
        throw new TypeError(`Expected \`${name}\` to be a number >= 1, got ${String(value)}`)
      }
    }
    const address = parseJobUrl(url)
    const consumer =
      options.consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`
    const connection = await Connection.open(address, options.patience ?? 300_000)
    return new RedisFrontier(connection, address.job, consumer, options)
  }

  /** Calls that failed (Redis down, restarting, loading) and were retried. */
  get retries(): number {
    return this.#connection.failures
  }

  /** Redis round trips made so far (scripts count one each). */
  get calls(): number {
    return this.#connection.calls
  }

  /**
   * The Redis server's `run_id` (INFO server): a new one means Redis restarted, and may have
   * lost the last writes (no `appendfsync always`) or the whole job (no persistence). A
   * producer then calls {@link enqueue} again with the same input.
   *
   * @example
   * ```ts
   * const before = await frontier.redisRunId()
   * ```
   */
  async redisRunId(): Promise<string> {
    const info = await this.#connection.call<string>(['INFO', 'server'], false)
    const match = /^run_id:(\w+)/m.exec(info)
    if (match === null) throw new Error('Expected INFO server to report a run_id')
    return match[1]!
  }

  /**
   * Stores the job's options once: the first call wins, so workers can never disagree.
   * Resolves to the options the job has.
   *
   * @example
   * ```ts
   * await frontier.defineJob({ perHost: 4, rate: '100/s' })
   * ```
   */
  async defineJob<T extends object>(options: T): Promise<T> {
    await this.#connection.call(['HSETNX', this.#keys.meta, 'options', JSON.stringify(options)])
    const [seconds, micros] = await this.#connection.call<[string, string]>(['TIME'])
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
    await this.#connection.call(['HSETNX', this.#keys.meta, 'started', String(now)])
    return (await this.jobOptions<T>())!
  }

  /** The job's stored options, or `undefined` when the job does not exist (yet). */
  async jobOptions<T extends object>(): Promise<T | undefined> {
    const text = await this.#connection.call<string | null>(['HGET', this.#keys.meta, 'options'])
    return text === null ? undefined : (JSON.parse(text) as T)
  }

  /**
   * Adds the job's input, and marks its end. Resumable: lines up to the last one Redis has are
   * skipped, so a producer that died can call it again with the same input. Strings are numbered
   * from 1; items carry their own (ascending) line numbers. Waits while `maxQueued` lines wait.
   * Resolves to the number of lines in the job. Rejects with `RedisLostWritesError` when Redis
   * lost lines it had taken (a restart without `appendfsync always`): call it again then.
   *
   * @example
   * ```ts
   * await frontier.enqueue(readLines('urls.txt')) // 20000
   * ```
   */
  enqueue(lines: AnyIterable<string | FrontierItem>): Promise<number> {
    return produce(this.#connection, this.#keys, lines, this.#maxQueued)
  }

  /**
   * The job's lines for `client.fetchAll`: URL strings (`null` for a line recorded without a
   * fetch), leased to this worker, at most `maxOwned` at once, renewed while held. Lines of
   * dead workers are taken over. Ends when every line of the job has its record. Politeness
   * belongs in the client (`new HttpClient({ hostGate: frontier.hostGate(…) })`, asked before
   * every attempt); `gate` here is for other clients: a line is then only yielded once its
   * host's permit is held, until {@link commit}.
   *
   * @example
   * ```ts
   * for await (const o of client.fetchAll(frontier.source({ maxOwned: 256 }), { concurrency: 64 }))
   *   await frontier.commit(o)
   * ```
   */
  source(
    options: { maxOwned?: number; gate?: HostGate } = {},
  ): AsyncIterableIterator<string | null> {
    const { maxOwned = 256, gate } = options
    if (!(Number.isInteger(maxOwned) && maxOwned >= 1)) {
      throw new TypeError(`Expected \`maxOwned\` to be an integer >= 1, got ${String(maxOwned)}`)
    }
    const source = this.#leaseSource.source(maxOwned, gate)
    this.#report.start()
    return source
  }

  /**
   * Records an outcome of {@link source}'s lines: its record and its ack go to Redis together,
   * in batches, atomically and idempotently (a line already recorded is skipped, first writer
   * wins; an error outcome of a line this worker no longer owns is dropped). Resolves at once
   * unless too many batches are still unanswered; call {@link flush} (or close) to send the
   * rest and wait for all of them.
   *
   * @example
   * ```ts
   * for await (const outcome of outcomes) await frontier.commit(outcome)
   * ```
   */
  commit(outcome: FetchOutcome<unknown>): Promise<void> {
    return this.#committer.commit(outcome)
  }

  /** Sends the commits still buffered, and waits for every batch sent. */
  flush(): Promise<void> {
    return this.#committer.flush()
  }

  /**
   * The job's records, in batches, as workers commit them, for the one collector of the job;
   * ends when every line has its record and all were acked. After a crash, batches not acked
   * come again (skip lines you already stored). Ends early when `signal` aborts.
   *
   * @example
   * ```ts
   * for await (const batch of frontier.results()) { await append(batch.records); await batch.ack() }
   * ```
   */
  results(
    options: { batch?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<ResultBatch, void, undefined> {
    return collect(this.#connection, this.#keys, options)
  }

  /**
   * A {@link HostGate} whose limits hold across every worker on this Redis.
   *
   * @example
   * ```ts
   * const gate = frontier.hostGate({ perHost: 4, rate: { rate: 2, per: 1000 } })
   * ```
   */
  hostGate(options: RedisHostGateOptions = {}): RedisHostGate {
    return new RedisHostGate(this.#connection, this.consumer, options)
  }

  /**
   * The job's progress: done/count, counts by status class and error code, workers with their
   * pending lines. `exists` is false for a job never enqueued.
   */
  status(): Promise<JobStatus> {
    // A missing group is an answer here ("nothing enqueued yet"), never a reason to wait.
    return readStatus((args) => this.#connection.call(args, false), this.#keys)
  }

  /** Sends buffered commits, stops renewing, and disconnects. */
  async close(): Promise<void> {
    this.#leaseSource.stop()
    try {
      if (this.#leases.fatal === undefined) await this.flush()
    } finally {
      await this.#report.stop(this.#leases.fatal === undefined)
      for (const item of this.#leases.owned.values()) item.permit?.release()
      await Promise.all(this.#committer.sending)
      // Let permit releases just sent reach Redis before the connection goes.
      await new Promise((resolve) => setImmediate(resolve))
      await this.#connection.close()
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
