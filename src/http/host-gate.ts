import { RateLimiter } from '../task/index.js'
import { KeyedSemaphores } from './_keyed-semaphores.js'
import { checkLimit, type RateLimitOptions, resolveRateLimit } from './_options.js'

/** A permission, from a {@link HostGate}, for one request to start. */
export interface HostPermit {
  /** Gives the permission back; the client calls it exactly once per permit. */
  release(): void
}

/**
 * Decides when a request to a host may start: the `hostGate` option of `HttpClient`. The
 * client asks it before every attempt (the first try, every retry and every redirect hop) and
 * releases the permit once that attempt's exchange is over: its body read, discarded or
 * failed. It never holds a permit while it sleeps before a retry. Replace it to share limits
 * between processes (through Redis, say); wrap {@link localHostGate} to add to the default.
 *
 * @example
 * import { HttpClient, type HostGate, localHostGate } from 'asyncwith/http'
 *
 * const local = localHostGate({ perHost: 4 })
 * let started = 0
 * const counting: HostGate = {
 *   acquire: async (host, options) => {
 *     const permit = await local.acquire(host, options)
 *     started++
 *     return permit
 *   },
 * }
 * await using client = new HttpClient({ hostGate: counting })
 */
export interface HostGate {
  /**
   * Resolves when one more request to `host` (a URL's `hostname`) may start; rejects with
   * `signal.reason` if aborted while waiting.
   */
  acquire(host: string, options?: { readonly signal?: AbortSignal }): Promise<HostPermit>
}

/** Options of {@link localHostGate}. */
export interface LocalHostGateOptions {
  /**
   * Requests in flight per host name.
   * @defaultValue Infinity
   */
  readonly perHost?: number
  /** A token bucket per host name: at most `rate` requests start every `per` ms. */
  readonly rateLimit?: RateLimitOptions | false
}

/**
 * The gate `HttpClient` uses when given no `hostGate`: a semaphore of `perHost` permits and a
 * token bucket of `rateLimit` per host name, kept in this process. The token is taken after
 * the semaphore's permit, so the limit spaces the starts of requests, not their waits.
 *
 * @param options - `perHost` and `rateLimit`, as the client takes them.
 * @returns A gate to give to `HttpClient` (or to wrap).
 * @throws {TypeError | RangeError} If an option has the wrong type or range.
 * @example
 * import { HttpClient, localHostGate } from 'asyncwith/http'
 *
 * const gate = localHostGate({ perHost: 2, rateLimit: { rate: 10 } })
 * await using client = new HttpClient({ hostGate: gate })
 */
export function localHostGate(options: LocalHostGateOptions = {}): HostGate {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('Expected `options` to be an object')
  }
  return new _LocalHostGate(
    checkLimit('perHost', options.perHost ?? Number.POSITIVE_INFINITY),
    resolveRateLimit(options.rateLimit),
  )
}

/** @internal The local gate, with a path that takes a permit without a promise. */
export class _LocalHostGate implements HostGate {
  readonly #hosts: KeyedSemaphores
  readonly #rateLimit: RateLimitOptions | undefined
  readonly #limiters = new Map<string, RateLimiter>()

  constructor(perHost: number, rateLimit: RateLimitOptions | undefined) {
    this.#hosts = new KeyedSemaphores(perHost)
    this.#rateLimit = rateLimit
  }

  /** A permit at once when one is free and no rate limit applies, else `undefined`. */
  tryAcquire(host: string): HostPermit | undefined {
    if (this.#rateLimit !== undefined) return undefined
    return this.#hosts.tryAcquire(host)
  }

  async acquire(host: string, options?: { readonly signal?: AbortSignal }): Promise<HostPermit> {
    const signal = options?.signal
    signal?.throwIfAborted()
    const permit = await this.#hosts.acquire(host, signal)
    if (this.#rateLimit !== undefined) {
      try {
        await this.#limiter(host).take({ signal })
      } catch (error) {
        permit.release()
        throw error
      }
    }
    return permit
  }

  #limiter(host: string): RateLimiter {
    let limiter = this.#limiters.get(host)
    if (limiter === undefined) {
      if (this.#limiters.size >= 10_000) this.#forgetFullLimiters()
      limiter = new RateLimiter(this.#rateLimit as RateLimitOptions)
      this.#limiters.set(host, limiter)
    }
    return limiter
  }

  // A limiter whose bucket is full and has no waiter is the same as a new one: drop it.
  #forgetFullLimiters(): void {
    for (const [host, limiter] of this.#limiters) {
      const stats = limiter.statistics()
      if (stats.waiting === 0 && stats.tokens >= stats.burst) this.#limiters.delete(host)
    }
  }
}
