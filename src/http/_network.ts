// How the client reaches an origin: directly or through a proxy, over HTTP/1.1 or HTTP/2,
// with which resolver. One dispatcher per (origin, protocol offer), made on first use: a
// Pool for a direct origin, a ProxyAgent for a proxied one. The transport asks for the
// dispatcher of every attempt and closes them all on shutdown.
import { type buildConnector, Client, type Dispatcher, Pool } from 'undici'
import { cachingLookup, type Lookup } from './_dns.js'
import { type ProxySettings, proxyFor, resolveProxy } from './_proxy.js'
import { type ProxyTls, proxyDispatcher } from './_proxy-agent.js'

/** How host names are resolved. */
export interface DnsOptions {
  /**
   * How long, in ms, a host name's addresses are reused; `false` looks up for every
   * connection. getaddrinfo reports no TTL, so this is a fixed time, as in curl.
   * @defaultValue 60000 (curl's `--dns-cache-timeout`)
   */
  readonly ttl?: number | false
  /** The resolver, shaped like `dns.lookup` (tests point names at loopback with it). */
  readonly lookup?: Lookup
}

/** The network options of the client, as given. */
export interface NetworkOptions {
  readonly proxy?: 'env' | string | URL | false
  readonly noProxy?: string
  readonly http2?: boolean
  readonly dns?: DnsOptions | false
}

/** The network options, checked. */
export interface NetworkSettings {
  readonly proxy: ProxySettings | undefined
  readonly http2: boolean
  readonly lookup: Lookup | undefined
}

const DNS_TTL = 60_000

function describe(value: unknown): string {
  let text: string
  try {
    text = typeof value === 'function' ? 'function' : (JSON.stringify(value) ?? String(value))
  } catch {
    text = String(value)
  }
  return `\`${text}\` (${value === null ? 'null' : typeof value})`
}

/** Checks `http2` of the client or of one request. */
export function resolveHttp2(name: string, value: unknown, base: boolean): boolean {
  if (value === undefined) return base
  if (typeof value !== 'boolean') {
    throw new TypeError(`Expected \`${name}\` to be a boolean, got ${describe(value)}`)
  }
  return value
}

function resolveDns(value: unknown): Lookup | undefined {
  if (value === false) return undefined
  if (
    value !== undefined &&
    (typeof value !== 'object' || value === null || Array.isArray(value))
  ) {
    throw new TypeError(`Expected \`dns\` to be an object or false, got ${describe(value)}`)
  }
  const { ttl = DNS_TTL, lookup } = (value ?? {}) as DnsOptions
  if (lookup !== undefined && typeof lookup !== 'function') {
    throw new TypeError(`Expected \`dns.lookup\` to be a function, got ${describe(lookup)}`)
  }
  if (ttl === false) return lookup
  if (typeof ttl !== 'number') {
    throw new TypeError(
      `Expected \`dns.ttl\` to be a positive number of ms or false, got ${describe(ttl)}`,
    )
  }
  if (!(ttl > 0)) {
    throw new RangeError(
      `Expected \`dns.ttl\` to be a positive number of ms or false, got ${describe(ttl)}`,
    )
  }
  return cachingLookup(ttl, lookup)
}

/**
 * Checks the network options; `env` is read for `proxy: 'env'` (the environment as it is
 * now: a client does not follow later changes).
 */
export function resolveNetwork(
  options: NetworkOptions,
  env: Readonly<Record<string, string | undefined>>,
): NetworkSettings {
  return {
    proxy: resolveProxy(options.proxy, options.noProxy, env),
    http2: resolveHttp2('http2', options.http2, false),
    lookup: resolveDns(options.dns),
  }
}

/** Builds a connector; `extra` goes to `net.connect`/`tls.connect` (ALPN, lookup, …). */
export type ConnectorFactory = (extra: Record<string, unknown>) => buildConnector.connector

/** The dispatcher of one attempt, and the proxy it goes through. */
export interface Route {
  readonly dispatcher: Dispatcher
  readonly proxy: URL | undefined
}

/**
 * A Pool that offers HTTP/2 and multiplexes once a connection speaks it. undici takes one
 * `pipelining` for a pool's clients, and the client's `1` (which the HTTP/1.1 fallback needs:
 * no pipelining to arbitrary servers) keeps an HTTP/2 connection to one stream at a time, so
 * a burst opens a socket per request. Each client here starts at 1 and is raised to `streams`
 * when its handshake settles on `h2`, so the fallback never pipelines and HTTP/2 shares one
 * connection.
 */
export function multiplexingPool(origin: string, options: Pool.Options, streams: number): Pool {
  return new Pool(origin, {
    ...options,
    factory: (url, clientOptions) => {
      const base = (clientOptions as { connect: buildConnector.connector }).connect
      let client: Client | undefined
      const connect: buildConnector.connector = (connectOptions, callback) =>
        base(connectOptions, (error, socket) => {
          // Still connecting: undici reads the new value when it starts sending.
          if (error === null && (socket as { alpnProtocol?: unknown }).alpnProtocol === 'h2') {
            if (client !== undefined) client.pipelining = streams
          }
          ;(callback as (e: Error | null, s: unknown) => void)(error, socket)
        })
      client = new Client(url, { ...(clientOptions as Client.Options), connect })
      return client
    },
  })
}

/** Makes and keeps the dispatchers of a client. */
export class Dispatchers {
  readonly #routes = new Map<string, Route>()
  readonly #settings: NetworkSettings
  readonly #pool: Omit<Pool.Options, 'connect'>
  readonly #tls: ProxyTls
  readonly #connectTimeout: number
  readonly #direct: buildConnector.connector
  #directH2: buildConnector.connector | undefined
  readonly #connector: ConnectorFactory

  constructor(
    settings: NetworkSettings,
    pool: Omit<Pool.Options, 'connect'>,
    tls: ProxyTls,
    connectTimeout: number,
    connector: ConnectorFactory,
  ) {
    this.#settings = settings
    this.#pool = pool
    this.#tls = tls
    this.#connectTimeout = connectTimeout
    this.#connector = connector
    this.#direct = connector(this.#socketOptions(false))
  }

  /** Every connection tries each address of its host, both families (Happy Eyeballs). */
  #socketOptions(h2: boolean): Record<string, unknown> {
    return {
      autoSelectFamily: true,
      ...(this.#settings.lookup === undefined ? {} : { lookup: this.#settings.lookup }),
      ...(h2 ? { allowH2: true } : {}),
    }
  }

  /** The route for `url`; `http2` offers HTTP/2 (only `https:` origins negotiate it). */
  get(url: URL, http2: boolean): Route {
    const h2 = http2 && url.protocol === 'https:'
    const key = h2 ? `h2 ${url.origin}` : url.origin
    let route = this.#routes.get(key)
    if (route === undefined) {
      route = this.#make(url, h2)
      this.#routes.set(key, route)
    }
    return route
  }

  #make(url: URL, h2: boolean): Route {
    const proxy = proxyFor(url, this.#settings.proxy)
    const pool = h2 ? { ...this.#pool, allowH2: true } : this.#pool
    const streams = this.#pool.connections ?? 100
    if (proxy !== undefined) {
      const dispatcher = proxyDispatcher(
        proxy,
        h2
          ? {
              ...pool,
              factory: (origin: string | URL, options: Pool.Options) =>
                multiplexingPool(String(origin), options, streams),
            }
          : pool,
        this.#tls,
        this.#connectTimeout,
        this.#socketOptions(false),
        h2,
      )
      return { dispatcher, proxy }
    }
    if (!h2)
      return {
        dispatcher: new Pool(url.origin, { ...pool, connect: this.#direct }),
        proxy: undefined,
      }
    this.#directH2 ??= this.#connector(this.#socketOptions(true))
    const connect = this.#directH2
    return {
      dispatcher: multiplexingPool(url.origin, { ...pool, connect }, streams),
      proxy: undefined,
    }
  }

  /** Every dispatcher made so far. */
  all(): Dispatcher[] {
    return [...this.#routes.values()].map((route) => route.dispatcher)
  }
}
