// Fixtures for the HttpClient integration tests (`http-client*.test.ts`): clients and servers
// that are closed after every test, a route that holds requests and counts how many are in
// flight, a listener that never accepts (for connect timeouts), and the resource checks.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { HttpClient, type HttpClientOptions, type HttpResponse } from 'asyncwith/http'
import { afterEach } from 'vitest'
import { startTestServer, type TestServer } from '../_helpers/http-server.js'

/** Makes clients and servers for one test and closes them all after it. */
export function useClients() {
  const clients = new Set<HttpClient>()
  const servers = new Set<TestServer>()
  const closers = new Set<() => Promise<void>>()
  afterEach(async () => {
    await Promise.all([...clients].map((client) => client.close()))
    await Promise.all([...servers].map((server) => server.close()))
    await Promise.all([...closers].map((close) => close()))
    clients.clear()
    servers.clear()
    closers.clear()
  })
  return {
    /** A client closed after the test. */
    client(options?: HttpClientOptions): HttpClient {
      const client = new HttpClient(options)
      clients.add(client)
      return client
    },
    /** A test server closed after the test. */
    async server(): Promise<TestServer> {
      const server = await startTestServer()
      servers.add(server)
      return server
    },
    /** A listener that never accepts, closed after the test. */
    async blackhole(): Promise<Blackhole> {
      const blackhole = await startBlackhole()
      closers.add(blackhole.close)
      return blackhole
    },
  }
}

/** How many held requests are in flight now, and at most. */
export interface Gauge {
  now: number
  peak: number
  /** `Date.now()` at each arrival, in order. */
  readonly arrivals: number[]
}

/**
 * Adds `/hold?ms=` to each server: it answers `held` after `ms` (default 50), counting the
 * requests it holds in one gauge shared by all the servers given.
 */
export function holdRoute(...servers: TestServer[]): Gauge {
  const gauge: Gauge = { now: 0, peak: 0, arrivals: [] }
  for (const server of servers) {
    server.route('/hold', (_req, res, { url }) => {
      gauge.now++
      gauge.peak = Math.max(gauge.peak, gauge.now)
      gauge.arrivals.push(Date.now())
      const timer = setTimeout(() => res.end('held'), Number(url.searchParams.get('ms') ?? 50))
      res.once('close', () => {
        clearTimeout(timer)
        gauge.now--
      })
    })
  }
  return gauge
}

/** Whether `python3` runs here: it provides the listener that never accepts. */
export const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0

/** A loopback listener whose backlog is full: connecting to it hangs. */
export interface Blackhole {
  readonly url: string
  close(): Promise<void>
}

/**
 * Node.js accepts every connection, so a Python socket with `listen(0)` that never calls
 * `accept()` is used; one connection fills its backlog, and later SYNs go unanswered.
 */
async function startBlackhole(): Promise<Blackhole> {
  const script =
    'import socket,sys\n' +
    's=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(0)\n' +
    'print(s.getsockname()[1], flush=True)\n' +
    'sys.stdin.read()\n'
  const child: ChildProcess = spawn('python3', ['-c', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const [line] = (await once(child.stdout!, 'data')) as [Buffer]
  const port = Number(String(line).trim())
  const filler: Socket = connect(port, '127.0.0.1')
  filler.on('error', () => {})
  await once(filler, 'connect')
  let closing: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${port}/`,
    close() {
      closing ??= (async () => {
        filler.destroy()
        const exited = once(child, 'exit')
        child.stdin!.end()
        await exited
        await turns()
      })()
      return closing
    },
  }
}

/** Lets libuv's close phase run, so closed handles leave `getActiveResourcesInfo()`. */
export function turns(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
}

/** Open TCP sockets of this process, after letting closed handles go. */
export async function tcpSockets(): Promise<number> {
  await turns()
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length
}

/** TCP sockets and listeners still alive, after letting closed handles go. */
export async function openSockets(): Promise<string[]> {
  await turns()
  return process
    .getActiveResourcesInfo()
    .filter((name) => name === 'TCPSocketWrap' || name === 'TCPServerWrap')
}

/** Milliseconds since `start`. */
export function since(start: number): number {
  return performance.now() - start
}

/** Rejection of `promise`, or a failure if it resolves. */
export async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('Expected a rejection')
}

/** The body of `response` (or of the response it resolves to) as text. */
export async function text(response: HttpResponse | PromiseLike<HttpResponse>): Promise<string> {
  return (await response).text()
}
