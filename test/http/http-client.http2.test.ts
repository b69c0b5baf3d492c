import { readFileSync } from 'node:fs'
import { HttpClient, type HttpTimeoutError } from 'asyncwith/http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../_helpers/http-server.js'
import { findNginx, type Nginx, startNginx } from '../_helpers/nginx.js'
import { startProxyServer } from '../_helpers/proxy-server.js'
import { openSockets, rejectionOf } from './_client-fixtures.js'

// HTTP/2 against a real server: nginx with TLS and `http2`, in front of the misbehaving test
// server (proxied, unbuffered), so its slow, stalled, flaky and big routes are reached over
// HTTP/2 streams. nginx's access log says which protocol each request came in with.
const cert = readFileSync(new URL('../_helpers/tls/cert.pem', import.meta.url), 'utf8')
const nginx = findNginx()
if (nginx === undefined) {
  console.warn('http-client.http2.test.ts: skipped, nginx is not installed (.ci/run installs it)')
}

let upstream: TestServer
let h2: Nginx
let h1: Nginx

beforeAll(async () => {
  if (nginx === undefined) return
  upstream = await startTestServer()
  const upstreamHost = `127.0.0.1:${upstream.port}`
  h2 = await startNginx({ http2: true, upstream: upstreamHost, files: { one: 'x'.repeat(1024) } })
  h1 = await startNginx({ http2: false, upstream: upstreamHost })
})

afterAll(async () => {
  await h2?.close()
  await h1?.close()
  await upstream?.close()
})

/** Protocols of the `count` requests nginx logged after its first `from` lines. */
async function protocols(server: Nginx, from: number, count: number): Promise<string[]> {
  return (await server.log(from + count)).slice(from).map((line) => line.split(' ').at(-2) ?? '')
}

describe.skipIf(nginx === undefined)('HttpClient http2', () => {
  it('negotiates HTTP/2 by ALPN with http2: true, and HTTP/1.1 without it', async () => {
    const from = (await h2.log()).length
    {
      await using client = new HttpClient({ http2: true, tls: { ca: cert } })
      expect(await (await client.get(`${h2.origin}/files/one`)).text()).toHaveLength(1024)
    }
    {
      await using client = new HttpClient({ tls: { ca: cert } })
      expect(await (await client.get(`${h2.origin}/files/one`)).text()).toHaveLength(1024)
    }
    expect(await protocols(h2, from, 2)).toEqual(['HTTP/2.0', 'HTTP/1.1'])
  })

  it('takes the per-request http2 option over the client one', async () => {
    const from = (await h2.log()).length
    await using client = new HttpClient({ tls: { ca: cert } })
    await (await client.get(`${h2.origin}/files/one`, { http2: true })).text()
    await (await client.get(`${h2.origin}/files/one`)).text()
    expect((await protocols(h2, from, 2)).sort()).toEqual(['HTTP/1.1', 'HTTP/2.0'])
  })

  it('negotiates HTTP/2 with the origin inside a proxy tunnel', async () => {
    await using proxy = await startProxyServer()
    const from = (await h2.log()).length
    await using client = new HttpClient({ http2: true, proxy: proxy.url, tls: { ca: cert } })
    const bodies = await Promise.all(
      [1, 2, 3].map(async () => (await client.get(`${h2.origin}/files/one`)).text()),
    )
    expect(bodies.map((body) => body.length)).toEqual([1024, 1024, 1024])
    expect(await protocols(h2, from, 3)).toEqual(['HTTP/2.0', 'HTTP/2.0', 'HTTP/2.0'])
    expect(proxy.seen.every((seen) => seen.method === 'CONNECT')).toBe(true)
  })

  it('falls back to HTTP/1.1 when the server does not offer HTTP/2', async () => {
    const from = (await h1.log()).length
    await using client = new HttpClient({ http2: true, tls: { ca: cert } })
    expect(await (await client.get(`${h1.origin}/text`)).text()).toContain('Köln')
    expect(await protocols(h1, from, 1)).toEqual(['HTTP/1.1'])
  })

  it('keeps at most `connections` streams in flight per origin, over one warm connection', async () => {
    // A cold burst may open up to `connections` sockets before the first handshake shows
    // that the server speaks HTTP/2; once one is open, new streams share it.
    let inFlight = 0
    let most = 0
    upstream.route('/count', (_request, response) => {
      inFlight++
      most = Math.max(most, inFlight)
      setTimeout(() => {
        inFlight--
        response.end('counted')
      }, 20)
    })
    await using client = new HttpClient({ http2: true, connections: 6, tls: { ca: cert } })
    await (await client.get(`${h2.origin}/files/one`)).text()
    const from = (await h2.log()).length
    const urls = Array.from({ length: 40 }, (_, i) => `${h2.origin}/count?i=${i}`)
    let ok = 0
    for await (const outcome of client.fetchAll(urls, { concurrency: 40 })) {
      if (outcome.ok && outcome.value === 'counted') ok++
    }
    expect(ok).toBe(40)
    expect(most).toBeLessThanOrEqual(6)
    const lines = (await h2.log(from + 40)).slice(from)
    expect(lines).toHaveLength(40)
    expect(new Set(lines.map((line) => line.split(' ').at(-1))).size).toBe(1)
  })

  it('fails with phase headers when a stream gets no headers in time', async () => {
    await using client = new HttpClient({
      http2: true,
      tls: { ca: cert },
      timeout: { headers: 200 },
      retry: 0,
    })
    const url = `${h2.origin}/no-headers`
    const error = (await rejectionOf(client.get(url))) as HttpTimeoutError
    expect(error).toMatchObject({ code: 'ASYNCWITH_TIMEOUT', phase: 'headers', url })
  })

  it('fails with phase body when a stream stalls', async () => {
    await using client = new HttpClient({
      http2: true,
      tls: { ca: cert },
      timeout: { body: 300 },
      retry: 0,
    })
    const response = await client.get(`${h2.origin}/stall-body`)
    const error = await rejectionOf(response.text())
    expect(error).toMatchObject({ code: 'ASYNCWITH_TIMEOUT', phase: 'body' })
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })

  it('fails with phase total, retries and body included', async () => {
    await using client = new HttpClient({ http2: true, tls: { ca: cert }, timeout: { total: 150 } })
    const error = await rejectionOf(client.get(`${h2.origin}/slow?ms=3000`))
    expect(error).toMatchObject({ code: 'ASYNCWITH_TIMEOUT', phase: 'total' })
  })

  it('rejects with the signal reason when aborted, and the other streams carry on', async () => {
    await using client = new HttpClient({ http2: true, tls: { ca: cert } })
    const controller = new AbortController()
    const slow = client.get(`${h2.origin}/slow?ms=3000`, { signal: controller.signal })
    const other = client.get(`${h2.origin}/slow?ms=100`)
    const reason = new Error('stop')
    setTimeout(() => controller.abort(reason), 50)
    expect(await rejectionOf(slow)).toBe(reason)
    expect(await (await other).text()).toBe('slow')
  })

  it('enforces maxBodySize on a stream', async () => {
    await using client = new HttpClient({ http2: true, tls: { ca: cert }, maxBodySize: 1000 })
    const response = await client.get(`${h2.origin}/bytes/5000`)
    const error = await rejectionOf(response.bytes())
    expect(error).toMatchObject({ code: 'ASYNCWITH_BODY_TOO_LARGE' })
  })

  it('retries 5xx responses over HTTP/2 with backoff', async () => {
    await using client = new HttpClient({
      http2: true,
      tls: { ca: cert },
      retry: { limit: 3, baseDelay: 1 },
    })
    const response = await client.get(`${h2.origin}/flaky/2?key=h2-${Math.random()}`)
    expect([response.status, response.attempts, await response.text()]).toEqual([200, 3, 'ok'])
  })

  it('reports a stream the server resets as a ConnectionError', async () => {
    await using client = new HttpClient({ http2: true, tls: { ca: cert }, retry: 0 })
    const response = await client.get(`${h2.origin}/reset-mid-body`)
    const error = await rejectionOf(response.bytes())
    expect(error).toMatchObject({ code: 'ASYNCWITH_CONNECTION', phase: 'body' })
  })

  it('finishes every GET when the server sends GOAWAY after a few streams', async () => {
    // nginx ends each connection with GOAWAY after 20 streams. undici 7 then destroys the
    // socket at once, cutting off the streams still in flight (nginx logs them as 499); they
    // fail as connections closed early and are retried (GET is idempotent), so every URL
    // still succeeds.
    await using server = await startNginx({
      http2: true,
      upstream: `127.0.0.1:${upstream.port}`,
      keepaliveRequests: 20,
    })
    await using client = new HttpClient({
      http2: true,
      tls: { ca: cert },
      retry: { limit: 10, baseDelay: 1 },
    })
    const urls = Array.from({ length: 200 }, (_, i) => `${server.origin}/bytes/${100 + i}`)
    const outcomes = []
    let retried = 0
    for await (const outcome of client.fetchAll(urls, { concurrency: 8, read: 'bytes' })) {
      outcomes.push(outcome.ok ? outcome.status : outcome.error.message)
      if (outcome.attempts > 1) retried++
    }
    expect(outcomes.filter((x) => x !== 200)).toEqual([])
    expect(retried).toBeGreaterThan(0)
    const lines = await server.log(200)
    expect(new Set(lines.map((line) => line.split(' ').at(-1))).size).toBeGreaterThanOrEqual(10)
  })

  it('leaves no socket open once the client is closed', async () => {
    const before = (await openSockets()).length
    {
      await using client = new HttpClient({ http2: true, tls: { ca: cert } })
      await Promise.all(
        Array.from({ length: 5 }, async () => (await client.get(`${h2.origin}/files/one`)).text()),
      )
    }
    expect((await openSockets()).length).toBeLessThanOrEqual(before)
  })
})
