import { randomBytes } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { hostname } from 'node:os'
import { ErrorReply } from '@redis/client'
import type { FetchOutcome, HostGate, HostPermit } from '../http/index.js'
import type { AnyIterable } from '../iter/index.js'
import { Connection } from './_connection.js'
import { COLLECTOR, type JobKeys, jobKeys, WORKERS } from './_keys.js'
import { CLAIM, COLLECTED, COMMIT, PRODUCE, RENEW } from './_scripts.js'
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
  /** Outcomes per commit script. @defaultValue 64 */
  readonly commitBatch?: number
  /** How a record is written. @defaultValue a small JSON record (line, input, url, ok, status, attempts, error) */
  readonly record?: RecordFormat
}

/** A batch of collected records; ack it once it is durably stored. */
export interface ResultBatch {
  readonly records: readonly { readonly line: number; readonly json: string }[]
  /** Acks and deletes these records in Redis: call it after your write is durable. */
  ack(): Promise<void>
}

interface Owned extends FrontierItem {
  readonly id: string
  deliveries: number
  lost: boolean
  permit: HostPermit | undefined
}

/** Test-only switches that break a guarantee on purpose, to show the acceptance test notices. */
const FAULT = process.env.ASYNCWITH_FRONTIER_FAULT ?? ''

/** Commit batches sent and not yet answered, at most. */
const MAX_BATCHES_IN_FLIGHT = 4

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

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
  readonly #lease: number
  readonly #maxQueued: number
  readonly #maxUncollected: number
  readonly #poisonAfter: number
  readonly #commitBatch: number
  readonly #record: RecordFormat

  readonly #owned = new Map<string, Owned>()
  readonly #byIndex = new Map<number, Owned>()
  #ready: Owned[] = []
  #nextIndex = 0
  #sourceOpen = false
  #stop = new AbortController()
  #wakeUp: (() => void) | undefined
  #renewTimer: ReturnType<typeof setInterval> | undefined
  #fatal: unknown

  #batch = ''
  #batchIds: string[] = []
  #flushTimer: ReturnType<typeof setTimeout> | undefined
  readonly #sending = new Set<Promise<void>>()

  /** What this process's commits did. */
  readonly stats = { written: 0, duplicates: 0, fenced: 0, lost: 0, claimed: 0 }

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
    this.#lease = options.lease ?? 30_000
    this.#maxQueued = options.maxQueued ?? 1_000_000
    this.#maxUncollected = options.maxUncollected ?? 100_000
    this.#poisonAfter = options.poisonAfter ?? 5
    this.#commitBatch = options.commitBatch ?? 64
    this.#record = options.record ?? defaultRecord
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
   * Resolves to the number of lines in the job.
   *
   * @example
   * ```ts
   * await frontier.enqueue(readLines('urls.txt')) // 20000
   * ```
   */
  async enqueue(lines: AnyIterable<string | FrontierItem>): Promise<number> {
    await this.#ensureGroups()
    const keys = [this.#keys.in, this.#keys.meta]
    const produced = Number(
      (await this.#connection.call<string | null>(['HGET', this.#keys.meta, 'produced'])) ?? 0,
    )
    let line = 0
    let args: (string | number)[] = []
    const send = async (): Promise<void> => {
      while ((await this.#connection.call<number>(['XLEN', this.#keys.in])) >= this.#maxQueued) {
        await sleep(200)
      }
      await this.#connection.run(PRODUCE, keys, args)
      args = []
    }
    for await (const value of lines) {
      const item: FrontierItem = typeof value === 'string' ? { line: line + 1, text: value } : value
      if (typeof item !== 'object' || item === null || typeof item.text !== 'string') {
        throw new TypeError(
          `Expected each line to be a string or { line, text }, got ${String(value)}`,
        )
      }
      if (!Number.isSafeInteger(item.line) || item.line <= line) {
        throw new TypeError(
          `Expected line numbers to ascend from 1, got ${item.line} after ${line}`,
        )
      }
      line = item.line
      if (line <= produced) continue
      args.push(line, item.text, item.problem === undefined ? '' : JSON.stringify(item.problem))
      if (args.length >= 3000) await send()
    }
    if (args.length > 0) await send()
    await this.#connection.call(['HSET', this.#keys.meta, 'eof', '1'])
    return Number(
      (await this.#connection.call<string | null>(['HGET', this.#keys.meta, 'count'])) ?? 0,
    )
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
    if (this.#sourceOpen) throw new Error('Expected one source() per frontier at a time')
    this.#sourceOpen = true
    this.#stop = new AbortController()
    const stop = this.#stop.signal
    // Every line waiting for its host's permit listens to it: as many as maxOwned.
    setMaxListeners(0, stop)
    let complete = false
    let reread = true
    let pelCursor = '0'
    let seenFailures = this.#connection.failures
    let claimCursor = '0-0'
    let lastClaim = 0
    let lastJanitor = Date.now()
    let lastCheck = 0
    let idleUntil = 0
    let gating = 0
    let uncollectedCheck = 0
    let backlogged = false

    const take = (entry: Entry, deliveries: number): void => {
      if (this.#owned.has(entry.id)) return
      const fields = entry.fields
      const item: Owned = {
        id: entry.id,
        line: Number(fields.l),
        text: fields.u ?? '',
        deliveries,
        lost: false,
        permit: undefined,
        ...(fields.x === undefined ? {} : { problem: JSON.parse(fields.x) }),
      }
      if (item.problem === undefined && deliveries > this.#poisonAfter) {
        Object.assign(item, {
          problem: {
            code: 'ASYNCWITH_POISON',
            message: `Delivered ${deliveries} times without a commit; recorded without fetching`,
          },
        })
      }
      this.#owned.set(entry.id, item)
      const host = item.problem === undefined ? hostOf(item.text) : undefined
      if (gate === undefined || host === undefined) {
        this.#ready.push(item)
        return
      }
      gating++
      gate.acquire(host, { signal: stop }).then(
        (permit) => {
          gating--
          if (item.lost || stop.aborted) {
            permit.release()
            return
          }
          item.permit = permit
          this.#ready.push(item)
          this.#wake()
        },
        (error: unknown) => {
          gating--
          if (!stop.aborted) this.#fail(error)
        },
      )
    }

    /** 'got' lines, the worker is 'full' (wait for a commit), or there was nothing ('empty'). */
    const pull = async (): Promise<'got' | 'full' | 'empty'> => {
      const now = Date.now()
      if (now >= uncollectedCheck) {
        uncollectedCheck = now + 1000
        backlogged =
          (await this.#connection.call<number>(['XLEN', this.#keys.out])) >= this.#maxUncollected
      }
      const room = maxOwned - this.#owned.size
      if (room <= 0) return 'full'
      if (this.#connection.failures !== seenFailures) {
        // A read may have run, and reached the AOF, with its reply lost: re-read our own list.
        seenFailures = this.#connection.failures
        reread = true
        pelCursor = '0'
      }
      let entries: Entry[]
      try {
        if (reread) {
          entries = await this.#read(WORKERS, this.#keys.in, room, pelCursor, false)
          const last = entries.at(-1)
          if (entries.length < room || last === undefined) {
            reread = false
            pelCursor = '0'
          } else pelCursor = last.id
          const gone = entries.filter((entry) => entry.deleted).map((entry) => entry.id)
          if (gone.length > 0)
            await this.#connection.call(['XACK', this.#keys.in, WORKERS, ...gone])
          entries = entries.filter((entry) => !entry.deleted)
        } else if (backlogged) {
          // No new lines while the collector is behind, but dead workers' lines are still
          // taken over below: the one it waits for (an ordered collector) may be among them.
          entries = []
        } else {
          entries = await this.#read(WORKERS, this.#keys.in, room, '>', FAULT === 'ack-on-read')
        }
      } catch (error) {
        if (error instanceof ErrorReply && error.message.startsWith('NOGROUP')) return 'empty'
        throw error
      }
      for (const entry of entries) take(entry, 1)
      // Take over dead workers' lines every lease/2, within the room left.
      const left = maxOwned - this.#owned.size
      if (left > 0 && now - lastClaim >= this.#lease / 2) {
        lastClaim = now
        const [cursor, claimed] = await this.#connection.run<
          [string, [string, string[], number][]]
        >(
          CLAIM,
          [this.#keys.in],
          [WORKERS, this.consumer, this.#lease, Math.min(left, 1000), claimCursor],
        )
        claimCursor = cursor
        for (const [id, fields, deliveries] of claimed) {
          this.stats.claimed++
          take({ id, fields: pairs(fields), deleted: false }, deliveries)
        }
        if (claimed.length > 0) return 'got'
      }
      if (now - lastJanitor >= 60_000) {
        lastJanitor = now
        await this.#forgetDeadConsumers()
      }
      return entries.length > 0 ? 'got' : 'empty'
    }

    const renew = async (): Promise<void> => {
      const ids: string[] = []
      for (const item of this.#owned.values()) if (!item.lost) ids.push(item.id)
      if (ids.length === 0) return
      const lost = await this.#connection.run<string[]>(
        RENEW,
        [this.#keys.in],
        [WORKERS, this.consumer, ...ids],
      )
      for (const id of lost) {
        const item = this.#owned.get(id)
        if (item === undefined || item.lost) continue
        item.lost = true
        this.stats.lost++
        // Not handed to fetchAll yet: drop it, its new owner fetches it.
        const at = this.#ready.indexOf(item)
        if (at >= 0) this.#ready.splice(at, 1)
        if (
          at >= 0 ||
          (gate !== undefined && item.permit === undefined && !this.#isYielded(item))
        ) {
          item.permit?.release()
          this.#owned.delete(id)
        }
      }
    }
    // Leases are renewed until close(), not just while the source runs: fetchAll still
    // finishes and commits the lines in flight after the source has ended.
    if (this.#renewTimer !== undefined) clearInterval(this.#renewTimer)
    this.#renewTimer = setInterval(() => {
      renew().catch((error: unknown) => this.#fail(error))
    }, this.#lease / 3)

    const finish = (): IteratorResult<string | null> => {
      this.#stop.abort()
      this.#sourceOpen = false
      return { done: true, value: undefined }
    }

    const iterator: AsyncIterableIterator<string | null> = {
      next: async () => {
        for (;;) {
          if (this.#fatal !== undefined) {
            finish()
            throw this.#fatal
          }
          if (stop.aborted) return finish()
          const item = this.#ready.shift()
          if (item !== undefined) {
            const index = this.#nextIndex++
            this.#byIndex.set(index, item)
            return { done: false, value: item.problem === undefined ? item.text : null }
          }
          const now = Date.now()
          if (!complete && now >= lastCheck + 250 && this.#owned.size === 0 && gating === 0) {
            lastCheck = now
            const [eof, count, done] = await this.#connection.call<(string | null)[]>([
              'HMGET',
              this.#keys.meta,
              'eof',
              'count',
              'done',
            ])
            complete = eof === '1' && Number(done ?? 0) >= Number(count ?? 0)
          }
          if (complete) return finish()
          if (now >= idleUntil) {
            let pulled: 'got' | 'full' | 'empty'
            try {
              pulled = await pull()
            } catch (error) {
              this.#fail(error)
              continue
            }
            if (pulled === 'got') continue
            if (pulled === 'full') {
              // A commit (or a granted permit) wakes us as soon as there is room.
              await this.#nap(100)
              continue
            }
            // Nothing to lease: poll again soon, with jitter, so workers do not move in step.
            idleUntil = Date.now() + 50 + Math.random() * 100
          }
          await this.#nap(Math.max(5, idleUntil - Date.now()))
        }
      },
      return: async () => finish(),
      [Symbol.asyncIterator]: () => iterator,
    }
    return iterator
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
  async commit(outcome: FetchOutcome<unknown>): Promise<void> {
    if (this.#fatal !== undefined) throw this.#fatal
    const item = this.#byIndex.get(outcome?.index)
    if (item === undefined) {
      throw new TypeError(
        `Expected an outcome of this frontier's source(), got index ${String(outcome?.index)}`,
      )
    }
    this.#byIndex.delete(outcome.index)
    item.permit?.release()
    item.permit = undefined
    const json = this.#record(item, outcome)
    let kind = 'k'
    let counters: string
    if (item.problem !== undefined) counters = `e:${item.problem.code}`
    else if (outcome.ok) counters = `c:${Math.floor(outcome.status / 100)}xx`
    else {
      kind = 'e'
      counters = `e:${outcome.error.code ?? 'ASYNCWITH_UNEXPECTED'}`
    }
    if (json.includes('\n')) {
      throw new TypeError(
        `Expected the record of line ${item.line} to be one line of text, got a newline in it`,
      )
    }
    // One text per batch, a line per outcome (JSON never holds a raw tab or newline): far fewer
    // arguments to encode than five per outcome.
    this.#batch += `${item.id}\t${item.line}\t${kind}\t${counters}\t${json}\n`
    this.#batchIds.push(item.id)
    if (this.#batchIds.length >= this.#commitBatch) {
      this.#send()
      // Batches are independent and idempotent: a few may be in flight at once.
      if (this.#sending.size >= MAX_BATCHES_IN_FLIGHT) await Promise.race(this.#sending)
      if (this.#fatal !== undefined) throw this.#fatal
    } else this.#flushTimer ??= setTimeout(() => this.#send(), 5)
  }

  /** Sends the commits still buffered, and waits for every batch sent. */
  async flush(): Promise<void> {
    this.#send()
    while (this.#sending.size > 0) await Promise.all(this.#sending)
    if (this.#fatal !== undefined) throw this.#fatal
  }

  #send(): void {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer)
    this.#flushTimer = undefined
    if (this.#batchIds.length === 0 || this.#fatal !== undefined) return
    const batch = this.#batch
    const ids = this.#batchIds
    this.#batch = ''
    this.#batchIds = []
    const keys = [this.#keys.in, this.#keys.out, this.#keys.done, this.#keys.meta]
    const dedupe = FAULT === 'no-dedupe' ? '0' : '1'
    const sending: Promise<void> = this.#connection
      .run<number[]>(COMMIT, keys, [WORKERS, this.consumer, dedupe, batch])
      .then(
        ([written, duplicates, fenced]) => {
          this.stats.written += written ?? 0
          this.stats.duplicates += duplicates ?? 0
          this.stats.fenced += fenced ?? 0
          for (const id of ids) this.#owned.delete(id)
          this.#wake()
        },
        (error: unknown) => this.#fail(error),
      )
      .finally(() => this.#sending.delete(sending))
    this.#sending.add(sending)
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
  async *results(
    options: { batch?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<ResultBatch, void, undefined> {
    const size = options.batch ?? 1000
    const signal = options.signal
    await this.#ensureGroups()
    let reread = true
    let cursor = '0'
    let seenFailures = this.#connection.failures
    for (;;) {
      if (signal?.aborted) return
      if (this.#connection.failures !== seenFailures) {
        seenFailures = this.#connection.failures
        reread = true
        cursor = '0'
      }
      const entries = await this.#read(
        COLLECTOR,
        this.#keys.out,
        size,
        reread ? cursor : '>',
        false,
      )
      if (reread) {
        const last = entries.at(-1)
        if (entries.length < size || last === undefined) {
          reread = false
          cursor = '0'
        } else cursor = last.id
      }
      const ids = entries.map((entry) => entry.id)
      const records = entries
        .filter((entry) => !entry.deleted)
        .map((entry) => ({ line: Number(entry.fields.l), json: entry.fields.r ?? '' }))
      const ack = async (): Promise<void> => {
        if (ids.length > 0)
          await this.#connection.run(COLLECTED, [this.#keys.out], [COLLECTOR, ...ids])
      }
      if (records.length > 0) {
        yield { records, ack }
        continue
      }
      await ack()
      if (reread) continue
      const [eof, count, done] = await this.#connection.call<(string | null)[]>([
        'HMGET',
        this.#keys.meta,
        'eof',
        'count',
        'done',
      ])
      if (eof === '1' && Number(done ?? 0) >= Number(count ?? 0)) {
        if ((await this.#connection.call<number>(['XLEN', this.#keys.out])) === 0) return
      }
      await sleep(30 + Math.random() * 40)
    }
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
    return readStatus((args) => this.#connection.call(args), this.#keys)
  }

  /** Sends buffered commits, stops renewing, and disconnects. */
  async close(): Promise<void> {
    this.#stop.abort()
    if (this.#renewTimer !== undefined) clearInterval(this.#renewTimer)
    this.#renewTimer = undefined
    try {
      if (this.#fatal === undefined) await this.flush()
    } finally {
      for (const item of this.#owned.values()) item.permit?.release()
      await Promise.all(this.#sending)
      // Let permit releases just sent reach Redis before the connection goes.
      await new Promise((resolve) => setImmediate(resolve))
      await this.#connection.close()
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** Removes consumers with nothing pending and idle for an hour: killed workers' names. */
  async #forgetDeadConsumers(): Promise<void> {
    const rows = await this.#connection.call<(string | number)[][]>([
      'XINFO',
      'CONSUMERS',
      this.#keys.in,
      WORKERS,
    ])
    for (const row of rows) {
      const info: Record<string, string | number> = {}
      for (let i = 0; i + 1 < row.length; i += 2) info[String(row[i])] = row[i + 1]!
      if (
        Number(info.pending) === 0 &&
        Number(info.idle) > 3_600_000 &&
        info.name !== this.consumer
      ) {
        await this.#connection.call([
          'XGROUP',
          'DELCONSUMER',
          this.#keys.in,
          WORKERS,
          String(info.name),
        ])
      }
    }
  }

  #isYielded(item: Owned): boolean {
    for (const value of this.#byIndex.values()) if (value === item) return true
    return false
  }

  #fail(error: unknown): void {
    this.#fatal ??= error
    this.#wake()
  }

  #wake(): void {
    const wake = this.#wakeUp
    this.#wakeUp = undefined
    wake?.()
  }

  #nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.#wakeUp = done
    })
  }

  async #ensureGroups(): Promise<void> {
    for (const [key, group] of [
      [this.#keys.in, WORKERS],
      [this.#keys.out, COLLECTOR],
    ] as const) {
      try {
        await this.#connection.call(['XGROUP', 'CREATE', key, group, '0', 'MKSTREAM'])
      } catch (error) {
        if (!(error instanceof ErrorReply && error.message.startsWith('BUSYGROUP'))) throw error
      }
    }
  }

  async #read(
    group: string,
    key: string,
    count: number,
    id: string,
    noack: boolean,
  ): Promise<Entry[]> {
    const args = [
      'XREADGROUP',
      'GROUP',
      group,
      group === COLLECTOR ? COLLECTOR : this.consumer,
      'COUNT',
      String(count),
    ]
    if (noack) args.push('NOACK')
    args.push('STREAMS', key, id)
    const reply = await this.#connection.call<[string, [string, string[] | null][]][] | null>(args)
    const entries = reply?.[0]?.[1] ?? []
    return entries.map(([entryId, fields]) => ({
      id: entryId,
      fields: fields === null ? {} : pairs(fields),
      deleted: fields === null,
    }))
  }
}

interface Entry {
  readonly id: string
  readonly fields: Record<string, string>
  readonly deleted: boolean
}

function pairs(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!
  return fields
}

/** The host a URL's politeness is keyed by, or undefined for text that is not a URL. */
function hostOf(text: string): string | undefined {
  try {
    return new URL(text).hostname || undefined
  } catch {
    return undefined
  }
}

function defaultRecord(item: FrontierItem, outcome: FetchOutcome<unknown>): string {
  if (item.problem !== undefined) {
    return JSON.stringify({ line: item.line, input: item.text, ok: false, error: item.problem })
  }
  if (outcome.ok) {
    return JSON.stringify({
      line: item.line,
      input: item.text,
      url: outcome.url,
      ok: outcome.status < 400,
      status: outcome.status,
      attempts: outcome.attempts,
    })
  }
  return JSON.stringify({
    line: item.line,
    input: item.text,
    url: outcome.url,
    ok: false,
    attempts: outcome.attempts,
    error: { code: outcome.error.code ?? 'ASYNCWITH_UNEXPECTED', message: outcome.error.message },
  })
}
