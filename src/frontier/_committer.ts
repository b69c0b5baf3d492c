// Commits: each outcome's record and its ack go to Redis together in one COMMIT script per
// batch, idempotent (the done bitmap: first writer wins) and fenced (an error outcome of a line
// this worker lost is dropped, so a zombie never records a healthy page as a timeout).
import type { FetchOutcome } from '../http/index.js'
import type { Connection } from './_connection.js'
import { FAULT } from './_fault.js'
import { type JobKeys, WORKERS } from './_keys.js'
import type { Leases } from './_leases.js'
import { COMMIT } from './_scripts.js'
import type { RecordFormat } from './redis-frontier.js'

/**
 * Commit batches sent and not yet answered before outcomes wait for a reply: they then go
 * together, so the slower Redis answers (with `appendfsync always` it fsyncs once per
 * event-loop turn that wrote), the larger and fewer the batches, and the fewer scripts and
 * fsyncs per line. Two keep one batch filling while the other is answered.
 */
const MAX_BATCHES_IN_FLIGHT = 2

/**
 * Full batches (`commitBatch` outcomes) sent and not yet answered, at most, before `commit`
 * waits: Redis runs batches that arrive together in one turn, with one fsync, so a few more in
 * flight cost it little, while a wait here stops the caller's fetches.
 */
const MAX_FULL_BATCHES_IN_FLIGHT = 4

/** How long a first buffered outcome waits for others before its batch is sent, in ms. */
const GATHER_MS = 5

export class Committer {
  readonly #connection: Connection
  readonly #keys: JobKeys
  readonly #consumer: string
  readonly #leases: Leases
  readonly #record: RecordFormat
  readonly #commitBatch: number
  #batch = ''
  #batchIds: string[] = []
  #flushTimer: ReturnType<typeof setTimeout> | undefined
  /** Batches sent and not yet answered. */
  readonly sending = new Set<Promise<void>>()
  /** Outcomes committed by this process (the worker's "fetched" in its reports). */
  committed = 0

  constructor(
    connection: Connection,
    keys: JobKeys,
    consumer: string,
    leases: Leases,
    record: RecordFormat,
    commitBatch: number,
  ) {
    this.#connection = connection
    this.#keys = keys
    this.#consumer = consumer
    this.#leases = leases
    this.#record = record
    this.#commitBatch = commitBatch
  }

  async commit(outcome: FetchOutcome<unknown>): Promise<void> {
    const leases = this.#leases
    if (leases.fatal !== undefined) throw leases.fatal
    const item = leases.byIndex.get(outcome?.index)
    if (item === undefined) {
      throw new TypeError(
        `Expected an outcome of this frontier's source(), got index ${String(outcome?.index)}`,
      )
    }
    leases.byIndex.delete(outcome.index)
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
    this.committed++
    if (this.#batchIds.length >= this.#commitBatch) {
      // Batches are independent and idempotent: a few may be in flight at once.
      while (this.sending.size >= MAX_FULL_BATCHES_IN_FLIGHT) await Promise.race(this.sending)
      if (leases.fatal !== undefined) throw leases.fatal
      this.#send()
    } else if (this.sending.size < MAX_BATCHES_IN_FLIGHT) {
      this.#flushTimer ??= setTimeout(() => this.#send(), GATHER_MS)
    }
    // Else the next reply sends what gathered meanwhile.
  }

  /** Sends the commits still buffered, and waits for every batch sent. */
  async flush(): Promise<void> {
    this.#send()
    while (this.sending.size > 0) await Promise.all(this.sending)
    if (this.#leases.fatal !== undefined) throw this.#leases.fatal
  }

  #send(): void {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer)
    this.#flushTimer = undefined
    const leases = this.#leases
    if (this.#batchIds.length === 0 || leases.fatal !== undefined) return
    const batch = this.#batch
    const ids = this.#batchIds
    this.#batch = ''
    this.#batchIds = []
    const keys = [this.#keys.in, this.#keys.out, this.#keys.done, this.#keys.meta]
    const dedupe = FAULT === 'no-dedupe' ? '0' : '1'
    const sending: Promise<void> = this.#connection
      .run<number[]>(COMMIT, keys, [WORKERS, this.#consumer, dedupe, batch])
      .then(
        ([written, duplicates, fenced]) => {
          leases.stats.written += written ?? 0
          leases.stats.duplicates += duplicates ?? 0
          leases.stats.fenced += fenced ?? 0
          for (const id of ids) leases.owned.delete(id)
          leases.wake()
        },
        (error: unknown) => leases.fail(error),
      )
      .finally(() => {
        this.sending.delete(sending)
        if (this.#flushTimer === undefined && this.#batchIds.length > 0) this.#send()
      })
    this.sending.add(sending)
  }
}
