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
