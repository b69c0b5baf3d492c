/**
 * A small forward proxy for the `asyncwith/http` proxy tests, in process, on 127.0.0.1: plain
 * requests in absolute form (`GET http://host/path`) are forwarded with node:http, `CONNECT`
 * opens a tunnel. It records what it saw (method, target, headers), so a test can check that
 * `Proxy-Authorization` reached the proxy, and, with the origin's own log, never the origin.
 * It forwards to loopback addresses only (anything else is 403), and `close()` destroys every
 * socket it holds.
 *
 * ```ts
 * await using proxy = await startProxyServer({ auth: 'user:secret' })
 * const client = new HttpClient({ proxy: `http://user:secret@127.0.0.1:${proxy.port}` })
 * ```
 */
import { once } from 'node:events'
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import { type AddressInfo, connect, isIP, type Socket } from 'node:net'

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  /** `CONNECT`, or the method of a forwarded request. */
  readonly method: string
  /** `host:port` for CONNECT, the absolute URL otherwise. */
  readonly target: string
  readonly headers: IncomingHttpHeaders
}

export interface ProxyServerOptions {
  /** `user:password` the proxy demands in `Proxy-Authorization: Basic`; 407 otherwise. */
  readonly auth?: string
  /** Answer every CONNECT with this status instead of opening the tunnel (such as 502). */
  readonly connectStatus?: number
}

export interface ProxyServer extends AsyncDisposable {
  readonly port: number
  /** `http://127.0.0.1:port`. */
  readonly url: string
  /** Every request, in arrival order. */
  readonly seen: ProxiedRequest[]
  close(): Promise<void>
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host
  if (LOOPBACK_NAMES.has(bare)) return true
  return isIP(bare) === 4 && bare.startsWith('127.')
}

function authorized(headers: IncomingHttpHeaders, auth: string | undefined): boolean {
  if (auth === undefined) return true
  return headers['proxy-authorization'] === `Basic ${Buffer.from(auth).toString('base64')}`
}

/** Starts the proxy on a free port of 127.0.0.1. */
export async function startProxyServer(options: ProxyServerOptions = {}): Promise<ProxyServer> {
  const seen: ProxiedRequest[] = []
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const target = request.url ?? ''
    seen.push({ method: request.method ?? '', target, headers: { ...request.headers } })
    if (!authorized(request.headers, options.auth)) {
      response
        .writeHead(407, { 'proxy-authenticate': 'Basic realm="test"', 'content-length': 0 })
        .end()
      return
    }
    let url: URL
    try {
      url = new URL(target)
    } catch {
      response.writeHead(400, { 'content-length': 0 }).end()
      return
    }
    if (!isLoopback(url.hostname)) {
      response.writeHead(403, { 'content-length': 0 }).end()
      return
    }
    // Hop-by-hop and proxy headers stop here, as RFC 9110, section 7.6.1, asks.
    const headers = { ...request.headers }
    delete headers['proxy-authorization']
    delete headers['proxy-connection']
    delete headers.connection
    const upstream = httpRequest(
      url,
      { method: request.method, headers, agent: false },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      },
    )
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502, { 'content-length': 0 })
      response.end()
    })
    request.pipe(upstream)
  })
  server.on('connection', track)

  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    const target = request.url ?? ''
    seen.push({ method: 'CONNECT', target, headers: { ...request.headers } })
    client.on('error', () => {})
    const refuse = (status: number, extra = '') => {
      client.end(`HTTP/1.1 ${status} Refused\r\n${extra}Content-Length: 0\r\n\r\n`)
    }
    if (!authorized(request.headers, options.auth)) {
      refuse(407, 'Proxy-Authenticate: Basic realm="test"\r\n')
      return
    }
    if (options.connectStatus !== undefined) {
      refuse(options.connectStatus)
      return
    }
    const colon = target.lastIndexOf(':')
    const host = target.slice(0, colon)
    const port = Number(target.slice(colon + 1))
    if (!isLoopback(host)) {
      refuse(403)
      return
    }
    const upstream = connect(port, host.startsWith('[') ? host.slice(1, -1) : host)
    track(upstream)
    upstream.on('error', () => {
      if (upstream.connecting) refuse(502)
      else client.destroy()
    })
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
      client.once('close', () => upstream.destroy())
      upstream.once('close', () => client.destroy())
    })
  })

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  let closed: Promise<void> | undefined
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
      server.closeAllConnections()
    })
    return closed
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    close,
    [Symbol.asyncDispose]: close,
  }
}
