/**
 * Redis could not be reached, or kept failing, for longer than the frontier's `patience`.
 * Nothing was acked after the failure began, so every leased line comes back to another worker.
 *
 * @example
 * ```ts
 * try { await frontier.commit(outcome) } catch (e) { if (e instanceof RedisUnavailableError) process.exit(75) }
 * ```
 */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError'
  readonly code = 'ASYNCWITH_REDIS_UNAVAILABLE'
}

/**
 * A job URL that is not `redis://host[:port]/JOB`, `rediss://…/JOB` or
 * `redis+unix:///path/to/socket?job=JOB`.
 *
 * @example
 * ```ts
 * await RedisFrontier.open('redis://127.0.0.1:6379') // throws: no job name
 * ```
 */
export class JobUrlError extends TypeError {
  override readonly name = 'JobUrlError'
  readonly code = 'ASYNCWITH_JOB_URL'
}

/**
 * Redis lost lines this producer had enqueued: it restarted without `appendfsync always`, or
 * failed over to a replica, and the job's `produced` mark went back from `expected` to
 * `produced`. Nothing is enqueued past the gap: call `enqueue` again with the same input
 * (it resumes after `produced`).
 *
 * @example
 * ```ts
 * try { await frontier.enqueue(read()) } catch (e) { if (e instanceof RedisLostWritesError) await frontier.enqueue(read()) }
 * ```
 */
export class RedisLostWritesError extends Error {
  override readonly name = 'RedisLostWritesError'
  readonly code = 'ASYNCWITH_REDIS_LOST_WRITES'
  /** The last line Redis has now. */
  readonly produced: number
  /** The last line this producer had enqueued. */
  readonly expected: number

  constructor(produced: number, expected: number) {
    super(
      `Redis lost enqueued lines (it has up to line ${produced}, line ${expected} was enqueued): enqueue the same input again`,
    )
    this.produced = produced
    this.expected = expected
  }
}
