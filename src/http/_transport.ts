// The exchanges with undici: a dispatcher per origin (a Pool, or a ProxyAgent through a
// proxy; see _network.ts), our connector, the sweep that runs long limits, and shutdown.
// Each attempt is an Exchange (_exchange.ts).

import type { Socket } from 'node:net'
import { buildConnector, type Dispatcher, errors } from 'undici'
import { noop } from '../_internal/noop.js'
import { WaiterList } from '../_internal/waiter-list.js'
import { type Exchange, SWEEP_EVERY, type Sweep } from './_exchange.js'
import { repairResponseHeads } from './_head-repair.js'
import { Dispatchers, type NetworkSettings } from './_network.js'
import type { ResolvedTls } from './_options.js'

export interface TransportOptions {
  readonly connections: number
  readonly keepAlive: number | false
  /** ms, `Infinity` for none. */
  readonly connect: number
  readonly maxHeaderSize: number
  readonly tls: ResolvedTls
  readonly network: NetworkSettings
}

export class Transport implements Sweep {
  readonly #dispatchers: Dispatchers
  /** Sockets still connecting: undici cannot abort them, so closing destroys them itself. */
  readonly #connecting = new Set<Socket>()
  /** Exchanges undici has not settled yet, including ones whose call has moved on. */
  dispatched = 0
  /** Exchanges whose current limit runs on the sweep. */
  readonly #swept = new WaiterList<Exchange>()
  #sweep: ReturnType<typeof setInterval> | undefined = undefined

  constructor(options: TransportOptions) {
    const { connections, keepAlive, tls } = options
    const connectMs = options.connect === Number.POSITIVE_INFINITY ? 0 : options.connect
    // One Pool per origin rather than an Agent: an Agent can stop reusing connections to an
    // origin after one of its sockets was destroyed (nodejs/undici#5022).
    this.#dispatchers = new Dispatchers(
      options.network,
      {
        connections: connections === Number.POSITIVE_INFINITY ? null : connections,
        pipelining: keepAlive === false ? 0 : 1,
        keepAliveTimeout: keepAlive === false ? 1 : keepAlive,
        // Every limit runs on the exchange's own timer.
        headersTimeout: 0,
        bodyTimeout: 0,
        maxHeaderSize: options.maxHeaderSize,
      },
      tls,
      connectMs,
      (extra) => this.#connector(connectMs, { ...tls, ...extra }),
    )
  }

  watch(exchange: Exchange): void {
    if (!exchange.linked) this.#swept.push(exchange)
    this.#sweep ??= setInterval(this.#onSweep, SWEEP_EVERY)
  }

  unwatch(exchange: Exchange): void {
    this.#swept.remove(exchange)
    if (this.#swept.length === 0 && this.#sweep !== undefined) {
      clearInterval(this.#sweep)
      this.#sweep = undefined
    }
  }

  readonly #onSweep = (): void => {
    const now = Date.now()
    let exchange = this.#swept.head
    while (exchange !== undefined) {
      const next = exchange.next
      if (exchange.deadline !== 0 && now >= exchange.deadline) exchange.expire()
      exchange = next
    }
  }

  /** Sends `exchange.hop` (offering HTTP/2 with `http2`); the exchange hears the rest. */
  dispatch(exchange: Exchange, http2: boolean): void {
    const { hop } = exchange
    const route = this.#dispatchers.get(hop.url, http2)
    exchange.proxy = route.proxy
    this.dispatched++
    exchange.sentAt = Date.now()
    route.dispatcher.dispatch(
      {
        origin: hop.url.origin,
        path: `${hop.url.pathname}${hop.url.search}`,
        method: hop.method as Dispatcher.HttpMethod,
        headers: hop.headers,
        body: hop.body,
      },
      exchange as unknown as Dispatcher.DispatchHandler,
    )
  }

  /**
   * Closes every pool: gracefully for up to a second, then destroyed; at once when undici
   * still has requests nobody waits for (often one still connecting).
   */
  async close(): Promise<void> {
    if (this.#sweep !== undefined) {
      clearInterval(this.#sweep)
      this.#sweep = undefined
    }
    for (const socket of this.#connecting) {
      socket.destroy(new Error('The HttpClient closed while this socket was connecting'))
    }
    this.#connecting.clear()
    const pools = this.#dispatchers.all()
    if (this.dispatched > 0) {
      await Promise.all(pools.map((pool) => pool.destroy().catch(noop)))
      return
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const graceful = Promise.all(pools.map((pool) => pool.close())).then(
      () => true,
      () => false,
    )
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), 1000)
    })
    const closed = await Promise.race([graceful, late])
    clearTimeout(timer)
    if (!closed) await Promise.all(pools.map((pool) => pool.destroy().catch(noop)))
  }

  /**
   * undici's connector, with two changes. The connect timeout runs on a native timer
   * (undici's own ticks about once a second). And the sockets still connecting are kept in
   * `#connecting`: undici neither aborts a connect nor destroys a connecting socket when its
   * pool is destroyed, so `close()` destroys them.
   */
  #connector(timeout: number, tls: Record<string, unknown>): buildConnector.connector {
    const connect = buildConnector({ timeout: 0, ...tls } as buildConnector.BuildOptions)
    const connecting = this.#connecting
    return (options, callback) => {
      let socket: Socket | undefined
      let settled = false
      let timer: ReturnType<typeof setTimeout> | undefined
      const done: buildConnector.Callback = (...args) => {
        settled = true
        clearTimeout(timer)
        if (socket !== undefined) connecting.delete(socket)
        const [error, connected] = args
        // HTTP/1.1 only: an HTTP/2 session reads the socket's handle, not `read()`.
        if (
          error === null &&
          connected !== null &&
          (connected as { alpnProtocol?: unknown }).alpnProtocol !== 'h2'
        ) {
          repairResponseHeads(connected as Socket)
        }
        callback(...args)
      }
      // The connector returns the socket it made (its type says `void`).
      socket = (connect as (...args: unknown[]) => unknown)(options, done) as Socket | undefined
      if (socket === undefined || settled) return
      const connectingSocket = socket
      connecting.add(connectingSocket)
      if (timeout > 0) {
        timer = setTimeout(() => {
          if (settled) return
          const address = `${options.hostname}:${options.port || (options.protocol === 'https:' ? 443 : 80)}`
          connectingSocket.destroy(
            new errors.ConnectTimeoutError(
              `Connect Timeout Error (attempted address: ${address}, timeout: ${timeout}ms)`,
            ),
          )
        }, timeout)
      }
    }
  }
}
