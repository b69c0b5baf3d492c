import { JobUrlError } from './errors.js'

/** Where a job lives: how to reach its Redis, and the job's name (its keys' hash tag). */
export interface JobAddress {
  /** The Redis URL without the job (`redis://host:port`), or `undefined` for a unix socket. */
  readonly redisUrl: string | undefined
  /** The unix socket path, for `redis+unix://`. */
  readonly socketPath: string | undefined
  /** The job name: letters, digits, `.`, `_` and `-`. */
  readonly job: string
}

const JOB_NAME = /^[A-Za-z0-9._-]{1,128}$/

/**
 * Parses a job URL: `redis://[user:password@]host[:port]/JOB`, `rediss://…/JOB` (TLS), or
 * `redis+unix:///path/to/redis.sock?job=JOB`. The path names the job, not a database number,
 * so every job key is `aw:{JOB}:…` in database 0.
 *
 * @example
 * ```ts
 * parseJobUrl('redis://10.0.0.5:6379/crawl1').job // 'crawl1'
 * ```
 */
export function parseJobUrl(text: string): JobAddress {
  if (typeof text !== 'string') {
    throw new JobUrlError(`Expected the job URL to be a string, got ${typeof text}`)
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new JobUrlError(`Expected a job URL like redis://host:6379/JOB, got '${text}'`)
  }
  if (url.protocol === 'redis+unix:') {
    const job = url.searchParams.get('job') ?? ''
    if (!JOB_NAME.test(job) || url.pathname === '' || url.pathname === '/') {
      throw new JobUrlError(
        `Expected a socket job URL like redis+unix:///run/redis.sock?job=JOB, got '${text}'`,
      )
    }
    return { redisUrl: undefined, socketPath: decodeURIComponent(url.pathname), job }
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new JobUrlError(`Expected the job URL to start with redis://, got '${text}'`)
  }
  const job = decodeURIComponent(url.pathname.slice(1))
  if (!JOB_NAME.test(job)) {
    throw new JobUrlError(
      `Expected the job URL's path to be a job name (letters, digits, . _ -), got '${url.pathname}' in '${text}'`,
    )
  }
  const auth =
    url.username === '' ? '' : `${url.username}${url.password === '' ? '' : `:${url.password}`}@`
  return { redisUrl: `${url.protocol}//${auth}${url.host}`, socketPath: undefined, job }
}
