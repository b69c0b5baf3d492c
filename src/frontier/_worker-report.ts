// Each worker reports into `aw:{job}:workers` every few seconds (design §8): its host and pid,
// its records committed, and its rate over the last interval, so `status` can show every
// worker's own speed. Reports of workers that stopped reporting (killed) are pruned.
import { hostname } from 'node:os'
import type { Connection } from './_connection.js'
import type { JobKeys } from './_keys.js'
import { REPORT } from './_scripts.js'

/** A report not renewed for this many intervals is a dead worker's. */
const STALE_INTERVALS = 6

export class WorkerReport {
  readonly #connection: Connection
  readonly #key: string
  readonly #consumer: string
  readonly #every: number
  readonly #fetched: () => number
  #timer: ReturnType<typeof setInterval> | undefined
  #sending: Promise<void> | undefined
  #lastFetched = 0
  #lastTime = 0

  constructor(
    connection: Connection,
    keys: JobKeys,
    consumer: string,
    every: number,
    fetched: () => number,
  ) {
    this.#connection = connection
    this.#key = keys.workers
    this.#consumer = consumer
    this.#every = every
    this.#fetched = fetched
  }

  /** Reports now and then every interval, until {@link stop}; a second call does nothing. */
  start(): void {
    if (this.#timer !== undefined) return
    this.#lastFetched = this.#fetched()
    this.#lastTime = performance.now()
    this.#report(0)
    this.#timer = setInterval(() => {
      // A report still retrying (Redis down) is not stacked with another one.
      if (this.#sending !== undefined) return
      const now = performance.now()
      const fetched = this.#fetched()
      const seconds = (now - this.#lastTime) / 1000
      const rate = seconds > 0 ? (fetched - this.#lastFetched) / seconds : 0
      this.#lastFetched = fetched
      this.#lastTime = now
      this.#report(rate)
    }, this.#every)
  }

  /** Stops reporting; `remove` deletes this worker's report (a clean exit is no dead worker). */
  async stop(remove: boolean): Promise<void> {
    if (this.#timer === undefined) return
    clearInterval(this.#timer)
    this.#timer = undefined
    if (!remove) return
    // After the report in flight, or that one would put this worker back.
    await this.#sending
    await this.#connection.call(['HDEL', this.#key, this.#consumer]).catch(() => {})
  }

  #report(rate: number): void {
    const report = JSON.stringify({
      host: hostname(),
      pid: process.pid,
      rate: Math.round(rate * 10) / 10,
      fetched: this.#fetched(),
    })
    const stale = String(this.#every * STALE_INTERVALS)
    // Progress reports are best effort: a failure here never stops the worker (its real
    // calls meet the same Redis and decide).
    const sending = this.#connection
      .run(REPORT, [this.#key], [this.#consumer, report, stale])
      .then(
        () => {},
        () => {},
      )
      .finally(() => {
        if (this.#sending === sending) this.#sending = undefined
      })
    this.#sending = sending
  }
}
