import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import {
  type ConnectionError,
  HttpClient,
  isConnectionError,
  isRedirectDowngradeError,
} from 'asyncwith/http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// TLS against a real https server on 127.0.0.1 with a self-signed certificate (valid until
// 2126, for 127.0.0.1 and localhost): verification by default, a private `ca`, and the
// https → http downgrade rule end to end.
const cert = readFileSync(new URL('../_helpers/tls/cert.pem', import.meta.url), 'utf8')
const key = readFileSync(new URL('../_helpers/tls/key.pem', import.meta.url), 'utf8')

let https: Server
let http: Server
let httpsOrigin = ''
let httpOrigin = ''

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

beforeAll(async () => {
  http = createHttpServer((_request, response) => response.end('plain'))
  httpOrigin = `http://127.0.0.1:${await listen(http)}`
  https = createHttpsServer({ cert, key }, (request, response) => {
    if (request.url === '/downgrade') {
      response.writeHead(302, { location: `${httpOrigin}/` }).end()
      return
    }
    response.end('secure')
  })
  httpsOrigin = `https://127.0.0.1:${await listen(https)}`
})

afterAll(async () => {
  https.closeAllConnections()
  http.closeAllConnections()
  await Promise.all([
    new Promise((resolve) => https.close(resolve)),
    new Promise((resolve) => http.close(resolve)),
  ])
})

async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('Expected a rejection')
}

describe('HttpClient tls', () => {
  it('refuses a certificate it cannot verify, as a tls ConnectionError', async () => {
    await using client = new HttpClient({ retry: 0 })
    const error = await rejectionOf(client.get(`${httpsOrigin}/`))
    expect(isConnectionError(error)).toBe(true)
    expect((error as ConnectionError).kind).toBe('tls')
    expect((error as ConnectionError).phase).toBe('connect')
  })

  it('trusts a server signed by tls.ca', async () => {
    await using client = new HttpClient({ tls: { ca: cert } })
    const response = await client.get(`${httpsOrigin}/`)
    expect([response.status, await response.text()]).toEqual([200, 'secure'])
  })

  it('skips verification only when told to with rejectUnauthorized: false', async () => {
    await using client = new HttpClient({ tls: { rejectUnauthorized: false } })
    const response = await client.get(`${httpsOrigin}/`)
    expect(await response.text()).toBe('secure')
  })

  it('refuses an https to http redirect with RedirectDowngradeError', async () => {
    await using client = new HttpClient({ tls: { ca: cert } })
    const error = await rejectionOf(client.get(`${httpsOrigin}/downgrade`))
    expect(isRedirectDowngradeError(error)).toBe(true)
  })

  it('follows it with redirect.allowDowngrade', async () => {
    await using client = new HttpClient({ tls: { ca: cert }, redirect: { allowDowngrade: true } })
    const response = await client.get(`${httpsOrigin}/downgrade`)
    expect([response.url, await response.text()]).toEqual([`${httpOrigin}/`, 'plain'])
  })

  it.each([
    [null, 'Expected `tls` to be an object'],
    [{ ca: 5 }, 'Expected `tls.ca` to be PEM text or bytes, or an array of them'],
    [{ rejectUnauthorized: 'no' }, 'Expected `tls.rejectUnauthorized` to be a boolean'],
  ])('rejects tls: %j with a TypeError', (tls, message) => {
    expect(() => new HttpClient({ tls: tls as never })).toThrow(new TypeError(message))
  })
})
