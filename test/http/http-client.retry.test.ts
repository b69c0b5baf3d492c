import {
  type HttpResponse,
  InvalidUrlError,
  RedirectLimitError,
  type RequestOptions,
} from 'asyncwith/http'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type EchoBody,
  flakyKey,
  startTestServer,
  type TestServer,
} from '../_helpers/http-server.js'
import { activeTimers, timersAbove } from '../_helpers/tracked.js'
import { openSockets, rejectionOf, since, useClients } from './_client-fixtures.js'

// Retries and redirects against the real server: which requests are tried again and when,
// how many attempts the response reports, and what each hop of a redirect sends.

const { client: newClient, server: newServer } = useClients()
let server: TestServer

let baselineTimers = 0

beforeAll(async () => {
  server = await startTestServer()
  baselineTimers = activeTimers()
})
afterAll(() => server.close())
afterEach(() => {
  vi.restoreAllMocks()
})

const fast = { retry: { limit: 2, baseDelay: 1 } } as const

/** `/flaky/:failures` with a fresh failure counter. */
const flaky = (failures: number, query = '') =>
  server.url(`/flaky/${failures}?key=${flakyKey()}${query}`)

const requestsTo = (url: string) => {
  const path = url.slice(server.origin.length)
  return server.requests.filter((r) => r.path === path)
}

const echoOf = async (response: PromiseLike<HttpResponse>) => (await response).json<EchoBody>()

describe('HttpClient retry', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries a GET answered %i', async (status) => {
    const url = flaky(1, `&status=${status}`)
    const response = await newClient(fast).get(url)
    expect(response).toMatchObject({ status: 200, attempts: 2 })
    expect(await response.text()).toBe('ok')
    expect(requestsTo(url).length).toBe(2)
  })

  it.each([400, 404, 501])('does not retry a GET answered %i', async (status) => {
    const url = flaky(1, `&status=${status}`)
    const response = await newClient(fast).get(url)
    expect(response).toMatchObject({ status, attempts: 1 })
    await response.release()
  })

  it('reports the last response once the retries are used up', async () => {
    const url = flaky(5)
    const response = await newClient(fast).get(url)
    expect(response).toMatchObject({ status: 500, attempts: 3 })
    expect(await response.text()).toBe('failure 3')
    expect(requestsTo(url).length).toBe(3)
  })

  it('retries the idempotent methods only by default', async () => {
    const client = newClient(fast)
    const tries: Record<string, number> = {}
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'POST', 'PATCH']) {
      const response = await client.request(method, flaky(1))
      tries[method] = response.attempts
      await response.release()
    }
    expect(tries).toEqual({ GET: 2, HEAD: 2, PUT: 2, DELETE: 2, OPTIONS: 2, POST: 1, PATCH: 1 })
  })

  it('retries other methods and statuses when told to, sending the body again', async () => {
    const own = await newServer()
    let tries = 0
    own.route('/teapot-once', async (req, res) => {
      let body = ''
      for await (const chunk of req) body += chunk
      res.statusCode = tries++ === 0 ? 418 : 200
      res.end(body)
    })
    const client = newClient({ retry: { ...fast.retry, methods: ['post'], statuses: [418] } })
    const response = await client.post(own.url('/teapot-once'), { body: 'again' })
    expect(response).toMatchObject({ status: 200, attempts: 2 })
    expect(await response.text()).toBe('again')
  })

  it('sends a request once when retry is 0 or false', async () => {
    for (const retry of [0, false] as const) {
      const response = await newClient({ retry }).get(flaky(1))
      expect(response).toMatchObject({ status: 500, attempts: 1 })
      await response.release()
    }
  })

  it('retries when the connection drops before the response', async () => {
    const own = await newServer()
    let dropped = 0
    own.route('/drop-once', (req, res) => {
      if (dropped++ === 0) req.socket.destroy()
      else res.end('second try')
    })
    const response = await newClient(fast).get(own.url('/drop-once'))
    expect(response.attempts).toBe(2)
    expect(await response.text()).toBe('second try')
  })

  it('fails with ConnectionError once retries against a refused port run out', async () => {
    const url = 'http://127.0.0.1:1/json'
    const start = performance.now()
    const error = await rejectionOf(newClient(fast).get(url))
    expect(error).toMatchObject({
      code: 'ASYNCWITH_CONNECTION',
      kind: 'refused',
      phase: 'connect',
      url,
    })
    expect(since(start)).toBeLessThan(1000)
  })

  it('does not retry a POST whose connection dropped', async () => {
    const own = await newServer()
    own.route('/drop', (req) => {
      req.socket.destroy()
    })
    const error = await rejectionOf(newClient(fast).post(own.url('/drop'), { body: 'x' }))
    expect(error).toMatchObject({ code: 'ASYNCWITH_CONNECTION' })
    expect(own.requests.length).toBe(1)
  })

  it('waits the seconds of Retry-After, even when backoff would be shorter', async () => {
    const url = flaky(1, '&status=503&retry-after=1')
    const start = performance.now()
    const response = await newClient(fast).get(url)
    expect(response).toMatchObject({ status: 200, attempts: 2 })
    expect(since(start)).toBeGreaterThanOrEqual(950)
    await response.release()
  })

  it('waits until the HTTP date of Retry-After', async () => {
    const own = await newServer()
    let at = 0
    own.route('/until', (_req, res) => {
      if (at === 0) {
        // HTTP dates have whole seconds: the next whole second at least 100 ms away.
        at = Math.ceil((Date.now() + 100) / 1000) * 1000
        res.setHeader('retry-after', new Date(at).toUTCString())
        res.statusCode = 503
        res.end('later')
      } else {
        res.end(String(Date.now()))
      }
    })
    const response = await newClient(fast).get(own.url('/until'))
    expect(response.attempts).toBe(2)
    expect(Number(await response.text())).toBeGreaterThanOrEqual(at)
  })

  it('reports at once a response whose Retry-After is longer than maxDelay', async () => {
    const url = flaky(1, '&status=429&retry-after=60')
    const start = performance.now()
    const response = await newClient({ retry: { limit: 2, maxDelay: 1000 } }).get(url)
    expect(response).toMatchObject({ status: 429, attempts: 1 })
    expect(response.headers['retry-after']).toBe('60')
    expect(since(start)).toBeLessThan(500)
    await response.release()
  })

  it('backs off exponentially with full jitter, capped at maxDelay', async () => {
    const own = await newServer()
    const arrivals: number[] = []
    own.route('/always-503', (_req, res) => {
      arrivals.push(performance.now())
      res.statusCode = 503
      res.end('busy')
    })
    const retry = { limit: 3, baseDelay: 30, maxDelay: 75 }
    // With the random draw at its top, each wait is the whole step: 30, 60, then 75 (capped).
    vi.spyOn(Math, 'random').mockReturnValue(0.9999)
    const response = await newClient({ retry }).get(own.url('/always-503'))
    expect(response.attempts).toBe(4)
    await response.release()
    const waits = arrivals.slice(1).map((at, i) => at - arrivals[i]!)
    expect(waits[0]).toBeGreaterThanOrEqual(28)
    expect(waits[1]).toBeGreaterThanOrEqual(58)
    expect(waits[2]).toBeGreaterThanOrEqual(73)
    expect(waits[2]).toBeLessThan(119)
    // At the bottom, no wait at all: the jitter is full, from zero to the step.
    arrivals.length = 0
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const start = performance.now()
    await (await newClient({ retry }).get(own.url('/always-503'))).release()
    expect(arrivals.length).toBe(4)
    expect(since(start)).toBeLessThan(100)
  })
})

describe('HttpClient redirect', () => {
  it('follows redirects and reports the final URL and each hop, as no extra attempt', async () => {
    const response = await newClient().get(server.url('/redirect/3'))
    expect(response).toMatchObject({ status: 200, url: server.url('/redirect/0'), attempts: 1 })
    expect(response.redirects).toEqual([
      server.url('/redirect/2'),
      server.url('/redirect/1'),
      server.url('/redirect/0'),
    ])
    expect(await response.text()).toBe('done')
  })

  it('follows absolute Locations and every redirect status', async () => {
    const client = newClient()
    for (const status of [301, 302, 303, 307, 308]) {
      const response = await client.get(server.url(`/redirect/2?status=${status}&absolute=1`))
      expect(response.status).toBe(200)
      await response.release()
    }
  })

  it('throws RedirectLimitError past redirect.limit, naming every hop', async () => {
    const url = server.url('/redirect/3')
    const error = await rejectionOf(newClient({ redirect: { limit: 2 } }).get(url))
    expect(error).toBeInstanceOf(RedirectLimitError)
    expect(error).toMatchObject({ limit: 2, url, method: 'GET' })
    expect((error as RedirectLimitError).redirects).toHaveLength(3)
  })

  it('ends a redirect loop at the limit', async () => {
    const client = newClient({ redirect: { limit: 4 } })
    const error = await rejectionOf(client.get(server.url('/redirect-loop')))
    expect(error).toBeInstanceOf(RedirectLimitError)
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })

  it('returns the 3xx as it is when redirect is false', async () => {
    const response = await newClient().get(server.url('/redirect/1'), { redirect: false })
    expect(response.status).toBe(302)
    expect(response.headers.location).toBe('/redirect/0')
    await response.release()
  })

  const send = (status: number, method: string, options: RequestOptions) =>
    newClient().request(method, server.url(`/redirect-to?status=${status}&url=/echo`), options)

  it('turns a 303 into a GET without the body', async () => {
    const echo = await echoOf(send(303, 'PUT', { json: { a: 1 } }))
    expect(echo).toMatchObject({ method: 'GET', body: '' })
    expect(echo.headers['content-type']).toBeUndefined()
  })

  it('turns a POST into a GET on 301 and 302', async () => {
    for (const status of [301, 302]) {
      expect(await echoOf(send(status, 'POST', { body: 'x' }))).toMatchObject({ method: 'GET' })
    }
  })

  it('keeps the method and the body on 307 and 308', async () => {
    for (const status of [307, 308]) {
      const echo = await echoOf(send(status, 'POST', { json: { a: 1 } }))
      expect(echo).toMatchObject({ method: 'POST', body: '{"a":1}' })
      expect(echo.headers['content-type']).toBe('application/json')
    }
  })

  it('drops Authorization, Cookie and Proxy-Authorization when it leaves the origin', async () => {
    const other = await newServer()
    const headers = {
      authorization: 'Bearer secret',
      cookie: 'session=1',
      'proxy-authorization': 'Basic eA==',
      'x-trace': 't1',
    }
    const client = newClient()
    const url = server.url(`/redirect-to?url=${encodeURIComponent(other.url('/echo'))}`)
    const response = await client.get(url, { headers })
    expect(response.url).toBe(other.url('/echo'))
    await response.release()
    const received = other.requests[0]!.headers
    expect(received['x-trace']).toBe('t1')
    expect(received.authorization).toBeUndefined()
    expect(received.cookie).toBeUndefined()
    expect(received['proxy-authorization']).toBeUndefined()
  })

  it('drops the basic auth of URL userinfo when it leaves the origin', async () => {
    const other = await newServer()
    const target = encodeURIComponent(other.url('/echo'))
    const url = server.url(`/redirect-to?url=${target}`).replace('http://', 'http://ann:pw@')
    await (await newClient().get(url)).release()
    expect(requestsTo(server.url(`/redirect-to?url=${target}`))[0]!.headers.authorization).toMatch(
      /^Basic /,
    )
    expect(other.requests[0]!.headers.authorization).toBeUndefined()
  })

  it('keeps credentials on a redirect within the origin', async () => {
    const headers = { authorization: 'Bearer secret', cookie: 'session=1' }
    const echo = await echoOf(newClient().get(server.url('/redirect-to?url=/echo'), { headers }))
    expect(echo.headers).toMatchObject(headers)
  })

  it('refuses a redirect to another scheme with InvalidUrlError', async () => {
    const url = server.url('/redirect-to?url=ftp://127.0.0.1/file')
    const error = await rejectionOf(newClient().get(url))
    expect(error).toBeInstanceOf(InvalidUrlError)
    expect(error).toMatchObject({ input: 'ftp://127.0.0.1/file', redirectedFrom: url })
  })

  it('counts retries of the final hop in attempts', async () => {
    const target = flaky(1)
    const url = server.url(`/redirect-to?url=${encodeURIComponent(target)}`)
    const response = await newClient(fast).get(url)
    expect(response).toMatchObject({ status: 200, attempts: 2, url: target })
    await response.release()
  })
})

describe('HttpClient retry resources', () => {
  it('leaves no socket, listener or timer behind once its clients and servers closed', async () => {
    await server.close()
    expect(await openSockets()).toEqual([])
    expect(await timersAbove(baselineTimers)).toBe(0)
  })
})
