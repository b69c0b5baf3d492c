import { connect } from 'node:net'
import * as zlib from 'node:zlib'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  COMPRESSED_REPEAT,
  type EchoBody,
  encodings,
  expectedBytes,
  flakyKey,
  SAMPLE_JSON,
  SAMPLE_TEXT,
  startTestServer,
  type TestServer,
} from '../_helpers/http-server.js'

// The fixture the http layer is tested against must itself do what it promises: these tests
// pin every route's bytes on the wire, and that close() leaves no socket or listener behind.

interface Fetched {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

let server: TestServer
let agent: Agent

async function get(path: string, options: { method?: string; body?: string } = {}) {
  const res = await request(server.url(path), {
    dispatcher: agent,
    method: (options.method ?? 'GET') as 'GET',
    body: options.body,
  })
  const body = Buffer.from(await res.body.arrayBuffer())
  return { status: res.statusCode, headers: res.headers, body } satisfies Fetched
}

/** Sends one raw GET over a fresh socket and returns every byte until the server ends. */
function raw(path: string, target: TestServer = server): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(target.port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
  })
}

function decode(coding: string, body: Buffer): Buffer {
  switch (coding) {
    case 'gzip':
      return zlib.gunzipSync(body)
    case 'deflate':
      return zlib.inflateSync(body)
    case 'br':
      return zlib.brotliDecompressSync(body)
    default:
      return (zlib as unknown as Record<string, (b: Buffer) => Buffer>).zstdDecompressSync!(body)
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('startTestServer()', () => {
  beforeAll(async () => {
    server = await startTestServer()
    agent = new Agent({ connections: 4 })
  })
  afterAll(async () => {
    await agent.destroy()
    await server.close()
  })

  it('listens on 127.0.0.1 on a free port and resolves paths against its origin', () => {
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`)
    expect(server.port).toBeGreaterThan(0)
    expect(server.url('/echo?x=1')).toBe(`${server.origin}/echo?x=1`)
  })

  it('sends n bytes with Content-Length from /bytes/:n, or chunked when asked', async () => {
    const fixed = await get('/bytes/300')
    expect(fixed.headers['content-length']).toBe('300')
    expect(fixed.body).toEqual(expectedBytes(300))
    const chunked = await get('/bytes/10?chunked=1')
    expect(chunked.headers['content-length']).toBeUndefined()
    expect(chunked.headers['transfer-encoding']).toBe('chunked')
    expect(chunked.body).toEqual(expectedBytes(10))
  })

  it('encodes /text in the charset it names', async () => {
    const utf8 = await get('/text')
    expect(utf8.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(utf8.body.toString('utf8')).toBe(SAMPLE_TEXT)
    const latin1 = await get('/text?charset=iso-8859-1')
    expect(latin1.headers['content-type']).toBe('text/plain; charset=iso-8859-1')
    expect(latin1.body).toEqual(Buffer.from(SAMPLE_TEXT, 'latin1'))
    expect(latin1.body.length).toBeLessThan(utf8.body.length)
    expect(new TextDecoder('latin1').decode(latin1.body)).toBe(SAMPLE_TEXT)
    const utf16 = await get('/text?charset=utf-16le')
    expect(new TextDecoder('utf-16le').decode(utf16.body)).toBe(SAMPLE_TEXT)
    expect((await get('/text?charset=none')).headers['content-type']).toBe('text/plain')
  })

  it('serves /json, and malformed JSON when asked', async () => {
    const ok = await get('/json')
    expect(ok.headers['content-type']).toBe('application/json')
    expect(JSON.parse(ok.body.toString())).toEqual(SAMPLE_JSON)
    const bad = await get('/json?invalid=1')
    expect(() => JSON.parse(bad.body.toString())).toThrow(SyntaxError)
  })

  it('sends n lines from /lines, with CRLF or without the last newline when asked', async () => {
    expect((await get('/lines?n=3')).body.toString()).toBe('line 1\nline 2\nline 3\n')
    expect((await get('/lines?n=2&crlf=1')).body.toString()).toBe('line 1\r\nline 2\r\n')
    expect((await get('/lines?n=2&trailing=0')).body.toString()).toBe('line 1\nline 2')
    expect((await get('/lines?n=0')).body.toString()).toBe('')
  })

  it('answers /status/:code with that status and a verbatim Retry-After', async () => {
    const seconds = await get('/status/503?retry-after=2')
    expect(seconds.status).toBe(503)
    expect(seconds.headers['retry-after']).toBe('2')
    const date = new Date(Date.now() + 3_000).toUTCString()
    const dated = await get(`/status/429?retry-after=${encodeURIComponent(date)}`)
    expect(dated.status).toBe(429)
    expect(dated.headers['retry-after']).toBe(date)
    const empty = await get('/status/204')
    expect(empty.status).toBe(204)
    expect(empty.body.length).toBe(0)
  })

  it('redirects /redirect/:n through n hops to a 200', async () => {
    const hops: string[] = []
    let path = '/redirect/3?status=301'
    for (;;) {
      const res = await get(path)
      if (res.status !== 301) {
        expect(res.status).toBe(200)
        expect(res.body.toString()).toBe('done')
        break
      }
      path = res.headers.location as string
      hops.push(path)
    }
    expect(hops).toEqual([
      '/redirect/2?status=301',
      '/redirect/1?status=301',
      '/redirect/0?status=301',
    ])
    const absolute = await get('/redirect/1?absolute=1')
    expect(absolute.headers.location).toBe(server.url('/redirect/0?absolute=1'))
  })

  it('redirects /redirect-to to the url and status given, and /redirect-loop to itself', async () => {
    const to = await get('/redirect-to?url=https%3A%2F%2Fexample.com%2Fx&status=308')
    expect(to.status).toBe(308)
    expect(to.headers.location).toBe('https://example.com/x')
    expect((await get('/redirect-to?url=/echo')).status).toBe(302)
    expect((await get('/redirect-loop')).headers.location).toBe('/redirect-loop')
  })

  it('echoes method, path, headers and body from /echo', async () => {
    const res = await get('/echo?q=1', { method: 'POST', body: 'héllo' })
    const echo = JSON.parse(res.body.toString()) as EchoBody
    expect(echo).toMatchObject({ method: 'POST', path: '/echo?q=1', body: 'héllo', bodyLength: 6 })
    expect(echo.headers.host).toBe(`127.0.0.1:${server.port}`)
  })

  it('sets two cookies from /set-cookie', async () => {
    const res = await get('/set-cookie')
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly'])
  })

  it('fails /flaky/:failures the given number of times per key, then recovers', async () => {
    const key = flakyKey()
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await get(`/flaky/2?key=${key}`)).status)
    expect(statuses).toEqual([500, 500, 200, 200])
    const other = await get(`/flaky/1?key=${flakyKey()}&status=503&retry-after=1`)
    expect(other.status).toBe(503)
    expect(other.headers['retry-after']).toBe('1')
  })

  it('delays the headers of /slow by the given ms', async () => {
    const started = performance.now()
    const res = await get('/slow?ms=150')
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    expect(res.body.toString()).toBe('slow')
  })

  it('trickles /trickle one byte per interval', async () => {
    const started = performance.now()
    const res = await get('/trickle?bytes=4&interval=40')
    expect(performance.now() - started).toBeGreaterThanOrEqual(150)
    expect(res.body.toString()).toBe('....')
  })

  it('streams /big with the declared length', async () => {
    const res = await get(`/big?bytes=${3 * 1024 * 1024 + 7}`)
    expect(res.headers['content-length']).toBe(String(3 * 1024 * 1024 + 7))
    expect(res.body.length).toBe(3 * 1024 * 1024 + 7)
    expect(res.body.subarray(0, 300)).toEqual(expectedBytes(300))
  })

  it.each(encodings)('compresses /%s with a matching Content-Encoding', async (coding) => {
    const res = await get(`/${coding}`)
    expect(res.headers['content-encoding']).toBe(coding)
    expect(res.body.length).toBeLessThan(SAMPLE_TEXT.length * COMPRESSED_REPEAT)
    expect(decode(coding, res.body).toString()).toBe(SAMPLE_TEXT.repeat(COMPRESSED_REPEAT))
  })

  it.skipIf(encodings.includes('zstd'))(
    'answers /zstd with 501 where zlib has no zstd',
    async () => {
      expect((await get('/zstd')).status).toBe(501)
    },
  )

  it('applies every coding of /encoded in order', async () => {
    const res = await get('/encoded?chain=gzip,br')
    expect(res.headers['content-encoding']).toBe('gzip, br')
    const text = zlib.gunzipSync(zlib.brotliDecompressSync(res.body)).toString()
    expect(text).toBe(SAMPLE_TEXT.repeat(COMPRESSED_REPEAT))
  })

  it('labels a body that is not compressed as gzip on /corrupt', async () => {
    const res = await get('/corrupt')
    expect(res.headers['content-encoding']).toBe('gzip')
    expect(() => zlib.gunzipSync(res.body)).toThrow(/incorrect header check/)
  })

  it('serves a compressed bomb that expands to size zero bytes', async () => {
    const res = await get('/bomb?encoding=deflate&size=5000000')
    expect(res.headers['content-encoding']).toBe('deflate')
    expect(res.body.length).toBeLessThan(10_000)
    expect(zlib.inflateSync(res.body).length).toBe(5_000_000)
    const big = await get('/bomb')
    expect(big.body.length).toBeLessThan(1024 * 1024)
    let expanded = 0
    const gunzip = zlib.createGunzip()
    gunzip.on('data', (chunk: Buffer) => {
      expanded += chunk.length
    })
    gunzip.end(big.body)
    await new Promise((resolve) => gunzip.on('end', resolve))
    expect(expanded).toBe(100 * 1024 * 1024)
  })

  it('answers 404 for unknown paths', async () => {
    expect((await get('/nope')).status).toBe(404)
    expect((await get('/bytes/1/2')).status).toBe(404)
  })

  describe('fault routes', () => {
    it('resets the connection in the middle of /reset-mid-body', async () => {
      const res = await request(server.url('/reset-mid-body'), { dispatcher: agent })
      expect(res.headers['content-length']).toBe('1000')
      // A client that reads too slowly to see the RST gets the queued bytes and a plain close.
      const error = await res.body.text().catch((e: unknown) => e)
      expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain((error as { code?: unknown }).code)
    })

    it('ends the connection cleanly in the middle of /close-mid-body', async () => {
      const wire = await raw('/close-mid-body')
      expect(wire).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
      expect(wire).toContain('content-length: 1000')
      expect(wire.split('\r\n\r\n')[1]).toBe('x'.repeat(100))
    })

    it('never answers /no-headers', async () => {
      const before = server.requests.length
      const pending = request(server.url('/no-headers'), {
        dispatcher: agent,
        signal: AbortSignal.timeout(300),
      })
      await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' })
      expect(server.requests.slice(before).map((r) => r.path)).toEqual(['/no-headers'])
    })

    it('sends the headers and a first chunk of /stall-body, then nothing', async () => {
      const controller = new AbortController()
      const res = await request(server.url('/stall-body'), {
        dispatcher: agent,
        signal: controller.signal,
      })
      expect(res.headers['content-length']).toBe('1000')
      let received = 0
      res.body.on('data', (chunk: Buffer) => {
        received += chunk.length
      })
      await sleep(300)
      expect(received).toBe(100)
      controller.abort()
      await expect(res.body.text()).rejects.toBeDefined()
    })

    it('ends /truncated-chunked without the terminating chunk', async () => {
      const wire = await raw('/truncated-chunked')
      expect(wire).toContain('transfer-encoding: chunked')
      expect(wire.split('\r\n\r\n')[1]).toBe('5\r\nhello\r\n6\r\n world\r\n')
    })

    it('claims Connection: close on the truncating routes when asked', async () => {
      expect(await raw('/truncated-chunked')).toContain('Connection: keep-alive')
      expect(await raw('/truncated-chunked?close=1')).toContain('Connection: close')
      const wire = await raw('/wrong-length?close=1')
      expect(wire).toContain('Connection: close')
      expect(wire.split('\r\n\r\n')[1]).toBe('0123456789')
    })

    it('ends /wrong-length after fewer bytes than its Content-Length', async () => {
      const wire = await raw('/wrong-length')
      expect(wire).toContain('content-length: 100')
      expect(wire.split('\r\n\r\n')[1]).toBe('0123456789')
    })
  })

  describe('bookkeeping', () => {
    it('logs every request with the number of the connection that carried it', async () => {
      await using own = await startTestServer()
      const pool = new Agent({ connections: 1 })
      try {
        for (const path of ['/bytes/1', '/echo?a=1', '/bytes/2']) {
          const res = await request(own.url(path), { dispatcher: pool })
          await res.body.text()
        }
      } finally {
        await pool.close()
      }
      expect(own.requests.map((r) => [r.method, r.path, r.connection])).toEqual([
        ['GET', '/bytes/1', 1],
        ['GET', '/echo?a=1', 1],
        ['GET', '/bytes/2', 1],
      ])
      expect(own.requests[0]!.headers.host).toBe(`127.0.0.1:${own.port}`)
      expect(own.totalConnections).toBe(1)
    })

    it('counts open and total connections', async () => {
      await using own = await startTestServer()
      const sockets = [connect(own.port, '127.0.0.1'), connect(own.port, '127.0.0.1')]
      await expect.poll(() => own.connections).toBe(2)
      for (const socket of sockets) socket.destroy()
      await expect.poll(() => own.connections).toBe(0)
      expect(own.totalConnections).toBe(2)
    })

    it('runs routes added with route(), before the built-in ones, with their params', async () => {
      await using own = await startTestServer()
      own.route('/bytes/:n', (_req, res, { params, url }) => {
        res.end(`custom ${params.n} ${url.searchParams.get('q')}`)
      })
      own.route('/fails', () => {
        throw new Error('handler failed')
      })
      const custom = await request(own.url('/bytes/7?q=x'))
      expect(await custom.body.text()).toBe('custom 7 x')
      const failed = await request(own.url('/fails'))
      expect(failed.statusCode).toBe(500)
      expect(await failed.body.text()).toContain('handler failed')
    })
  })
})

describe('TestServer.close()', () => {
  const tcpHandles = () =>
    process
      .getActiveResourcesInfo()
      .filter((name) => name === 'TCPSocketWrap' || name === 'TCPServerWrap').length

  it('destroys stalled responses and leaves no TCP handle behind', async () => {
    const baseline = tcpHandles()
    const own = await startTestServer()
    const client = new Agent()
    const settled = [
      '/no-headers',
      '/stall-body',
      '/trickle?bytes=100&interval=50',
      '/slow?ms=60000',
    ]
      .map((path) => request(own.url(path), { dispatcher: client }))
      .map((pending) => pending.then((res) => res.body.text()).catch((error: unknown) => error))
    await expect.poll(() => own.requests.length).toBe(4)
    expect(own.connections).toBe(4)
    expect(tcpHandles()).toBeGreaterThan(baseline)

    await own.close()
    expect(own.connections).toBe(0)
    // Every stalled exchange fails at the client once its socket is gone.
    const outcomes = await Promise.all(settled)
    expect(outcomes.every((outcome) => outcome instanceof Error)).toBe(true)
    await client.destroy()
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
    expect(tcpHandles()).toBe(baseline)
  })

  it('can be called again, and is what await using calls', async () => {
    const own = await startTestServer()
    await own.close()
    await own.close()
    let port = 0
    {
      await using scoped = await startTestServer()
      port = scoped.port
    }
    const refused = request(`http://127.0.0.1:${port}/bytes/1`)
    await expect(refused).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })
})
