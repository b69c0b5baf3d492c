// A caching `lookup` for the client's sockets. Node.js resolves every connection's host name
// afresh (getaddrinfo on the libuv thread pool, four threads by default), so a batch of many
// connections to few hosts queues lookups behind each other; curl caches them for 60 s.
//
// getaddrinfo reports no TTL, so, as curl and undici's dns interceptor do, an answer is
// kept for a fixed time (`ttl`). Concurrent lookups of one name share one call. Failures are
// not cached: the next connection asks again.
import { type LookupAddress, lookup as systemLookup } from 'node:dns'
import type { LookupFunction } from 'node:net'

/** A `lookup` with the shape `net.connect` uses. */
export type Lookup = LookupFunction

/** How many lookups reached the underlying resolver, and how many the cache answered. */
export interface LookupStatistics {
  readonly lookups: number
  readonly hits: number
}

interface Entry {
  addresses: LookupAddress[]
  expires: number
}

type Waiter = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void

/**
 * A `lookup` that keeps each host name's addresses for `ttl` ms. It always asks `base` for
 * every address (`all: true`, any family) and answers each caller in the form it asked for,
 * so Happy Eyeballs (`autoSelectFamily`, which asks with `all: true`) sees both families.
 */
export function cachingLookup(
  ttl: number,
  base: Lookup = systemLookup as unknown as Lookup,
  now: () => number = Date.now,
): Lookup & { statistics(): LookupStatistics } {
  const cache = new Map<string, Entry>()
  const pending = new Map<string, Waiter[]>()
  let lookups = 0
  let hits = 0

  const answer = (
    addresses: LookupAddress[],
    options: { family?: number | string; all?: boolean },
    callback: (...args: never[]) => void,
  ) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family
    const usable =
      family === 4 || family === 6
        ? addresses.filter((address) => address.family === family)
        : addresses
    const reply = callback as unknown as (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void
    if (usable.length === 0) {
      const error: NodeJS.ErrnoException = new Error('getaddrinfo ENOTFOUND')
      error.code = 'ENOTFOUND'
      reply(error, options.all ? [] : '', family === 6 ? 6 : 4)
      return
    }
    if (options.all) reply(null, usable)
    else reply(null, (usable[0] as LookupAddress).address, (usable[0] as LookupAddress).family)
  }

  const lookup = ((hostname: string, options: unknown, callback: unknown) => {
    const opts = (typeof options === 'object' && options !== null ? options : {}) as {
      family?: number | string
      all?: boolean
    }
    const done = (typeof options === 'function' ? options : callback) as (...args: never[]) => void
    const key = hostname.toLowerCase()
    const entry = cache.get(key)
    if (entry !== undefined && entry.expires > now()) {
      hits++
      // Asynchronously, as dns.lookup answers.
      queueMicrotask(() => answer(entry.addresses, opts, done))
      return
    }
    const waiters = pending.get(key)
    const waiter: Waiter = (error, addresses) => {
      if (error !== null) {
        ;(done as unknown as (error: NodeJS.ErrnoException) => void)(error)
        return
      }
      answer(addresses, opts, done)
    }
    if (waiters !== undefined) {
      hits++
      waiters.push(waiter)
      return
    }
    pending.set(key, [waiter])
    lookups++
    base(hostname, { all: true, family: 0 }, ((
      error: NodeJS.ErrnoException | null,
      addresses: LookupAddress[] | string,
      family?: number,
    ) => {
      const list = pending.get(key) ?? []
      pending.delete(key)
      // A custom lookup may answer with one address even when asked for all.
      const all = Array.isArray(addresses)
        ? addresses
        : typeof addresses === 'string' && addresses !== ''
          ? [{ address: addresses, family: family ?? (addresses.includes(':') ? 6 : 4) }]
          : []
      if (error === null && all.length > 0) {
        if (cache.size >= 10_000) cache.clear()
        cache.set(key, { addresses: all, expires: now() + ttl })
      }
      for (const one of list) one(error, all)
    }) as never)
  }) as Lookup & { statistics(): LookupStatistics }
  lookup.statistics = () => ({ lookups, hits })
  return lookup
}
