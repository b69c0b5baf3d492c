// Fixtures for the RFC 9110/9112 suites: raw servers and clients closed after every test, and
// a check, after that, that no TCP socket or listener of the test is left open.
import { HttpClient, type HttpClientOptions } from 'asyncwith/http'
import { afterEach, beforeEach, expect } from 'vitest'
import {
  type RawHandler,
  type RawServer,
  type RawServerOptions,
  startRawServer,
} from '../_helpers/raw-http-server.js'
import { openSockets } from './_client-fixtures.js'

export function useRaw() {
  const clients = new Set<HttpClient>()
  const servers = new Set<RawServer>()
  let baseline = 0
  beforeEach(async () => {
    baseline = (await openSockets()).length
  })
  afterEach(async () => {
    await Promise.all([...clients].map((client) => client.close()))
    await Promise.all([...servers].map((server) => server.close()))
    clients.clear()
    servers.clear()
    // Closed handles leave after libuv's close phase: let a few loop turns pass.
    let open = await openSockets()
    for (let turn = 0; turn < 50 && open.length > baseline; turn++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
      open = await openSockets()
    }
    expect(open.length, `sockets left: ${open.join(', ')}`).toBe(baseline)
  })
  return {
    /** A client (no retries unless asked) closed after the test. */
    client(options: HttpClientOptions = {}): HttpClient {
      const client = new HttpClient({ retry: 0, ...options })
      clients.add(client)
      return client
    },
    /** A raw server closed after the test. */
    async server(handler: RawHandler, options?: RawServerOptions): Promise<RawServer> {
      const server = await startRawServer(handler, options)
      servers.add(server)
      return server
    },
  }
}

/** A response with `Content-Length` and a body. */
export function reply(body: string | Buffer, ...fields: string[]): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  const head = `HTTP/1.1 200 OK\r\n${[`Content-Length: ${bytes.byteLength}`, ...fields]
    .map((field) => `${field}\r\n`)
    .join('')}\r\n`
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes])
}
