import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { HttpClient } from 'asyncwith/http'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

// TLS session resumption between connections to one origin. undici's connector keeps a
// session cache (lib/core/connect.js, 100 sessions keyed by SNI name or host) and one client
// builds one connector, so a new connection to an origin resumes the previous session
// instead of a full handshake. Counted on the server: `isSessionReused()` per connection.
const cert = readFileSync(new URL('../_helpers/tls/cert.pem', import.meta.url), 'utf8')
const key = readFileSync(new URL('../_helpers/tls/key.pem', import.meta.url), 'utf8')

let server: Server
let origin = ''
/** Per connection, in order: whether its handshake resumed a session (read while it is open). */
let connections: boolean[] = []

beforeAll(async () => {
  server = createServer({ cert, key }, (_request, response) => response.end('ok'))
  server.on('secureConnection', (socket: TLSSocket) => connections.push(socket.isSessionReused()))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
})

beforeEach(() => {
  connections = []
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('HttpClient TLS sessions', () => {
  it('resumes the session on every new connection after the first', async () => {
    await using client = new HttpClient({ tls: { ca: cert }, keepAlive: false })
    for (let i = 0; i < 5; i++) {
      const response = await client.get(`${origin}/${i}`)
      expect(await response.text()).toBe('ok')
    }
    expect(connections).toEqual([false, true, true, true, true])
  })

  it('does not share sessions between clients', async () => {
    for (let i = 0; i < 2; i++) {
      await using client = new HttpClient({ tls: { ca: cert }, keepAlive: false })
      await (await client.get(`${origin}/`)).text()
    }
    expect(connections).toEqual([false, false])
  })
})
