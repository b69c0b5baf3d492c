// One Redis connection with the frontier's failure policy: every call is retried with backoff
// while Redis is down, restarting or loading its AOF, until `patience` runs out. Calls are only
// ever safe to retry because every frontier write is idempotent (see _scripts.ts).

import { createHash } from 'node:crypto'
import { ErrorReply, RedisClient } from '@redis/client'
import { sleep } from '../_internal/sleep.js'
import { RedisUnavailableError } from './errors.js'
import type { JobAddress } from './job-url.js'

/** A Lua script and its SHA-1, run with EVALSHA and loaded with EVAL after NOSCRIPT. */
export interface Script {
  readonly name: string
  readonly source: string
  readonly sha: string
}

export function script(name: string, source: string): Script {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') }
}

/** Replies that mean "try again soon", not "this call is wrong". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN|READONLY)\b/

/** The part of node-redis's client the frontier uses. */
interface RawClient {
  readonly isOpen: boolean
  readonly isReady: boolean
  sendCommand(args: readonly string[]): Promise<unknown>
  connect(): Promise<unknown>
  close(): Promise<void>
  destroy(): void
  on(event: 'error', listener: (error: Error) => void): unknown
}

export class Connection {
  readonly #client: RawClient
  readonly #patience: number
  #closed = false
  /** Raised after every failed call: readers re-read their own pending list (design §6.5). */
  failures = 0
  /** Round trips made, for the benchmark's "Redis calls per request". */
  calls = 0
  /**
   * Set by workers and collectors: a missing consumer group (Redis restarted and lost it) is
   * waited out like an outage, until the coordinator produces again and re-creates it.
   */
  waitForGroups = false

  private constructor(client: RawClient, patience: number) {
    this.#client = client
    this.#patience = patience
  }

  static async open(address: JobAddress, patience: number): Promise<Connection> {
    const socket =
      address.socketPath === undefined ? {} : { path: address.socketPath, tls: false as const }
    // The bare client class, not createClient(): only sendCommand is used, and createClient
    // first builds a class with a method per Redis command (about 60 ms of start-up, more on a
    // loaded machine; every worker and coordinator pays it once, and it counts in short jobs).
    const client: RawClient = new RedisClient({
      ...(address.redisUrl === undefined ? {} : { url: address.redisUrl }),
      socket: {
        ...socket,
        connectTimeout: 5000,
        // Keep reconnecting on our own; calls fail fast meanwhile (no offline queue) so the
        // retry loop below, not the client, decides when to give up.
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
      },
      disableOfflineQueue: true,
      RESP: 2,
    })
    // Without a listener, an 'error' event (each failed reconnect) would crash the process.
    client.on('error', () => {})
    const connection = new Connection(client, patience)
    // connect() itself retries forever through reconnectStrategy: bound it by the patience.
    let timer: ReturnType<typeof setTimeout> | undefined
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new RedisUnavailableError(`Redis unreachable for ${Math.round(patience / 1000)} s`))
      }, patience)
    })
    try {
      await Promise.race([client.connect(), gaveUp])
      // A server loading its AOF accepts connections but answers LOADING: wait for it too.
      await connection.call(['PING'])
    } catch (error) {
      client.destroy()
      throw error
    } finally {
      clearTimeout(timer)
    }
    return connection
  }

  /** Sends one command, retrying transient failures (a missing group too, if `waitForGroups`). */
  call<T>(args: readonly string[], waitForGroups = this.waitForGroups): Promise<T> {
    return this.#retry(() => this.#client.sendCommand(args) as Promise<T>, waitForGroups)
  }

  /** Runs a script by its SHA, loading it first when the server does not have it. */
  run<T>(s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args.map(String)]
    return this.#retry(async () => {
      try {
        return (await this.#client.sendCommand(['EVALSHA', s.sha, ...tail])) as T
      } catch (error) {
        if (error instanceof ErrorReply && error.message.startsWith('NOSCRIPT')) {
          return (await this.#client.sendCommand(['EVAL', s.source, ...tail])) as T
        }
        throw error
      }
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (!this.#client.isOpen) return
    try {
      await this.#client.close()
    } catch {
      this.#client.destroy()
    }
  }

  async #retry<T>(attempt: () => Promise<T>, waitForGroups = this.waitForGroups): Promise<T> {
    let firstFailure: number | undefined
    let delay = 25
    for (;;) {
      if (this.#closed) throw new RedisUnavailableError('The frontier is closed')
      try {
        this.calls++
        return await attempt()
      } catch (error) {
        if (
          error instanceof ErrorReply &&
          !TRANSIENT_REPLY.test(error.message) &&
          !(waitForGroups && error.message.startsWith('NOGROUP'))
        ) {
          throw error
        }
        this.failures++
        const now = Date.now()
        firstFailure ??= now
        if (now - firstFailure >= this.#patience) {
          throw new RedisUnavailableError(
            `Redis unavailable for ${Math.round((now - firstFailure) / 1000)} s: ${(error as Error).message}`,
            { cause: error },
          )
        }
        await sleep(delay * (0.5 + Math.random()), undefined)
        delay = Math.min(delay * 2, 1000)
      }
    }
  }
}
