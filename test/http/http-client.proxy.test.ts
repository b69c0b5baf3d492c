import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer as createHttpsServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { HttpClient, isProxyError, type ProxyError } from 'asyncwith/http'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startTestServer, type TestServer } from '../_helpers/http-server.js'
import { type ProxyServer, startProxyServer } from '../_helpers/proxy-server.js'
import { findTinyproxy, startTinyproxy } from '../_helpers/tinyproxy.js'
import { openSockets, rejectionOf } from './_client-fixtures.js'

// Proxies, against a recording CONNECT-capable proxy in the test helpers and Debian's
// tinyproxy, with a plain origin (the misbehaving test server) and an https one (self-signed
// certificate, trusted with `tls.ca`). Loopback only.
const cert = readFileSync(new URL('../_helpers/tls/cert.pem', import.meta.url), 'utf8')
const key = readFileSync(new URL('../_helpers/tls/key.pem', import.meta.url), 'utf8')

let origin: TestServer
let https: Server
let httpsOrigin = ''
/** Headers the https origin received, per request. */
const httpsSeen: Array<Record<string, unknown>> = []

beforeAll(async () => {
  origin = await startTestServer()
  https = createHttpsServer({ cert, key }, (request, response) => {
    httpsSeen.push({ ...request.headers })
    response.end(`secure ${request.url}`)
  })
  https.listen(0, '127.0.0.1')
  await once(https, 'listening')
  httpsOrigin = `https://127.0.0.1:${(https.address() as AddressInfo).port}`
})

afterAll(async () => {
  await origin.close()
  https.closeAllConnections()
  await new Promise((resolve) => https.close(resolve))
})

const proxies: ProxyServer[] = []
async function proxy(options?: Parameters<typeof startProxyServer>[0]): Promise<ProxyServer> {
  const started = await startProxyServer(options)
  proxies.push(started)
  return started
}

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((one) => one.close()))
  vi.unstubAllEnvs()
})

const withCredentials = (url: string, auth: string) => url.replace('://', `://${auth}@`)

describe('HttpClient proxy', () => {
  it('sends an http: request to the proxy in absolute form', async () => {
    const via = await proxy()
    await using client = new HttpClient({ proxy: via.url })
    const response = await client.get(origin.url('/text'))
    expect(response.status).toBe(200)
    await response.release()
    expect(via.seen.map((seen) => [seen.method, seen.target])).toEqual([
      ['GET', origin.url('/text')],
    ])
  })

  it('tunnels an https: request through CONNECT and verifies the origin inside it', async () => {
    const via = await proxy()
    await using client = new HttpClient({ proxy: via.url, tls: { ca: cert } })
    const response = await client.get(`${httpsOrigin}/inside`)
    expect(await response.text()).toBe('secure /inside')
    expect(via.seen.map((seen) => [seen.method, seen.target])).toEqual([
      ['CONNECT', new URL(httpsOrigin).host],
    ])
  })

  it('fails TLS verification inside the tunnel without the ca, as a tls ConnectionError', async () => {
    const via = await proxy()
    await using client = new HttpClient({ proxy: via.url, retry: 0 })
    const error = await rejectionOf(client.get(`${httpsOrigin}/`))
    expect((error as { code?: string; kind?: string }).code).toBe('ASYNCWITH_CONNECTION')
    expect((error as { kind?: string }).kind).toBe('tls')
  })

  it('sends the proxy credentials to the proxy only, never to the origin', async () => {
    const via = await proxy({ auth: 'user:p@ss' })
    const url = withCredentials(via.url, 'user:p%40ss')
    await using client = new HttpClient({ proxy: url, tls: { ca: cert } })
    httpsSeen.length = 0
    const before = origin.requests.length
    await (await client.get(origin.url('/echo'))).text()
    await (await client.get(`${httpsOrigin}/`)).text()
    const expected = `Basic ${Buffer.from('user:p@ss').toString('base64')}`
    expect(via.seen.map((seen) => seen.headers['proxy-authorization'])).toEqual([
      expected,
      expected,
    ])
    const atOrigin = [...origin.requests.slice(before).map((r) => r.headers), ...httpsSeen]
    expect(atOrigin).toHaveLength(2)
    for (const headers of atOrigin) {
      expect(headers['proxy-authorization']).toBeUndefined()
      expect(headers.authorization).toBeUndefined()
    }
  })

  it.each([
    ['http:', () => origin.url('/text')],
    ['https:', () => `${httpsOrigin}/`],
  ])('turns a 407 for an %s URL into a ProxyError that is not retried', async (_scheme, target) => {
    const via = await proxy({ auth: 'user:secret' })
    await using client = new HttpClient({
      proxy: withCredentials(via.url, 'user:wrong'),
      tls: { ca: cert },
      retry: { limit: 3, baseDelay: 1 },
    })
    const error = (await rejectionOf(client.get(target()))) as ProxyError
    expect(isProxyError(error)).toBe(true)
    expect([error.name, error.code, error.phase, error.status]).toEqual([
      'ProxyError',
      'ASYNCWITH_PROXY',
      'proxy',
      407,
    ])
    expect(error.proxy).toBe(via.url)
    expect(error.message).not.toContain('wrong')
    expect(via.seen).toHaveLength(1)
  })

  it('turns a 502 from CONNECT into a ProxyError, retried as a 502 is', async () => {
    const via = await proxy({ connectStatus: 502 })
    await using client = new HttpClient({
      proxy: via.url,
      tls: { ca: cert },
      retry: { limit: 2, baseDelay: 1 },
    })
    const error = (await rejectionOf(client.get(`${httpsOrigin}/`))) as ProxyError
    expect([error.code, error.phase, error.status, error.url]).toEqual([
      'ASYNCWITH_PROXY',
      'proxy',
      502,
      `${httpsOrigin}/`,
    ])
    expect(via.seen.map((seen) => seen.method)).toEqual(['CONNECT', 'CONNECT', 'CONNECT'])
  })

  it('reports fetchAll outcomes through the proxy, a refusal as an ok: false outcome', async () => {
    const via = await proxy({ connectStatus: 502 })
    await using client = new HttpClient({ proxy: via.url, retry: 0 })
    const outcomes = []
    for await (const outcome of client.fetchAll([origin.url('/text'), `${httpsOrigin}/`])) {
      outcomes.push(outcome.ok ? outcome.status : outcome.error.code)
    }
    expect(outcomes.sort()).toEqual([200, 'ASYNCWITH_PROXY'].sort())
  })

  it('goes direct for hosts in noProxy', async () => {
    const via = await proxy()
    await using client = new HttpClient({ proxy: via.url, noProxy: 'localhost, 127.0.0.0/8' })
    await (await client.get(origin.url('/text'))).text()
    expect(via.seen).toEqual([])
  })

  it("reads the environment only when proxy is 'env'", async () => {
    const via = await proxy()
    vi.stubEnv('http_proxy', via.url)
    vi.stubEnv('no_proxy', '')
    vi.stubEnv('NO_PROXY', '')
    {
      await using client = new HttpClient()
      await (await client.get(origin.url('/text'))).text()
    }
    expect(via.seen).toEqual([])
    {
      await using client = new HttpClient({ proxy: 'env' })
      await (await client.get(origin.url('/text'))).text()
    }
    expect(via.seen).toHaveLength(1)
    vi.stubEnv('NO_PROXY', '127.0.0.1')
    {
      await using client = new HttpClient({ proxy: 'env' })
      await (await client.get(origin.url('/text'))).text()
    }
    expect(via.seen).toHaveLength(1)
  })

  it('keys perHost on the origin host, not on the proxy', async () => {
    // Two hosts behind one proxy, perHost 1: both requests must be in flight at once, as
    // the server answers neither until it holds both.
    const via = await proxy()
    let waiting: Array<() => void> = []
    origin.route('/together', (_request, response) => {
      waiting.push(() => response.end('together'))
      if (waiting.length === 2) for (const release of waiting.splice(0)) release()
    })
    await using client = new HttpClient({ proxy: via.url, perHost: 1, timeout: { total: 5000 } })
    const bodies = await Promise.all(
      [origin.url('/together'), origin.url('/together').replace('127.0.0.1', 'localhost')].map(
        async (url) => (await client.get(url)).text(),
      ),
    )
    waiting = []
    expect(bodies).toEqual(['together', 'together'])
    expect(new Set(via.seen.map((seen) => new URL(seen.target).hostname))).toEqual(
      new Set(['127.0.0.1', 'localhost']),
    )
  })

  it('leaves no socket open after the client closes, refusals included', async () => {
    const before = (await openSockets()).length
    const via = await proxy({ auth: 'user:secret' })
    {
      await using client = new HttpClient({
        proxy: withCredentials(via.url, 'user:secret'),
        tls: { ca: cert },
      })
      await (await client.get(`${httpsOrigin}/`)).text()
      await (await client.get(origin.url('/text'))).text()
    }
    {
      await using client = new HttpClient({ proxy: via.url, tls: { ca: cert }, retry: 0 })
      await rejectionOf(client.get(`${httpsOrigin}/`))
      await rejectionOf(client.get(origin.url('/text')))
    }
    await via.close()
    expect((await openSockets()).length).toBeLessThanOrEqual(before)
  })

  it('rejects a proxy option that is not a URL, naming it', () => {
    expect(() => new HttpClient({ proxy: 'ftp://proxy.test' })).toThrow(
      /Expected `proxy` to be an http: or https: proxy URL/,
    )
    expect(() => new HttpClient({ proxy: true as never })).toThrow(TypeError)
  })
})

describe.skipIf(findTinyproxy() === undefined)('HttpClient proxy, through tinyproxy', () => {
  it('fetches http: and https: URLs through it, with its login', async () => {
    await using tiny = await startTinyproxy({ auth: 'user:secret' })
    await using client = new HttpClient({
      proxy: withCredentials(tiny.url, 'user:secret'),
      tls: { ca: cert },
    })
    expect(await (await client.get(origin.url('/text'))).text()).toContain('Köln')
    expect(await (await client.get(`${httpsOrigin}/tiny`)).text()).toBe('secure /tiny')
  })

  it('reports its 407 and its failed CONNECT as ProxyErrors', async () => {
    await using tiny = await startTinyproxy({ auth: 'user:secret' })
    {
      await using client = new HttpClient({ proxy: tiny.url, tls: { ca: cert }, retry: 0 })
      const plain = (await rejectionOf(client.get(origin.url('/text')))) as ProxyError
      const tunnel = (await rejectionOf(client.get(`${httpsOrigin}/`))) as ProxyError
      expect([plain.code, plain.status, tunnel.code, tunnel.status]).toEqual([
        'ASYNCWITH_PROXY',
        407,
        'ASYNCWITH_PROXY',
        407,
      ])
    }
    await using client = new HttpClient({
      proxy: withCredentials(tiny.url, 'user:secret'),
      retry: 0,
    })
    // Port 1 on loopback: nothing listens; tinyproxy answers the CONNECT with 500.
    const unreachable = (await rejectionOf(client.get('https://127.0.0.1:1/'))) as ProxyError
    expect([unreachable.code, unreachable.phase, unreachable.status]).toEqual([
      'ASYNCWITH_PROXY',
      'proxy',
      500,
    ])
  })
})
