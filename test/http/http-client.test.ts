import { readFileSync } from 'node:fs'
import * as zlib from 'node:zlib'
import { withContext } from 'asyncwith/context'
import {
  ClientClosedError,
  HttpClient,
  type HttpClientOptions,
  HttpStatusError,
  InvalidUrlError,
  type RequestOptions,
} from 'asyncwith/http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { abortListeners } from '../_helpers/concurrent-probe.js'
import {
  COMPRESSED_REPEAT,
  type EchoBody,
  SAMPLE_JSON,
  SAMPLE_TEXT,
  startTestServer,
  type TestServer,
} from '../_helpers/http-server.js'
import { activeTimers, timersAbove } from '../_helpers/tracked.js'
import { openSockets, rejectionOf, since, turns, useClients } from './_client-fixtures.js'

// HttpClient against the real in-process test server: what it sends, what it hands back, how
// responses are released, and how closing it ends everything. Every test closes its clients.

const { client: newClient, server: newServer } = useClients()
let server: TestServer
let baselineTimers = 0

beforeAll(async () => {
  server = await startTestServer()
  baselineTimers = activeTimers()
})
afterAll(() => server.close())

async function echo(client: HttpClient, method: string, options?: RequestOptions) {
  const response = await client.request(method, server.url('/echo'), options)
  return response.json<EchoBody>()
}

describe('new HttpClient()', () => {
  const invalid: Array<[string, HttpClientOptions, typeof TypeError, RegExp]> = [
    ['connections: 0', { connections: 0 }, RangeError, /`connections`/],
    ['connections: "2"', { connections: '2' as never }, TypeError, /`connections`/],
    ['perHost: 1.5', { perHost: 1.5 }, RangeError, /`perHost`/],
    ['keepAlive: -1', { keepAlive: -1 }, RangeError, /`keepAlive`/],
    ['keepAlive: "on"', { keepAlive: 'on' as never }, TypeError, /`keepAlive`/],
    ['timeout: 0', { timeout: 0 }, RangeError, /`timeout`/],
    ['timeout: "1s"', { timeout: '1s' as never }, TypeError, /`timeout`/],
    ['timeout.connect: "x"', { timeout: { connect: 'x' as never } }, TypeError, /timeout\.connect/],
    ['timeout.headers: -1', { timeout: { headers: -1 } }, RangeError, /timeout\.headers/],
    ['timeout.body: NaN', { timeout: { body: Number.NaN } }, RangeError, /timeout\.body/],
    ['timeout.total: 0', { timeout: { total: 0 } }, RangeError, /timeout\.total/],
    ['retry: -1', { retry: -1 }, RangeError, /`retry`/],
    ['retry.limit: 1.5', { retry: { limit: 1.5 } }, RangeError, /retry\.limit/],
    ['retry.baseDelay: -1', { retry: { baseDelay: -1 } }, RangeError, /retry\.baseDelay/],
    ['retry.maxDelay: "1"', { retry: { maxDelay: '1' as never } }, TypeError, /retry\.maxDelay/],
    ['retry.methods: "GET"', { retry: { methods: 'GET' as never } }, TypeError, /retry\.methods/],
    ['retry.statuses: [700]', { retry: { statuses: [700] } }, RangeError, /retry\.statuses/],
    ['redirect: 3', { redirect: 3 as never }, TypeError, /`redirect`/],
    ['redirect.limit: -1', { redirect: { limit: -1 } }, RangeError, /redirect\.limit/],
    [
      'redirect.allowDowngrade: "yes"',
      { redirect: { allowDowngrade: 'yes' as never } },
      TypeError,
      /redirect\.allowDowngrade/,
    ],
    ['maxBodySize: -1', { maxBodySize: -1 }, RangeError, /`maxBodySize`/],
    ['maxBodySize: "1"', { maxBodySize: '1' as never }, TypeError, /`maxBodySize`/],
    ['decompress: "yes"', { decompress: 'yes' as never }, TypeError, /`decompress`/],
    ['decompress.maxRatio: 0', { decompress: { maxRatio: 0 } }, RangeError, /decompress\.maxRatio/],
    ['rateLimit: 5', { rateLimit: 5 as never }, TypeError, /`rateLimit`/],
    ['rateLimit.rate: 0', { rateLimit: { rate: 0 } }, RangeError, /rateLimit\.rate/],
    ['rateLimit.per: -1', { rateLimit: { rate: 1, per: -1 } }, RangeError, /rateLimit\.per/],
    ['rateLimit.burst: 0', { rateLimit: { rate: 1, burst: 0 } }, RangeError, /rateLimit\.burst/],
    ['headers: "x"', { headers: 'x' as never }, TypeError, /`headers`/],
    ['headers.a: 1', { headers: { a: 1 as never } }, TypeError, /`headers\.a`/],
    ['signal: {}', { signal: {} as never }, TypeError, /`signal`/],
  ]

  it.each(invalid)('throws for %s, naming the option', (_name, options, type, message) => {
    let caught: unknown
    try {
      new HttpClient(options)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(type)
    expect((caught as Error).message).toMatch(message)
  })

  it('throws TypeError when options is not an object', () => {
    expect(() => new HttpClient(null as never)).toThrow(TypeError)
  })

  it('accepts false for every limit it can switch off', async () => {
    const client = newClient({
      keepAlive: false,
      timeout: false,
      retry: false,
      redirect: false,
      maxBodySize: false,
      decompress: false,
      rateLimit: false,
      connections: Number.POSITIVE_INFINITY,
    })
    const response = await client.get(server.url('/redirect/1'))
    expect(response.status).toBe(302)
    await response.release()
  })
})

describe('HttpClient.request()', () => {
  it('sends the method and resolves with status, headers, url and attempts', async () => {
    const client = newClient()
    const response = await client.get(server.url('/json'))
    expect(response).toMatchObject({
      status: 200,
      ok: true,
      url: server.url('/json'),
      redirects: [],
      attempts: 1,
      method: 'GET',
    })
    expect(response.headers['content-type']).toBe('application/json')
    expect(await response.json()).toEqual(SAMPLE_JSON)
  })

  it('sends each method of its helpers', async () => {
    const client = newClient()
    const methods = await Promise.all([
      client.get(server.url('/echo')),
      client.post(server.url('/echo')),
      client.put(server.url('/echo')),
      client.patch(server.url('/echo')),
      client.delete(server.url('/echo')),
      client.request('options', server.url('/echo')),
    ])
    const seen = await Promise.all(methods.map(async (r) => (await r.json<EchoBody>()).method))
    expect(seen).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
    const head = await client.head(server.url('/bytes/100'))
    expect(head.headers['content-length']).toBe('100')
    expect((await head.bytes()).byteLength).toBe(0)
  })

  it('sends user-agent asyncwith/<version of package.json>', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    const { headers } = await echo(newClient(), 'GET')
    expect(headers['user-agent']).toBe(`asyncwith/${pkg.version}`)
  })

  it('asks for the encodings it decodes, and for none when decompress is false', async () => {
    const zstd = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress
    const expected = zstd === 'function' ? 'gzip, deflate, br, zstd' : 'gzip, deflate, br'
    expect((await echo(newClient(), 'GET')).headers['accept-encoding']).toBe(expected)
    const plain = await echo(newClient({ decompress: false }), 'GET')
    expect(plain.headers['accept-encoding']).toBeUndefined()
  })

  it('decodes a compressed body', async () => {
    const response = await newClient().get(server.url('/gzip'))
    expect(await response.text()).toBe(SAMPLE_TEXT.repeat(COMPRESSED_REPEAT))
  })

  it('merges request headers over client headers, case-insensitively', async () => {
    const client = newClient({ headers: { 'X-Team': 'a', 'X-Keep': 'k', 'User-Agent': 'mine' } })
    const { headers } = await echo(client, 'GET', { headers: { 'x-team': 'b' } })
    expect(headers).toMatchObject({ 'x-team': 'b', 'x-keep': 'k', 'user-agent': 'mine' })
  })

  it('sends json as application/json', async () => {
    const sent = await echo(newClient(), 'POST', { json: { a: [1, 'ü'] } })
    expect(sent.headers['content-type']).toBe('application/json')
    expect(JSON.parse(sent.body)).toEqual({ a: [1, 'ü'] })
  })

  it('sends a string or Uint8Array body as is, with a content-length', async () => {
    const client = newClient()
    const text = await echo(client, 'PUT', { body: 'héllo', headers: { 'content-type': 'x/y' } })
    expect(text).toMatchObject({ body: 'héllo', bodyLength: 6 })
    expect(text.headers).toMatchObject({ 'content-type': 'x/y', 'content-length': '6' })
    const bytes = await echo(client, 'POST', { body: new Uint8Array([104, 105]) })
    expect(bytes).toMatchObject({ body: 'hi', bodyLength: 2 })
  })

  it('sends URLSearchParams form-encoded', async () => {
    const body = new URLSearchParams({ q: 'a b', n: '1' })
    const sent = await echo(newClient(), 'POST', { body })
    expect(sent.body).toBe('q=a+b&n=1')
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8')
  })

  it('sends basic auth from URL userinfo, and leaves it out of the URL', async () => {
    const url = new URL(server.url('/echo'))
    url.username = 'ann'
    url.password = 'p@ss:word'
    const response = await newClient().get(url)
    const { headers } = await response.json<EchoBody>()
    const expected = Buffer.from('ann:p@ss:word').toString('base64')
    expect(headers.authorization).toBe(`Basic ${expected}`)
    expect(response.url).toBe(server.url('/echo'))
  })

  it('prefers an explicit authorization header over URL userinfo', async () => {
    const url = server.url('/echo').replace('http://', 'http://ann:secret@')
    const response = await newClient().get(url, { headers: { Authorization: 'Bearer t' } })
    expect((await response.json<EchoBody>()).headers.authorization).toBe('Bearer t')
  })

  it('resolves with a 404 response rather than throwing', async () => {
    const response = await newClient().get(server.url('/status/404'))
    expect(response).toMatchObject({ status: 404, ok: false })
    expect(await response.text()).toBe('status 404')
  })

  it('throws HttpStatusError after releasing the body when throwOnStatus is set', async () => {
    const client = newClient({ connections: 1 })
    const url = server.url('/status/503')
    const error = await rejectionOf(client.get(url, { throwOnStatus: true, retry: 0 }))
    expect(error).toBeInstanceOf(HttpStatusError)
    expect(error).toMatchObject({ status: 503, url, method: 'GET' })
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
    const ok = await client.get(server.url('/json'), { throwOnStatus: true })
    expect(ok.status).toBe(200)
    await ok.release()
  })

  it.each([
    ['a malformed URL', 'http://'],
    ['another scheme', 'ftp://127.0.0.1/file'],
    ['a relative URL', '/json'],
    ['a number', 42],
  ])('rejects %s with InvalidUrlError, sending nothing', async (_name, input) => {
    const before = server.requests.length
    const error = await rejectionOf(newClient().get(input as string))
    expect(error).toBeInstanceOf(InvalidUrlError)
    expect((error as InvalidUrlError).input).toBe(input)
    expect(server.requests.length).toBe(before)
  })

  it('rejects, never throws synchronously, for invalid arguments', async () => {
    const client = newClient()
    const calls = [
      () => client.get('nope'),
      () => client.request('NOT A METHOD', server.url('/json')),
      () => client.get(server.url('/json'), { timeout: 0 }),
      () => client.post(server.url('/json'), { body: 5 as never }),
      () => client.get(server.url('/json'), { signal: 'stop' as never }),
    ]
    const errors = await Promise.all(
      calls.map((call) => {
        const context = call()
        return context.then(
          () => undefined,
          (error: unknown) => error,
        )
      }),
    )
    expect(errors[0]).toBeInstanceOf(InvalidUrlError)
    expect(errors[1]).toMatchObject({
      code: 'ASYNCWITH_INVALID_REQUEST',
      method: 'NOT A METHOD',
      url: server.url('/json'),
    })
    expect(errors[2]).toBeInstanceOf(RangeError)
    expect((errors[3] as Error).message).toMatch(/`options\.body`/)
    expect((errors[4] as Error).message).toMatch(/`options\.signal`/)
  })

  it('sends nothing until the request context is awaited', async () => {
    const client = newClient()
    const before = server.requests.length
    const context = client.get(server.url('/json'))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(server.requests.length).toBe(before)
    const [a, b] = await Promise.all([context, context])
    expect(a).toBe(b)
    expect(server.requests.length).toBe(before + 1)
    await a.release()
  })
})

describe('RequestContext', () => {
  it('releases the response on exit when the body never read it', async () => {
    const own = await newServer()
    const client = newClient({ connections: 1 })
    const status = await withContext(client.get(own.url('/bytes/1000')), (r) => r.status)
    expect(status).toBe(200)
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
    await (await client.get(own.url('/bytes/10'))).bytes()
    expect(own.requests.map((r) => r.connection)).toEqual([1, 1])
  })

  it('releases the response on exit when the body throws, and rethrows', async () => {
    const own = await newServer()
    const client = newClient({ connections: 1 })
    const failure = new Error('body failed')
    const error = await rejectionOf(
      withContext(client.get(own.url('/bytes/1000')), () => {
        throw failure
      }),
    )
    expect(error).toBe(failure)
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
    await (await client.get(own.url('/bytes/10'))).bytes()
    expect(own.requests.map((r) => r.connection)).toEqual([1, 1])
  })

  it('gives the body to read inside the scope', async () => {
    const client = newClient()
    const value = await withContext(client.get(server.url('/json')), (r) => r.json())
    expect(value).toEqual(SAMPLE_JSON)
  })

  it('releases a response held with await using when the scope ends', async () => {
    const client = newClient()
    {
      await using response = await client.get(server.url('/big?bytes=1000000'))
      expect(response.status).toBe(200)
      expect(client.statistics().openResponses).toBe(1)
    }
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })
})

describe('HttpClient.close()', () => {
  it('rejects requests made after it with ClientClosedError', async () => {
    const client = newClient()
    await client.close()
    const url = server.url('/json')
    const error = await rejectionOf(client.get(url))
    expect(error).toBeInstanceOf(ClientClosedError)
    expect(error).toMatchObject({ inFlight: false, url, method: 'GET' })
  })

  it('cuts off a request waiting for headers with ClientClosedError inFlight', async () => {
    const own = await newServer()
    const client = newClient()
    const pending = rejectionOf(client.get(own.url('/no-headers')))
    while (own.requests.length === 0) await turns()
    const start = performance.now()
    await client.close()
    const error = await pending
    expect(error).toBeInstanceOf(ClientClosedError)
    expect(error).toMatchObject({ inFlight: true, url: own.url('/no-headers') })
    expect(since(start)).toBeLessThan(500)
    await turns()
    expect(own.connections).toBe(0)
  })

  it('cuts off a body being read with ClientClosedError inFlight', async () => {
    const client = newClient()
    const response = await client.get(server.url('/stall-body'))
    const reading = rejectionOf(response.text())
    await client.close()
    const error = await reading
    expect(error).toBeInstanceOf(ClientClosedError)
    expect(error).toMatchObject({ inFlight: true })
  })

  it('releases responses nobody read and closes every socket', async () => {
    const [a, b] = [await newServer(), await newServer()]
    const client = newClient()
    const unread = await Promise.all([
      client.get(a.url('/bytes/10')),
      client.get(a.url('/stall-body')),
      client.get(b.url('/big?bytes=1000000')),
    ])
    await (await client.get(b.url('/json'))).json()
    // The 10-byte body arrived whole: it holds nothing. The other two hold their sockets.
    expect(client.statistics()).toMatchObject({ active: 2, openResponses: 2 })
    expect(a.connections + b.connections).toBeGreaterThanOrEqual(3)
    await client.close()
    expect(client.statistics()).toEqual({ active: 0, openResponses: 0, closed: true })
    expect(unread.map((response) => response.bodyUsed)).toEqual([false, true, true])
    expect(await unread[0]!.bytes()).toHaveLength(10)
    await turns()
    expect([a.connections, b.connections]).toEqual([0, 0])
    const sockets = process.getActiveResourcesInfo().filter((n) => n === 'TCPSocketWrap')
    expect(sockets).toEqual([])
  })

  it('is idempotent and returns the same promise', async () => {
    const client = newClient()
    const first = client.close()
    expect(client.close()).toBe(first)
    await first
    await client[Symbol.asyncDispose]()
    expect(client.statistics().closed).toBe(true)
  })

  it('runs when a withContext scope or an await using block ends', async () => {
    const own = await newServer()
    const text = await withContext(new HttpClient(), async (client) => {
      const response = await client.get(own.url('/text'))
      return response.text()
    })
    expect(text).toBe(SAMPLE_TEXT)
    let leaked: HttpClient | undefined
    {
      await using client = new HttpClient()
      leaked = client
      await (await client.get(own.url('/json'))).json()
    }
    expect(leaked.statistics().closed).toBe(true)
    await turns()
    expect(own.connections).toBe(0)
  })

  it('removes its listener from the client signal', async () => {
    const { signal } = new AbortController()
    const client = newClient({ signal })
    expect(abortListeners(signal)).toBe(1)
    await client.close()
    expect(abortListeners(signal)).toBe(0)
  })

  it('runs when the client signal aborts', async () => {
    const controller = new AbortController()
    const client = newClient({ signal: controller.signal })
    const pending = rejectionOf(client.get(server.url('/no-headers')))
    while (client.statistics().active === 0) await turns()
    controller.abort()
    expect(await pending).toBeInstanceOf(ClientClosedError)
    expect(client.statistics().closed).toBe(true)
  })
})

describe('HttpClient.statistics()', () => {
  it('counts calls in flight and responses whose body is still arriving', async () => {
    const client = newClient()
    expect(client.statistics()).toEqual({ active: 0, openResponses: 0, closed: false })
    const waiting = client.get(server.url('/trickle?bytes=5&interval=20'))
    const pending = waiting.then((r) => r)
    await turns()
    expect(client.statistics()).toMatchObject({ active: 1, openResponses: 0 })
    const response = await pending
    expect(client.statistics()).toMatchObject({ active: 1, openResponses: 1 })
    await response.text()
    expect(client.statistics()).toEqual({ active: 0, openResponses: 0, closed: false })
  })
})

describe('HttpClient resources', () => {
  it('leaves no socket, listener or timer behind once its clients and servers closed', async () => {
    await server.close()
    await turns()
    expect(await openSockets()).toEqual([])
    expect(await timersAbove(baselineTimers)).toBe(0)
  })
})
