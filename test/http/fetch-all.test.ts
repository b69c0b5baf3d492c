import { randomUUID } from 'node:crypto'
import { getEventListeners } from 'node:events'
import type { Socket } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import {
  type FetchFailure,
  type FetchOutcome,
  type FetchRead,
  type FetchSuccess,
  HttpClient,
  type HttpClientOptions,
  HttpResponse,
} from 'asyncwith/http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type EchoBody,
  expectedBytes,
  flakyKey,
  SAMPLE_JSON,
  SAMPLE_TEXT,
  startTestServer,
  type TestServer,
} from '../_helpers/http-server.js'
import { activeTimers, timersAbove, tracked, unhandledDuring } from '../_helpers/tracked.js'

// `client.fetchAll(inputs, options)` as a specification: one outcome per input whatever the
// input is, order and concurrency as asked, bodies read to the end in every `read` mode, and
// an early exit (break, signal, a closed client) that leaves no request or socket behind.

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

/** A client that fails fast: no retries unless a test asks, short timeouts. */
function newClient(options: HttpClientOptions = {}): HttpClient {
  return new HttpClient({ retry: 0, timeout: { headers: 2000, body: 2000 }, ...options })
}

async function collect<T>(outcomes: AsyncIterable<FetchOutcome<T>>): Promise<FetchOutcome<T>[]> {
  const all: FetchOutcome<T>[] = []
  for await (const outcome of outcomes) all.push(outcome)
  return all
}

async function only<T>(outcomes: AsyncIterable<FetchOutcome<T>>): Promise<FetchOutcome<T>> {
  const all = await collect(outcomes)
  expect(all).toHaveLength(1)
  return all[0]!
}

function success<T>(outcome: FetchOutcome<T>): FetchSuccess<T> {
  if (!outcome.ok) throw new Error(`Expected an ok outcome, got ${outcome.error.stack}`)
  return outcome
}

function failure(outcome: FetchOutcome<unknown>): FetchFailure {
  if (outcome.ok) throw new Error(`Expected a failed outcome, got status ${outcome.status}`)
  return outcome
}

/**
 * A route that accepts requests and never finishes them: it sends no headers, or with
 * `stall: 'body'` the headers and the first bytes of a body. It tracks the sockets that carry
 * them, so a test can see the client give them up.
 */
function hangingRoute(
  target: TestServer,
  stall: 'headers' | 'body' = 'headers',
): {
  url: (i: number) => string
  readonly seen: number
  readonly open: number
} {
  const name = `hang-${randomUUID()}`
  const sockets = new Set<Socket>()
  let seen = 0
  target.route(`/${name}/:i`, (req, res) => {
    seen++
    sockets.add(req.socket)
    req.socket.once('close', () => sockets.delete(req.socket))
    if (stall === 'body') {
      res.writeHead(200, { 'content-length': 1000 })
      res.write('x'.repeat(100))
    }
  })
  return {
    url: (i) => target.url(`/${name}/${i}`),
    get seen() {
      return seen
    },
    get open() {
      return sockets.size
    },
  }
}

/** A route that answers after `ms` and records the most requests it had in flight at once. */
function countingRoute(target: TestServer, ms: number): { url: string; readonly max: number } {
  const name = `count-${randomUUID()}`
  let current = 0
  let max = 0
  target.route(`/${name}`, async (_req, res) => {
    current++
    max = Math.max(max, current)
    await delay(ms)
    current--
    res.end('counted')
  })
  return {
    url: target.url(`/${name}`),
    get max() {
      return max
    },
  }
}

const MALFORMED: readonly unknown[] = [
  'not a url',
  '',
  '  ',
  'mailto:x',
  'ftp://127.0.0.1/file',
  '/relative/path',
  42,
  null,
  undefined,
  { href: 'http://127.0.0.1/' },
  ['http://127.0.0.1/'],
  new URL('file:///etc/hosts'),
]

describe('HttpClient.fetchAll()', () => {
  it('yields exactly one outcome per input for any mix of good, 404, invalid and faulty inputs', async () => {
    await using client = newClient()
    type Kind = 'good' | 'missing' | 'invalid' | 'reset' | 'truncated'
    const inputFor = (kind: Kind, n: number): unknown => {
      switch (kind) {
        case 'good':
          return server.url(`/bytes/${n}`)
        case 'missing':
          return server.url('/status/404')
        case 'invalid':
          return MALFORMED[n % MALFORMED.length]
        case 'reset':
          return server.url('/reset-mid-body')
        case 'truncated':
          return server.url('/wrong-length?close=1')
      }
    }
    const kinds = fc.constantFrom<Kind>('good', 'missing', 'invalid', 'reset', 'truncated')
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(kinds, fc.nat(200)), { maxLength: 24 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        async (cases, concurrency, ordered) => {
          const inputs = cases.map(([kind, n]) => inputFor(kind, n))
          const outcomes = await collect(client.fetchAll(inputs, { concurrency, ordered }))
          const indexes = outcomes.map((outcome) => outcome.index)
          expect([...indexes].sort((a, b) => a - b)).toEqual(inputs.map((_, i) => i))
          if (ordered) expect(indexes).toEqual(inputs.map((_, i) => i))
          for (const outcome of outcomes) {
            expect(outcome.input).toBe(inputs[outcome.index])
            const [kind, n] = cases[outcome.index]!
            if (kind === 'good') expect(success(outcome).value).toHaveLength(n)
            else if (kind === 'missing') expect(success(outcome).status).toBe(404)
            else if (kind === 'invalid') {
              expect(failure(outcome).error.code).toBe('ASYNCWITH_INVALID_URL')
            } else expect(failure(outcome).error.code).toBe('ASYNCWITH_CONNECTION')
          }
        },
      ),
      { numRuns: 12 },
    )
    expect(client.statistics().active).toBe(0)
  })

  it('yields nothing for an empty input', async () => {
    await using client = newClient()
    expect(await collect(client.fetchAll([]))).toEqual([])
  })

  it('yields outcomes in input order when ordered is true, even behind a slow first URL', async () => {
    await using client = newClient()
    const inputs = [
      server.url('/slow?ms=150'),
      ...Array.from({ length: 5 }, () => server.url('/text')),
    ]
    const outcomes = await collect(client.fetchAll(inputs, { concurrency: 6, ordered: true }))
    expect(outcomes.map((outcome) => outcome.index)).toEqual([0, 1, 2, 3, 4, 5])
    expect(success(outcomes[0]!).value).toBe('slow')
  })

  it('yields outcomes in completion order when ordered is false, so a slow first URL comes last', async () => {
    await using client = newClient()
    const inputs = [
      server.url('/slow?ms=150'),
      ...Array.from({ length: 5 }, () => server.url('/text')),
    ]
    const outcomes = await collect(client.fetchAll(inputs, { concurrency: 6, ordered: false }))
    expect(outcomes.map((outcome) => outcome.index).at(-1)).toBe(0)
    expect(new Set(outcomes.map((outcome) => outcome.index))).toEqual(new Set([0, 1, 2, 3, 4, 5]))
  })

  it('is unordered by default', async () => {
    await using client = newClient()
    const inputs = [server.url('/slow?ms=100'), server.url('/text')]
    const outcomes = await collect(client.fetchAll(inputs, { concurrency: 2 }))
    expect(outcomes.map((outcome) => outcome.index)).toEqual([1, 0])
  })

  it('holds the concurrency cap: never more than `concurrency` requests in flight', async () => {
    await using client = newClient()
    const route = countingRoute(server, 15)
    const inputs = Array.from({ length: 40 }, () => route.url)
    const outcomes = await collect(client.fetchAll(inputs, { concurrency: 4 }))
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(40)
    expect(route.max).toBe(4)
  })

  it('reports each malformed input as an ok: false InvalidUrlError that keeps the input as given', async () => {
    await using client = newClient()
    const before = server.requests.length
    const inputs = [...MALFORMED, server.url('/text')]
    const outcomes = await collect(client.fetchAll(inputs, { ordered: true }))
    expect(outcomes).toHaveLength(inputs.length)
    for (const [i, input] of MALFORMED.entries()) {
      const outcome = failure(outcomes[i]!)
      expect(outcome.input).toBe(input)
      expect(outcome.index).toBe(i)
      expect(outcome.error.name).toBe('InvalidUrlError')
      expect(outcome.error.code).toBe('ASYNCWITH_INVALID_URL')
      expect(outcome.attempts).toBe(0)
      expect(outcome.url).toBeUndefined()
      expect(outcome.timings.ttfb).toBeUndefined()
      if (typeof input === 'string' && input.trim() !== '') {
        expect(outcome.error.message).toContain(input)
      }
    }
    expect(success(outcomes.at(-1)!).value).toBe(SAMPLE_TEXT)
    expect(server.requests.length - before).toBe(1)
  })

  it('accepts URL objects and reports the final href', async () => {
    await using client = newClient()
    const input = new URL(server.url('/text#fragment'))
    const outcome = success(await only(client.fetchAll([input])))
    expect(outcome.input).toBe(input)
    // The fragment is reported (RFC 9110 §10.2.2 carries it across redirects), never sent.
    expect(outcome.url).toBe(server.url('/text#fragment'))
    expect(server.requests.at(-1)!.path).toBe('/text')
  })

  it('reports the final URL, every redirect, status, headers, size and timings of an ok outcome', async () => {
    await using client = newClient()
    const outcome = success(await only(client.fetchAll([server.url('/redirect/3')])))
    expect(outcome).toMatchObject({
      ok: true,
      index: 0,
      url: server.url('/redirect/0'),
      status: 200,
      redirects: [server.url('/redirect/2'), server.url('/redirect/1'), server.url('/redirect/0')],
      attempts: 1,
      size: 4,
      value: 'done',
    })
    expect(outcome.headers['content-type']).toBe('text/plain; charset=utf-8')
    const { start, ttfb, total } = outcome.timings
    expect(start).toBeLessThanOrEqual(Date.now())
    expect(ttfb).toBeGreaterThanOrEqual(0)
    expect(total).toBeGreaterThanOrEqual(ttfb!)
  })

  it('reports a redirect past the limit as an ok: false RedirectLimitError', async () => {
    await using client = newClient({ redirect: { limit: 2 } })
    const url = server.url('/redirect/3')
    const outcome = failure(await only(client.fetchAll([url])))
    expect(outcome.error.code).toBe('ASYNCWITH_REDIRECT_LIMIT')
    expect(outcome.error.message).toContain(url)
    expect(outcome.attempts).toBe(1)
  })

  it('counts attempts as 1 + retries on a flaky URL, and yields the response that recovered', async () => {
    await using client = newClient({ retry: { limit: 3, baseDelay: 1 } })
    const url = server.url(`/flaky/2?key=${flakyKey()}`)
    const outcome = success(await only(client.fetchAll([url])))
    expect(outcome).toMatchObject({ status: 200, attempts: 3, value: 'ok', redirects: [] })
  })

  it('yields the last 5xx response as ok: true when the retries run out', async () => {
    await using client = newClient({ retry: { limit: 1, baseDelay: 1 } })
    const url = server.url(`/flaky/5?key=${flakyKey()}`)
    const outcome = success(await only(client.fetchAll([url])))
    expect(outcome).toMatchObject({ status: 500, attempts: 2, value: 'failure 2' })
  })

  it('passes request options on to every request', async () => {
    await using client = newClient()
    const outcome = success(
      await only(
        client.fetchAll<EchoBody>([server.url('/echo')], {
          method: 'POST',
          headers: { 'x-test': 'yes' },
          json: { a: 1 },
          read: 'json',
        }),
      ),
    )
    expect(outcome.value).toMatchObject({ method: 'POST', body: '{"a":1}' })
    expect(outcome.value.headers['x-test']).toBe('yes')
  })

  it('throws a TypeError for bad options when called, before any request', async () => {
    await using client = newClient()
    const before = server.requests.length
    expect(() => client.fetchAll([server.url('/text')], { read: 'blob' as 'text' })).toThrow(
      TypeError,
    )
    expect(() => client.fetchAll([server.url('/text')], { concurrency: 0 })).toThrow(RangeError)
    expect(() => client.fetchAll([server.url('/text')], { method: 'GET /' })).toThrow(TypeError)
    expect(() => client.fetchAll([server.url('/text')], null as unknown as {})).toThrow(TypeError)
    expect(server.requests.length).toBe(before)
  })

  it('sends nothing before the first next()', async () => {
    await using client = newClient()
    const source = tracked([server.url('/text')])
    const outcomes = client.fetchAll(source)
    await delay(20)
    expect(source.counts.nexts).toBe(0)
    expect(await collect(outcomes)).toHaveLength(1)
  })
})

describe('HttpClient.fetchAll() read modes', () => {
  it('reads text by default, decoded with the Content-Type charset, and counts decoded bytes', async () => {
    await using client = newClient()
    const inputs = [server.url('/text'), server.url('/text?charset=latin1'), server.url('/gzip')]
    const outcomes = (await collect(client.fetchAll(inputs, { ordered: true }))).map(success)
    expect(outcomes.map((outcome) => outcome.value)).toEqual([
      SAMPLE_TEXT,
      SAMPLE_TEXT,
      SAMPLE_TEXT.repeat(200),
    ])
    expect(outcomes[0]!.size).toBe(Buffer.byteLength(SAMPLE_TEXT))
    expect(outcomes[1]!.size).toBe(Buffer.byteLength(SAMPLE_TEXT, 'latin1'))
    expect(outcomes[2]!.size).toBe(Buffer.byteLength(SAMPLE_TEXT) * 200)
  })

  it("reads bytes with read: 'bytes'", async () => {
    await using client = newClient()
    const outcome = success(
      await only(client.fetchAll([server.url('/bytes/3000')], { read: 'bytes' })),
    )
    expect(outcome.value).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(outcome.value).equals(expectedBytes(3000))).toBe(true)
    expect(outcome.size).toBe(3000)
  })

  it("parses JSON with read: 'json'", async () => {
    await using client = newClient()
    const outcome = success(await only(client.fetchAll([server.url('/json')], { read: 'json' })))
    expect(outcome.value).toEqual(SAMPLE_JSON)
  })

  it('reports invalid JSON as an ok: false outcome with the SyntaxError, after one try', async () => {
    await using client = newClient({ retry: { limit: 2, baseDelay: 1 } })
    const url = server.url('/json?invalid=1')
    const before = server.requests.length
    const outcome = failure(await only(client.fetchAll([url], { read: 'json' })))
    expect(outcome.error).toBeInstanceOf(SyntaxError)
    expect(outcome.attempts).toBe(1)
    expect(outcome.url).toBe(url)
    expect(server.requests.length - before).toBe(1)
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })

  it("drains and drops the body with read: 'none', counting its size", async () => {
    await using client = newClient()
    const outcome = success(
      await only(client.fetchAll([server.url('/big?bytes=300000')], { read: 'none' })),
    )
    expect(outcome.value).toBeUndefined()
    expect(outcome.size).toBe(300_000)
  })

  it('passes the response to a read function and yields what it returns', async () => {
    await using client = newClient()
    const read = vi.fn(async (response: HttpResponse) => {
      const text = await response.text()
      return { status: response.status, length: text.length }
    })
    const outcome = success(await only(client.fetchAll([server.url('/text')], { read })))
    expect(read).toHaveBeenCalledTimes(1)
    expect(read.mock.calls[0]![0]).toBeInstanceOf(HttpResponse)
    expect(outcome.value).toEqual({ status: 200, length: SAMPLE_TEXT.length })
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })

  it('drains a body the read function left unread, counting it', async () => {
    await using client = newClient()
    const outcome = success(
      await only(client.fetchAll([server.url('/bytes/5000')], { read: async (r) => r.status })),
    )
    expect(outcome.value).toBe(200)
    expect(outcome.size).toBe(5000)
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })

  it('reports what a read function throws as an ok: false outcome', async () => {
    await using client = newClient()
    const error = new Error('not what I wanted')
    const outcome = failure(
      await only(
        client.fetchAll([server.url('/text')], {
          read: async () => {
            throw error
          },
        }),
      ),
    )
    expect(outcome.error).toBe(error)
    expect(outcome.attempts).toBe(1)
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })

  it.each<{ name: string; read: FetchRead<unknown> }>([
    { name: 'text', read: 'text' },
    { name: 'bytes', read: 'bytes' },
    { name: 'json', read: 'json' },
    { name: 'none', read: 'none' },
    { name: 'a function that ignores the body', read: async (response) => response.status },
  ])(
    'reads the body to the end with read $name, so a reset body is ok: false',
    async ({ read }) => {
      await using client = newClient()
      const url = server.url('/reset-mid-body')
      const outcome = failure(await only(client.fetchAll([url], { read })))
      expect(outcome.error.code).toBe('ASYNCWITH_CONNECTION')
      expect(outcome.error).toMatchObject({ phase: 'body' })
      expect(outcome.error.message).toContain(url)
      expect(outcome.timings.ttfb).toBeGreaterThanOrEqual(0)
    },
  )

  it("reports a body over maxBodySize as an ok: false BodySizeError, in 'none' mode too", async () => {
    await using client = newClient({ maxBodySize: 1000 })
    const inputs = [server.url('/bytes/1000'), server.url('/bytes/1001?chunked=1')]
    const outcomes = await collect(client.fetchAll(inputs, { read: 'none', ordered: true }))
    expect(success(outcomes[0]!).size).toBe(1000)
    expect(failure(outcomes[1]!).error.code).toBe('ASYNCWITH_BODY_TOO_LARGE')
  })

  it('reports a decompression bomb as an ok: false outcome, without decoding it all', async () => {
    await using client = newClient({ maxBodySize: 8 * 1024 * 1024 })
    const url = server.url('/bomb?size=20000000')
    const outcome = failure(await only(client.fetchAll([url], { read: 'none' })))
    expect(['ASYNCWITH_DECOMPRESSION', 'ASYNCWITH_BODY_TOO_LARGE']).toContain(outcome.error.code)
    expect(outcome.error.message).toContain(url)
  })
})

describe('HttpClient.fetchAll() early exit', () => {
  it('rejects with signal.reason when the signal aborts mid-run, and aborts in-flight requests', async () => {
    await using client = newClient()
    const hang = hangingRoute(server)
    const controller = new AbortController()
    const reason = new Error('stop here')
    const timersBefore = activeTimers()
    const inputs = [server.url('/text'), ...Array.from({ length: 5 }, (_, i) => hang.url(i))]
    const seen: FetchOutcome[] = []
    const run = (async () => {
      for await (const outcome of client.fetchAll(inputs, { signal: controller.signal })) {
        seen.push(outcome)
      }
    })()
    await vi.waitFor(() => expect(hang.seen).toBe(5), { interval: 5 })
    controller.abort(reason)
    await expect(run).rejects.toBe(reason)
    expect(seen.map((outcome) => outcome.index)).toEqual([0])
    expect(client.statistics().active).toBe(0)
    await vi.waitFor(() => expect(hang.open).toBe(0), { interval: 5 })
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    expect(await timersAbove(timersBefore)).toBe(0)
  })

  it('rejects at once with the reason of an already aborted signal, sending nothing', async () => {
    await using client = newClient()
    const reason = new Error('never started')
    const source = tracked([server.url('/text')])
    const before = server.requests.length
    await expect(
      collect(client.fetchAll(source, { signal: AbortSignal.abort(reason) })),
    ).rejects.toBe(reason)
    expect(source.counts.nexts).toBe(0)
    expect(server.requests.length).toBe(before)
  })

  it('aborts in-flight requests and frees their sockets when the loop breaks', async () => {
    await using client = newClient()
    const hang = hangingRoute(server)
    const inputs = [
      ...Array.from({ length: 3 }, () => server.url('/text')),
      ...Array.from({ length: 5 }, (_, i) => hang.url(i)),
    ]
    const seen: FetchOutcome[] = []
    const unhandled = await unhandledDuring(async () => {
      for await (const outcome of client.fetchAll(inputs, { concurrency: 8 })) {
        seen.push(outcome)
        if (seen.length === 3) {
          await vi.waitFor(() => expect(hang.seen).toBe(5), { interval: 5 })
          break
        }
      }
      // Leaving the loop waited for every in-flight request to settle.
      expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
    })
    expect(unhandled).toEqual([])
    expect(seen.every((outcome) => outcome.ok)).toBe(true)
    await vi.waitFor(() => expect(hang.open).toBe(0), { interval: 5 })
  })

  it('closes the socket of a body being read when the loop breaks', async () => {
    await using client = newClient()
    const stalled = hangingRoute(server, 'body')
    const inputs = [server.url('/text'), stalled.url(0), stalled.url(1)]
    for await (const outcome of client.fetchAll(inputs, { concurrency: 3 })) {
      expect(outcome.index).toBe(0)
      await vi.waitFor(() => expect(stalled.seen).toBe(2), { interval: 5 })
      await delay(20) // the headers and the first bytes reach the client
      break
    }
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
    await vi.waitFor(() => expect(stalled.open).toBe(0), { interval: 5 })
  })

  it('pulls a lazy source only as far as concurrency needs, and closes it on break', async () => {
    await using client = newClient()
    const url = server.url('/text')
    const endless = tracked(
      (function* () {
        for (;;) yield url
      })(),
    )
    const concurrency = 4
    let consumed = 0
    for await (const outcome of client.fetchAll(endless, { concurrency, ordered: false })) {
      expect(outcome.ok).toBe(true)
      if (++consumed === 2) break
    }
    // What runs plus what waits to be taken stays within `concurrency`; one more pull may be
    // in progress when the loop stops.
    expect(endless.counts.yielded).toBeLessThanOrEqual(consumed + concurrency + 1)
    expect(endless.counts.finallies).toBe(1)
  })

  it('stops pulling while the consumer does not take outcomes', async () => {
    await using client = newClient()
    const url = server.url('/text')
    const endless = tracked(
      (function* () {
        for (;;) yield url
      })(),
    )
    const iterator = client.fetchAll(endless, { concurrency: 4 })[Symbol.asyncIterator]()
    await iterator.next()
    await delay(100)
    expect(endless.counts.yielded).toBeLessThanOrEqual(1 + 4 + 1)
    await iterator.return?.()
    expect(endless.counts.finallies).toBe(1)
  })

  // Observed: closing the client cuts off the requests in flight and fails the ones not yet
  // started, each with a ClientClosedError outcome; the loop goes on to the end of the input
  // and finishes normally (it is not the loop's own signal that aborted).
  it('yields ClientClosedError outcomes for every input left when the client closes mid-run', async () => {
    const client = newClient()
    const hang = hangingRoute(server)
    const inputs = Array.from({ length: 12 }, (_, i) => hang.url(i))
    const outcomes: FetchOutcome[] = []
    const run = (async () => {
      for await (const outcome of client.fetchAll(inputs, { concurrency: 4, ordered: true })) {
        outcomes.push(outcome)
      }
    })()
    await vi.waitFor(() => expect(hang.seen).toBe(4), { interval: 5 })
    await client.close()
    await run
    expect(outcomes.map((outcome) => outcome.index)).toEqual(inputs.map((_, i) => i))
    const errors = outcomes.map((outcome) => failure(outcome))
    for (const outcome of errors) {
      expect(outcome.error.code).toBe('ASYNCWITH_CLIENT_CLOSED')
      expect(outcome.url).toBe(outcome.input)
    }
    const cutOff = errors.slice(0, 4)
    const notStarted = errors.slice(4)
    expect(cutOff.map((o) => [(o.error as { inFlight?: boolean }).inFlight, o.attempts])).toEqual(
      Array(4).fill([true, 1]),
    )
    expect(
      notStarted.map((o) => [(o.error as { inFlight?: boolean }).inFlight, o.attempts]),
    ).toEqual(Array(8).fill([false, 0]))
    expect(hang.seen).toBe(4)
    await vi.waitFor(() => expect(hang.open).toBe(0), { interval: 5 })
  })

  it('yields ClientClosedError outcomes without sending anything when the client is already closed', async () => {
    const client = newClient()
    await client.close()
    const before = server.requests.length
    const outcomes = await collect(client.fetchAll([server.url('/text'), 'not a url']))
    expect(outcomes.map((outcome) => failure(outcome).error.code).sort()).toEqual([
      'ASYNCWITH_CLIENT_CLOSED',
      'ASYNCWITH_INVALID_URL',
    ])
    expect(server.requests.length).toBe(before)
  })
})
