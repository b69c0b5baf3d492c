/**
 * An in-process HTTP/1.1 server for the `asyncwith/http` tests that misbehaves on purpose:
 * it resets, stalls, truncates, lies about lengths, fails N times then recovers, redirects,
 * and sends compressed bodies and decompression bombs. It listens on 127.0.0.1 on a free
 * port, counts its sockets, logs every request, and `close()` destroys every socket, so a
 * test that closes it leaves no handle behind, stalled responses included.
 *
 * ```ts
 * await using server = await startTestServer()
 * const { statusCode } = await request(server.url('/status/503?retry-after=2'))
 * server.route('/custom/:id', (req, res, { params }) => res.end(params.id))
 * ```
 *
 * Built-in routes (`GET` unless said otherwise; every route also answers `HEAD` and ignores
 * a request body it does not need):
 *
 * | route | response |
 * |---|---|
 * | `/bytes/:n` | `n` bytes (`i % 256`) with `Content-Length`; `?chunked=1` sends them chunked |
 * | `/text?charset=` | {@link SAMPLE_TEXT} encoded in `utf-8` (default), `latin1`/`iso-8859-1`/`windows-1252` or `utf-16le`; `charset=none` leaves the parameter out of `Content-Type` |
 * | `/json` | {@link SAMPLE_JSON}; `?invalid=1` sends malformed JSON with a JSON content type |
 * | `/lines?n=&crlf=1&trailing=0&chunk=` | `line 1\n` … `line n\n`, written in chunks of `chunk` bytes (default 5), so lines straddle chunks |
 * | `/status/:code?retry-after=` | that status; `retry-after` is copied verbatim into `Retry-After` (seconds or an HTTP date) |
 * | `/redirect/:n?status=&absolute=1` | `n` hops through `/redirect/n-1` … to `/redirect/0`, which answers 200 `done` |
 * | `/redirect-to?url=&status=` | one redirect (default 302) to `url`, verbatim |
 * | `/redirect-loop` | 302 to itself, forever |
 * | `/echo` (any method) | JSON {@link EchoBody}: method, path, headers and the body received |
 * | `/set-cookie` | 200 with two `Set-Cookie` headers (`a=1`, `b=2`) |
 * | `/flaky/:failures?key=&status=&retry-after=` | `status` (default 500) the first `failures` times per `key` (default the path), then 200 `ok` |
 * | `/slow?ms=` | waits `ms` (default 1000) before sending headers, then `slow` |
 * | `/trickle?bytes=&interval=` | `bytes` (default 10) bytes with `Content-Length`, one every `interval` ms (default 100) |
 * | `/big?bytes=` | a streamed body of `bytes` (default 8 MiB) bytes, with back-pressure |
 * | `/gzip`, `/deflate`, `/br`, `/zstd` | {@link SAMPLE_TEXT} repeated, compressed, with `Content-Encoding` (`/zstd` is 501 where `zlib` lacks zstd) |
 * | `/encoded?chain=gzip,br` | the same text compressed with each coding in order; `Content-Encoding: gzip, br` |
 * | `/corrupt?encoding=gzip` | `Content-Encoding: gzip` over bytes that are not gzip |
 * | `/bomb?encoding=gzip&size=` | `size` (default 100 MiB) zero bytes compressed (built lazily, cached per process) |
 * | `/reset-mid-body` | headers and 100 of 1000 bytes, then after 50 ms a TCP reset |
 * | `/close-mid-body` | headers and 100 of 1000 bytes, then after 50 ms a clean FIN (`socket.end()`) |
 * | `/no-headers` | accepts the request and never answers |
 * | `/stall-body` | headers (`Content-Length: 1000`) and a first chunk, then nothing, forever |
 * | `/truncated-chunked?close=1` | a chunked body whose terminating `0` chunk never comes: the socket ends |
 * | `/wrong-length?close=1` | `Content-Length: 100` but 10 bytes, then the socket ends |
 *
 * Anything else is 404. Routes added with {@link TestServer.route} take precedence.
 *
 * What undici 7.30 reports for the faults (`request()` through an `Agent`): `/reset-mid-body`
 * fails the body read with Node's `ECONNRESET` (a client too busy to read before the RST
 * arrives gets the bytes and a plain close, `UND_ERR_SOCKET`); `/close-mid-body`,
 * `/truncated-chunked` and `/wrong-length` with `UND_ERR_SOCKET` "other side closed", as
 * they claim `Connection: keep-alive`; with `?close=1` they send `Connection: close` instead
 * and `/wrong-length` fails with `UND_ERR_RES_CONTENT_LENGTH_MISMATCH`, `/truncated-chunked`
 * with an `HTTPParserError` (no `code`) "Invalid EOF state". `/no-headers` ends in
 * `UND_ERR_HEADERS_TIMEOUT` and `/stall-body` in `UND_ERR_BODY_TIMEOUT`, after roughly
 * `headersTimeout`/`bodyTimeout` plus up to a second (undici's timers are coarse).
 */
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Transform } from 'node:stream'
import * as zlib from 'node:zlib'

/** One request as the server saw it, in arrival order. */
export interface RecordedRequest {
  readonly method: string
  /** Path and query, exactly as sent (`/echo?x=1`). */
  readonly path: string
  readonly headers: IncomingHttpHeaders
  /** 1-based number of the connection that carried it: equal numbers mean a reused socket. */
  readonly connection: number
}

/** What a route handler gets besides `req` and `res`. */
export interface RouteContext {
  /** The full request URL, resolved against the server's origin. */
  readonly url: URL
  /** Values of the `:name` segments of the route's pattern. */
  readonly params: Readonly<Record<string, string>>
  readonly server: TestServer
}

/** A request handler; it may be async. Errors it throws become a 500 (or a destroyed socket). */
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  context: RouteContext,
) => void | Promise<void>

/** A running test server. */
export interface TestServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string
  readonly port: number
  /** Resolves `path` (which may hold a query) against {@link origin}. */
  url(path: string): string
  /** Sockets open right now. */
  readonly connections: number
  /** Sockets ever accepted. */
  readonly totalConnections: number
  /** Every request received, oldest first. */
  readonly requests: readonly RecordedRequest[]
  /**
   * Adds a handler for `pattern`, a path whose `:name` segments match one segment each
   * (`/users/:id`). It takes precedence over built-in routes and earlier `route()` calls.
   */
  route(pattern: string, handler: RouteHandler): void
  /**
   * Stops listening, destroys every socket (stalled responses included) and cancels pending
   * timers; resolves when the listening handle and every socket handle are closed. Safe to
   * call more than once.
   */
  close(): Promise<void>
}

/** Text served by `/text` and, repeated, by the compressed routes: it is not ASCII. */
export const SAMPLE_TEXT = 'Grüße aus Köln: café, naïve, ½ × 3 = 1½\n'

/** Body of `/json`. */
export const SAMPLE_JSON = { hello: 'world', n: 1, list: [1, 2, 3], nested: { ok: true } }

/** How many times the compressed routes repeat {@link SAMPLE_TEXT}. */
export const COMPRESSED_REPEAT = 200

/** Body of `/echo`. */
export interface EchoBody {
  method: string
  path: string
  headers: IncomingHttpHeaders
  /** The request body decoded as UTF-8. */
  body: string
  /** Bytes received. */
  bodyLength: number
}

/** Bytes sent by `/bytes/:n` and `/big` at position `i`: `i % 256`. */
export function expectedBytes(n: number): Buffer {
  const buffer = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) buffer[i] = i % 256
  return buffer
}

/** The compression codings this Node.js can produce (`zstd` needs Node 22.15 or 23.8). */
export const encodings: readonly string[] = [
  'gzip',
  'deflate',
  'br',
  ...(typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function'
    ? ['zstd']
    : []),
]

interface Route {
  readonly segments: readonly string[]
  readonly handler: RouteHandler
}

/** Starts a server on 127.0.0.1 and a free port. Close it (or `await using` it) when done. */
export async function startTestServer(): Promise<TestServer> {
  const sockets = new Map<Socket, number>()
  const timers = new Set<NodeJS.Timeout>()
  const requests: RecordedRequest[] = []
  const routes: Route[] = []
  const flakyCounts = new Map<string, number>()
  let total = 0
  let closing: Promise<void> | undefined

  const httpServer = createServer({ keepAliveTimeout: 5_000 })
  // No server-side timeouts: stalls last until the client gives up or close() runs.
  httpServer.requestTimeout = 0
  httpServer.headersTimeout = 0
  httpServer.timeout = 0

  httpServer.on('connection', (socket: Socket) => {
    total += 1
    sockets.set(socket, total)
    socket.once('close', () => sockets.delete(socket))
  })

  // A timer that close() cancels; handlers use it instead of setTimeout.
  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timers.add(timer)
    return timer
  }
  const cancel = (timer: NodeJS.Timeout | undefined): void => {
    if (timer === undefined) return
    clearTimeout(timer)
    timers.delete(timer)
  }

  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      connection: sockets.get(req.socket) ?? 0,
    })
    const url = new URL(req.url ?? '/', server.origin)
    let found: ReturnType<typeof match>
    try {
      found = match(routes, url.pathname) ?? match(builtins, url.pathname)
    } catch {
      found = undefined // a malformed %-escape
    }
    if (found === undefined) {
      send(res, 404, 'not found')
      return
    }
    const context: RouteContext = { url, params: found.params, server }
    Promise.resolve()
      .then(() => found.handler(req, res, context))
      .catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, String(error))
        else res.destroy()
      })
  })

  const builtins: Route[] = [
    route('/bytes/:n', (_req, res, { params, url }) => {
      const body = expectedBytes(int(params.n, 0))
      if (url.searchParams.get('chunked') === '1') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        res.end(body)
      } else send(res, 200, body, 'application/octet-stream')
    }),
    route('/text', (_req, res, { url }) => {
      const charset = url.searchParams.get('charset') ?? 'utf-8'
      const type = charset === 'none' ? 'text/plain' : `text/plain; charset=${charset}`
      send(res, 200, Buffer.from(SAMPLE_TEXT, nodeEncoding(charset)), type)
    }),
    route('/json', (_req, res, { url }) => {
      const invalid = url.searchParams.get('invalid') === '1'
      const text = invalid ? '{"hello": "wor' : JSON.stringify(SAMPLE_JSON)
      send(res, 200, text, 'application/json')
    }),
    route('/lines', (_req, res, { url }) => {
      const n = int(url.searchParams.get('n'), 10)
      const eol = url.searchParams.get('crlf') === '1' ? '\r\n' : '\n'
      const chunk = Math.max(1, int(url.searchParams.get('chunk'), 5))
      let text = Array.from({ length: n }, (_, i) => `line ${i + 1}`).join(eol)
      if (url.searchParams.get('trailing') !== '0' && n > 0) text += eol
      const body = Buffer.from(text)
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      for (let at = 0; at < body.length; at += chunk) res.write(body.subarray(at, at + chunk))
      res.end()
    }),
    route('/status/:code', (_req, res, { params, url }) => {
      const status = int(params.code, 200)
      const retryAfter = url.searchParams.get('retry-after')
      if (retryAfter !== null) res.setHeader('retry-after', retryAfter)
      send(res, status, status === 204 || status === 304 ? '' : `status ${status}`)
    }),
    route('/redirect/:n', (_req, res, { params, url }) => {
      const n = int(params.n, 0)
      if (n <= 0) return send(res, 200, 'done')
      const target = `/redirect/${n - 1}${url.search}`
      const absolute = url.searchParams.get('absolute') === '1'
      redirect(
        res,
        int(url.searchParams.get('status'), 302),
        absolute ? server.url(target) : target,
      )
    }),
    route('/redirect-to', (_req, res, { url }) => {
      redirect(res, int(url.searchParams.get('status'), 302), url.searchParams.get('url') ?? '/')
    }),
    route('/redirect-loop', (_req, res) => redirect(res, 302, '/redirect-loop')),
    route('/echo', async (req, res) => {
      const body = await readBody(req)
      const echo: EchoBody = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: body.toString('utf8'),
        bodyLength: body.length,
      }
      send(res, 200, JSON.stringify(echo), 'application/json')
    }),
    route('/set-cookie', (_req, res) => {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/; HttpOnly'])
      send(res, 200, 'cookies set')
    }),
    route('/flaky/:failures', (_req, res, { params, url }) => {
      const key = url.searchParams.get('key') ?? url.pathname
      const seen = flakyCounts.get(key) ?? 0
      flakyCounts.set(key, seen + 1)
      if (seen >= int(params.failures, 1)) return send(res, 200, 'ok')
      const retryAfter = url.searchParams.get('retry-after')
      if (retryAfter !== null) res.setHeader('retry-after', retryAfter)
      send(res, int(url.searchParams.get('status'), 500), `failure ${seen + 1}`)
    }),
    route('/slow', (_req, res, { url }) => {
      const timer = later(int(url.searchParams.get('ms'), 1000), () => send(res, 200, 'slow'))
      res.once('close', () => cancel(timer))
    }),
    route('/trickle', (_req, res, { url }) => {
      const bytes = int(url.searchParams.get('bytes'), 10)
      const interval = int(url.searchParams.get('interval'), 100)
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': bytes })
      let sent = 0
      let timer: NodeJS.Timeout | undefined
      const tick = (): void => {
        if (sent >= bytes) return void res.end()
        res.write('.')
        sent += 1
        timer = later(interval, tick)
      }
      res.once('close', () => cancel(timer))
      res.flushHeaders()
      timer = later(interval, tick)
    }),
    route('/big', (_req, res, { url }) => {
      const bytes = int(url.searchParams.get('bytes'), 8 * 1024 * 1024)
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes })
      const block = expectedBytes(64 * 1024)
      let sent = 0
      const pump = (): void => {
        while (sent < bytes) {
          const size = Math.min(block.length, bytes - sent)
          sent += size
          if (!res.write(size === block.length ? block : block.subarray(0, size))) {
            res.once('drain', pump)
            return
          }
        }
        res.end()
      }
      pump()
    }),
    ...['gzip', 'deflate', 'br', 'zstd'].map((coding) =>
      route(`/${coding}`, (_req, res) => sendEncoded(res, [coding])),
    ),
    route('/encoded', (_req, res, { url }) => {
      const chain = (url.searchParams.get('chain') ?? 'gzip').split(',').map((s) => s.trim())
      sendEncoded(res, chain)
    }),
    route('/corrupt', (_req, res, { url }) => {
      res.setHeader('content-encoding', url.searchParams.get('encoding') ?? 'gzip')
      send(res, 200, 'this is not compressed at all', 'text/plain; charset=utf-8')
    }),
    route('/bomb', async (_req, res, { url }) => {
      const coding = url.searchParams.get('encoding') ?? 'gzip'
      const size = int(url.searchParams.get('size'), 100 * 1024 * 1024)
      if (!encodings.includes(coding)) return send(res, 501, `${coding} is not supported here`)
      const body = await bomb(coding, size)
      res.setHeader('content-encoding', coding)
      send(res, 200, body, 'application/octet-stream')
    }),
    // Faults. Raw writes keep the bytes on the wire exact.
    route('/reset-mid-body', (req, res) => {
      const socket = req.socket
      socket.write(rawHead(200, { 'content-length': '1000' }) + 'x'.repeat(100))
      // Let the client read headers and the first bytes before the RST arrives.
      const timer = later(50, () => socket.resetAndDestroy())
      res.once('close', () => cancel(timer))
    }),
    route('/close-mid-body', (req, res) => {
      const socket = req.socket
      socket.write(rawHead(200, { 'content-length': '1000' }) + 'x'.repeat(100))
      const timer = later(50, () => socket.end())
      res.once('close', () => cancel(timer))
    }),
    route('/no-headers', () => {}),
    route('/stall-body', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 1000 })
      res.write('x'.repeat(100))
    }),
    route('/truncated-chunked', (req, _res, { url }) => {
      const head = rawHead(200, { 'transfer-encoding': 'chunked' }, closes(url))
      req.socket.write(`${head}5\r\nhello\r\n6\r\n world\r\n`)
      req.socket.end()
    }),
    route('/wrong-length', (req, _res, { url }) => {
      req.socket.write(`${rawHead(200, { 'content-length': '100' }, closes(url))}0123456789`)
      req.socket.end()
    }),
  ]

  httpServer.listen(0, '127.0.0.1')
  await once(httpServer, 'listening')
  const { port } = httpServer.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`

  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      const closed = once(httpServer, 'close')
      httpServer.close()
      const socketsClosed = [...sockets.keys()].map((socket) => {
        const done = socket.closed ? Promise.resolve() : once(socket, 'close').then(() => {})
        socket.destroy()
        return done
      })
      await Promise.all([closed, ...socketsClosed])
      // 'close' events come before libuv's close phase frees the handles; one loop turn later
      // `process.getActiveResourcesInfo()` no longer lists them.
      await new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)))
    })()
    return closing
  }

  const server: TestServer = {
    origin,
    port,
    url: (path) => new URL(path, origin).href,
    get connections() {
      return sockets.size
    },
    get totalConnections() {
      return total
    },
    requests,
    route(pattern, handler) {
      routes.unshift(route(pattern, handler))
    },
    close,
    [Symbol.asyncDispose]: close,
  }
  return server
}

function route(pattern: string, handler: RouteHandler): Route {
  return { segments: pattern.split('/').filter(Boolean), handler }
}

function match(
  routes: readonly Route[],
  pathname: string,
): { handler: RouteHandler; params: Record<string, string> } | undefined {
  const parts = pathname.split('/').filter(Boolean)
  for (const { segments, handler } of routes) {
    if (segments.length !== parts.length) continue
    const params: Record<string, string> = {}
    const ok = segments.every((segment, i) => {
      const part = decodeURIComponent(parts[i]!)
      if (segment.startsWith(':')) params[segment.slice(1)] = part
      else if (segment !== part) return false
      return true
    })
    if (ok) return { handler, params }
  }
  return undefined
}

function int(value: string | null | undefined, fallback: number): number {
  const n = Number.parseInt(value ?? '', 10)
  return Number.isFinite(n) ? n : fallback
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type = 'text/plain; charset=utf-8',
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  res.writeHead(status, { 'content-type': type, 'content-length': bytes.length })
  res.end(bytes)
}

function redirect(res: ServerResponse, status: number, location: string): void {
  res.setHeader('location', location)
  send(res, status, `redirecting to ${location}`)
}

function nodeEncoding(charset: string): BufferEncoding {
  switch (charset.toLowerCase()) {
    case 'latin1':
    case 'iso-8859-1':
    case 'windows-1252':
      return 'latin1'
    case 'utf-16le':
      return 'utf16le'
    default:
      return 'utf8'
  }
}

function closes(url: URL): boolean {
  return url.searchParams.get('close') === '1'
}

function rawHead(status: number, headers: Record<string, string>, close = false): string {
  const connection = close ? 'close' : 'keep-alive'
  const lines = [`HTTP/1.1 ${status} OK`, 'Content-Type: text/plain', `Connection: ${connection}`]
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  return `${lines.join('\r\n')}\r\n\r\n`
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function compressSync(coding: string, input: Buffer): Buffer {
  switch (coding) {
    case 'gzip':
      return zlib.gzipSync(input)
    case 'deflate':
      return zlib.deflateSync(input)
    case 'br':
      return zlib.brotliCompressSync(input)
    case 'zstd': {
      const zstd = (zlib as { zstdCompressSync?: (input: Buffer) => Buffer }).zstdCompressSync
      if (zstd === undefined) throw new Error('zstd is not supported by this Node.js')
      return zstd(input)
    }
    default:
      throw new Error(`Unknown coding ${coding}`)
  }
}

function sendEncoded(res: ServerResponse, chain: readonly string[]): void {
  const unsupported = chain.find((coding) => !encodings.includes(coding))
  if (unsupported !== undefined) {
    send(res, 501, `${unsupported} is not supported here`)
    return
  }
  let body: Buffer = Buffer.from(SAMPLE_TEXT.repeat(COMPRESSED_REPEAT))
  for (const coding of chain) body = compressSync(coding, body)
  res.setHeader('content-encoding', chain.join(', '))
  send(res, 200, body)
}

const bombs = new Map<string, Promise<Buffer>>()

/** `size` zero bytes compressed with `coding`, streamed through zlib (never held whole). */
function bomb(coding: string, size: number): Promise<Buffer> {
  const key = `${coding}:${size}`
  let built = bombs.get(key)
  if (built === undefined) {
    built = buildBomb(coding, size)
    bombs.set(key, built)
  }
  return built
}

async function buildBomb(coding: string, size: number): Promise<Buffer> {
  const compressor =
    coding === 'gzip'
      ? zlib.createGzip({ level: 9 })
      : coding === 'deflate'
        ? zlib.createDeflate({ level: 9 })
        : coding === 'br'
          ? zlib.createBrotliCompress({
              params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 },
            })
          : (zlib as unknown as { createZstdCompress: () => Transform }).createZstdCompress()
  const chunks: Buffer[] = []
  compressor.on('data', (chunk: Buffer) => chunks.push(chunk))
  const zeros = Buffer.alloc(1024 * 1024)
  for (let left = size; left > 0; left -= zeros.length) {
    const piece = left >= zeros.length ? zeros : zeros.subarray(0, left)
    if (!compressor.write(piece)) await once(compressor, 'drain')
  }
  compressor.end()
  await once(compressor, 'end')
  return Buffer.concat(chunks)
}

/** A random key for `/flaky`, so parallel tests never share a failure counter. */
export function flakyKey(): string {
  return randomUUID()
}
