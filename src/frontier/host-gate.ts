import type { HostGate, HostPermit } from '../http/index.js'
import type { Connection } from './_connection.js'
import { hostKeys } from './_keys.js'
import { ACQUIRE } from './_scripts.js'

/** Limits per host that hold across every worker of every job on one Redis. */
export interface RedisHostGateOptions {
  /** Attempts in flight per host. @defaultValue no limit */
  readonly perHost?: number
  /** Attempt starts per host: `rate` per `per` ms. @defaultValue no limit */
  readonly rate?: { readonly rate: number; readonly per: number }
  /**
   * How long a permit lives in Redis if its holder dies without releasing it, in ms. Must be at
   * least the longest attempt (the request timeout), so a worker cut off from Redis cannot
   * overrun a host. @defaultValue 60000
   */
  readonly permitLease?: number
}

/**
 * A `HostGate` (the `hostGate` option of `HttpClient`) on Redis: a zset of expiring permit tokens per host for the in-flight cap,
 * and GCRA for the rate, both in one script. Locally only the head of each host's queue asks
 * Redis, so a busy host never blocks another host's requests.
 *
 * @example
 * ```ts
 * const gate = frontier.hostGate({ perHost: 4, rate: { rate: 100, per: 1000 } })
 * await using client = new HttpClient({ hostGate: gate })
 * ```
 */
export class RedisHostGate implements HostGate {
  readonly #connection: Connection
  readonly #limit: number
  readonly #interval: number
  readonly #lease: number
  readonly #prefix: string
  #tokens = 0
  readonly #tails = new Map<string, Promise<void>>()
  readonly #wakers = new Map<string, Set<() => void>>()

  /** @internal Made by `RedisFrontier.hostGate()`. */
  constructor(connection: Connection, consumer: string, options: RedisHostGateOptions = {}) {
    const { perHost, rate, permitLease = 60_000 } = options
    if (perHost !== undefined && !(Number.isInteger(perHost) && perHost >= 1)) {
      throw new TypeError(`Expected \`perHost\` to be an integer >= 1, got ${perHost}`)
    }
    if (rate !== undefined && !(rate.rate > 0 && rate.per > 0)) {
      throw new TypeError(`Expected \`rate\` to be positive, got ${JSON.stringify(rate)}`)
    }
    if (!(Number.isFinite(permitLease) && permitLease >= 1)) {
      throw new TypeError(`Expected \`permitLease\` to be a duration in ms, got ${permitLease}`)
    }
    this.#connection = connection
    this.#limit = perHost ?? 0
    this.#interval = rate === undefined ? 0 : Math.max(1, Math.ceil(rate.per / rate.rate))
    this.#lease = Math.ceil(permitLease)
    this.#prefix = `${consumer}:${Date.now().toString(36)}:`
  }

  /** Waits for a permit for `host`; rejects with the signal's reason when it aborts. */
  async acquire(host: string, options: { signal?: AbortSignal } = {}): Promise<HostPermit> {
    if (typeof host !== 'string' || host === '') {
      throw new TypeError(`Expected \`host\` to be a non-empty string, got ${String(host)}`)
    }
    const signal = options.signal
    signal?.throwIfAborted()
    if (this.#limit === 0 && this.#interval === 0) return { release() {} }
    // Local FIFO per host: the next caller waits for this one to get its permit.
    const previous = this.#tails.get(host) ?? Promise.resolve()
    let granted!: () => void
    const mine = new Promise<void>((resolve) => {
      granted = resolve
    })
    const tail = previous.then(() => mine)
    this.#tails.set(host, tail)
    try {
      await this.#wait(previous, undefined, signal)
      return await this.#ask(host, signal)
    } finally {
      granted()
      if (this.#tails.get(host) === tail) this.#tails.delete(host)
    }
  }

  async #ask(host: string, signal: AbortSignal | undefined): Promise<HostPermit> {
    const keys = hostKeys(host)
    for (;;) {
      signal?.throwIfAborted()
      const token = `${this.#prefix}${this.#tokens++}`
      const reply = await this.#connection.run<number>(
        ACQUIRE,
        [keys.conc, keys.rate],
        [token, this.#limit, this.#lease, this.#interval],
      )
      if (reply === 0) return this.#permit(host, keys.conc, token)
      // Full: a permit of ours frees it soonest (woken at once), another worker's by polling.
      const wait = reply < 0 ? 20 + Math.random() * 40 : reply
      await this.#wait(undefined, { host, ms: wait, wakeOnRelease: reply < 0 }, signal)
    }
  }

  #permit(host: string, conc: string, token: string): HostPermit {
    let released = false
    return {
      release: () => {
        if (released) return
        released = true
        // If this fails the token still expires after the permit lease.
        this.#connection.call(['ZREM', conc, token]).then(
          () => this.#wake(host),
          () => this.#wake(host),
        )
      },
    }
  }

  #wake(host: string): void {
    const wakers = this.#wakers.get(host)
    if (wakers === undefined) return
    for (const wake of wakers) wake()
  }

  /** Waits for `promise`, or for `timer` (and a release of its host), whichever first. */
  #wait(
    promise: Promise<void> | undefined,
    timer: { host: string; ms: number; wakeOnRelease: boolean } | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let handle: ReturnType<typeof setTimeout> | undefined
      let wakers: Set<() => void> | undefined
      const finish = (): void => {
        if (handle !== undefined) clearTimeout(handle)
        if (wakers !== undefined && timer !== undefined) {
          wakers.delete(done)
          if (wakers.size === 0) this.#wakers.delete(timer.host)
        }
        signal?.removeEventListener('abort', onAbort)
      }
      const done = (): void => {
        finish()
        resolve()
      }
      const onAbort = (): void => {
        finish()
        reject(signal!.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      if (promise !== undefined) promise.then(done, done)
      if (timer !== undefined) {
        handle = setTimeout(done, timer.ms)
        if (timer.wakeOnRelease) {
          wakers = this.#wakers.get(timer.host)
          if (wakers === undefined) {
            wakers = new Set()
            this.#wakers.set(timer.host, wakers)
          }
          wakers.add(done)
        }
      }
    })
  }
}
