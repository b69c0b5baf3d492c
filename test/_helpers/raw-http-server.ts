/**
 * A loopback HTTP/1.1 server on raw `node:net` for the RFC 9110/9112 conformance tests: it
 * parses each request itself (head, then a body by `Content-Length` or chunked) and hands it
 * to a handler that writes whatever bytes it likes on the socket, so it can send what
 * node:http never would: two `Content-Length`s, `Transfer-Encoding` beside `Content-Length`,
 * obs-fold, NUL in a header, bad chunk sizes, a header a byte at a time, a reset mid-body.
 * Several requests on one connection (keep-alive) are parsed in turn; `close()` destroys
 * every socket, so a test that closes it leaves no handle behind.
 *
 * ```ts
 * await using server = await startRawServer((socket, request) => {
 *   socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
 * })
 * ```
 */
import { once } from 'node:events'
import { type AddressInfo, createServer, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'

/** One request as the server parsed it. */
export interface RawRequest {
  readonly method: string
  /** The request target exactly as sent (`/a?b`, `*`, `http://h/x`). */
  readonly target: string
  readonly version: string
  /** Header fields in order, names as sent. */
  readonly fields: ReadonlyArray<readonly [string, string]>
  /** The head as sent, request line to the blank line (CRLFs included). */
  readonly head: string
  /** The body, de-chunked. */
  readonly body: Buffer
  /** 1-based number of the connection that carried it: equal numbers mean a reused socket. */
  readonly connection: number
  /** Every value of the header `name` (case-insensitive), in order. */
  all(name: string): string[]
  /** The header `name` (values joined with `, `), or `undefined`. */
  header(name: string): string | undefined
}

export type RawHandler = (socket: Socket, request: RawRequest) => void | Promise<void>

export interface RawServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` (or `[::1]`, or `https:`). */
  readonly origin: string
  readonly port: number
  /** Every request, in arrival order. */
  readonly requests: RawRequest[]
  /** Connections accepted so far. */
  readonly connections: () => number
  url(path?: string): string
  /** Destroys every socket and stops listening. Idempotent. */
  close(): Promise<void>
}

export interface RawServerOptions {
  /** Loopback only. */
  readonly host?: '127.0.0.1' | '::1'
  /** Serve `https:` with this certificate and key (PEM). */
  readonly tls?: { readonly cert: string; readonly key: string }
}

/** Starts a raw server (loopback only) whose `handler` answers every request. */
export async function startRawServer(
  handler: RawHandler,
  options: RawServerOptions = {},
): Promise<RawServer> {
  const host = options.host ?? '127.0.0.1'
  const scheme = options.tls === undefined ? 'http' : 'https'
  const sockets = new Set<Socket>()
  const requests: RawRequest[] = []
  let connections = 0
  const onSocket = (socket: Socket): void => {
    const connection = ++connections
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    let buffer = Buffer.alloc(0)
    let busy = false
    const pump = async (): Promise<void> => {
      if (busy) return
      busy = true
      try {
        for (;;) {
          const parsed = parseRequest(buffer, connection)
          if (parsed === undefined) return
          buffer = buffer.subarray(parsed.used)
          requests.push(parsed.request)
          await handler(socket, parsed.request)
          if (socket.destroyed) return
        }
      } finally {
        busy = false
      }
    }
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      void pump()
    })
  }
  const server =
    options.tls === undefined
      ? createServer(onSocket)
      : createTlsServer(options.tls, onSocket).on('tlsClientError', () => {})
  server.listen(0, host)
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const origin = `${scheme}://${host === '::1' ? '[::1]' : host}:${port}`
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
      await new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
    })()
    return closing
  }
  return {
    origin,
    port,
    requests,
    connections: () => connections,
    url: (path = '/') => `${origin}${path}`,
    close,
    [Symbol.asyncDispose]: close,
  }
}

/** Parses one request from the front of `buffer`, or `undefined` when it is not all there. */
function parseRequest(
  buffer: Buffer,
  connection: number,
): { request: RawRequest; used: number } | undefined {
  const end = buffer.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const head = buffer.subarray(0, end + 4).toString('latin1')
  const [line = '', ...lines] = head.slice(0, -4).split('\r\n')
  const [method = '', target = '', version = ''] = line.split(' ')
  const fields = lines.map((field): [string, string] => {
    const colon = field.indexOf(':')
    return [field.slice(0, colon), field.slice(colon + 1).trim()]
  })
  const all = (name: string): string[] =>
    fields.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v)
  const header = (name: string): string | undefined => {
    const values = all(name)
    return values.length === 0 ? undefined : values.join(', ')
  }
  let offset = end + 4
  let body = Buffer.alloc(0)
  if (header('transfer-encoding')?.toLowerCase().includes('chunked')) {
    const parts: Buffer[] = []
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', offset)
      if (lineEnd === -1) return undefined
      const size = Number.parseInt(buffer.subarray(offset, lineEnd).toString('latin1'), 16)
      if (size === 0) {
        const trailerEnd = buffer.indexOf('\r\n\r\n', lineEnd)
        if (trailerEnd === -1) return undefined
        offset = trailerEnd + 4
        break
      }
      if (buffer.length < lineEnd + 2 + size + 2) return undefined
      parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size))
      offset = lineEnd + 2 + size + 2
    }
    body = Buffer.concat(parts)
  } else {
    const length = Number(header('content-length') ?? 0)
    if (buffer.length < offset + length) return undefined
    body = Buffer.from(buffer.subarray(offset, offset + length))
    offset += length
  }
  return {
    request: { method, target, version, fields, head, body, connection, all, header },
    used: offset,
  }
}

/** A response head: status line, the fields, and the blank line. */
export function head(status: string, ...fields: string[]): string {
  return `HTTP/1.1 ${status}\r\n${fields.map((field) => `${field}\r\n`).join('')}\r\n`
}
