import { once } from 'node:events'
import { createServer } from 'node:net'
import {
  type FetchFailure,
  type FetchOutcome,
  type FetchSuccess,
  HttpClient,
  type HttpClientOptions,
} from 'asyncwith/http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { flakyKey, startTestServer, type TestServer } from '../_helpers/http-server.js'

// Every fault the test server can stage, met through `fetchAll`: each one is an outcome with
// the right typed error (its `code`, `kind` or `phase`, and a message naming the URL), or a
// successful retry, and the run goes on. undici's own header and body timers are coarse
// (about 1 s, see /tmp/http-research.md §0.2), so times are checked with slack.

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

const FAST: HttpClientOptions = { timeout: { headers: 200, body: 300 }, retry: 0 }

/** Fetches `path` alone and gives its outcome and how long the run took. */
async function fetchPath(
  path: string,
  options: HttpClientOptions = {},
): Promise<{ outcome: FetchOutcome; url: string; ms: number }> {
  await using client = new HttpClient({ ...FAST, ...options })
  const url = server.url(path)
  const start = performance.now()
  const outcomes: FetchOutcome[] = []
  for await (const outcome of client.fetchAll([url])) outcomes.push(outcome)
  const ms = performance.now() - start
  expect(outcomes).toHaveLength(1)
  expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  return { outcome: outcomes[0]!, url, ms }
}

function failure(outcome: FetchOutcome): FetchFailure {
  if (outcome.ok) throw new Error(`Expected a failed outcome, got status ${outcome.status}`)
  return outcome
}

function success(outcome: FetchOutcome): FetchSuccess<string> {
  if (!outcome.ok) throw new Error(`Expected an ok outcome, got ${outcome.error.stack}`)
  return outcome
}

/** The code of the innermost `cause` that has one (undici's or Node's). */
function rootCode(error: unknown): string | undefined {
  let code: string | undefined
  for (let current = error; current instanceof Error; current = current.cause) {
    const own = (current as { code?: unknown }).code
    if (typeof own === 'string') code = own
  }
  return code
}

describe('HttpClient.fetchAll() against faults', () => {
  it('reports a reset mid-body as a ConnectionError in the body phase', async () => {
    const { outcome, url } = await fetchPath('/reset-mid-body')
    const { error, attempts } = failure(outcome)
    expect(error.code).toBe('ASYNCWITH_CONNECTION')
    // Linux may deliver the bytes before the RST and then a plain close (research §1).
    expect(error).toMatchObject({ phase: 'body', method: 'GET', url })
    expect(['reset', 'closed']).toContain((error as { kind?: string }).kind)
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(rootCode(error))
    expect(error.message).toContain(url)
    expect(attempts).toBe(1)
    expect(outcome.timings.ttfb).toBeGreaterThanOrEqual(0)
  })

  it('reports a server that closes mid-body as a ConnectionError of kind closed', async () => {
    const { outcome, url } = await fetchPath('/close-mid-body')
    const { error } = failure(outcome)
    expect(error).toMatchObject({ code: 'ASYNCWITH_CONNECTION', kind: 'closed', phase: 'body' })
    expect(rootCode(error)).toBe('UND_ERR_SOCKET')
    expect(error.message).toContain(url)
  })

  it('reports headers that never come as an HttpTimeoutError of phase headers, on time', async () => {
    const { outcome, url, ms } = await fetchPath('/no-headers')
    const { error, timings } = failure(outcome)
    expect(error).toMatchObject({
      name: 'TimeoutError',
      code: 'ASYNCWITH_TIMEOUT',
      phase: 'headers',
      ms: 200,
      url,
    })
    expect(error.message).toContain(url)
    expect(timings.ttfb).toBeUndefined()
    // The headers timer is the client's own, not undici's coarse one.
    expect(ms).toBeGreaterThanOrEqual(190)
    expect(ms).toBeLessThan(800)
  })

  it('reports headers slower than timeout.headers as a headers timeout, and waits for faster ones', async () => {
    const slow = await fetchPath('/slow?ms=2000')
    expect(failure(slow.outcome).error).toMatchObject({
      code: 'ASYNCWITH_TIMEOUT',
      phase: 'headers',
    })
    expect(slow.ms).toBeLessThan(800)
    const fast = await fetchPath('/slow?ms=50')
    expect(success(fast.outcome).value).toBe('slow')
  })

  it('reports a body that stalls as an HttpTimeoutError of phase body', async () => {
    const { outcome, url, ms } = await fetchPath('/stall-body')
    const { error } = failure(outcome)
    expect(error).toMatchObject({ code: 'ASYNCWITH_TIMEOUT', phase: 'body', ms: 300, url })
    expect(error.message).toContain(url)
    // undici's body timer: 300 ms asked, up to about a second more.
    expect(ms).toBeGreaterThanOrEqual(250)
    expect(ms).toBeLessThan(2500)
  })

  it('reads a slow trickle whose pauses stay under timeout.body', async () => {
    const { outcome } = await fetchPath('/trickle?bytes=5&interval=40')
    expect(success(outcome)).toMatchObject({ value: '.....', size: 5, attempts: 1 })
  })

  it('reports a trickle that pauses longer than timeout.body as a body timeout', async () => {
    // 1500 ms pauses: past timeout.body (300) even with undici's coarse timer.
    const { outcome, url } = await fetchPath('/trickle?bytes=3&interval=1500')
    const { error } = failure(outcome)
    expect(error).toMatchObject({ code: 'ASYNCWITH_TIMEOUT', phase: 'body', url })
  })

  it('reports a truncated chunked body on a kept-alive socket as a ConnectionError', async () => {
    const { outcome, url } = await fetchPath('/truncated-chunked')
    const { error } = failure(outcome)
    // The socket ends before the last chunk: undici says "other side closed".
    expect(error).toMatchObject({ code: 'ASYNCWITH_CONNECTION', kind: 'closed', phase: 'body' })
    expect(error.message).toContain(url)
  })

  it('reports a truncated chunked body on a Connection: close socket as kind truncated', async () => {
    const { outcome, url } = await fetchPath('/truncated-chunked?close=1')
    const { error } = failure(outcome)
    expect(error).toMatchObject({ code: 'ASYNCWITH_CONNECTION', kind: 'truncated', phase: 'body' })
    expect((error.cause as Error).name).toBe('HTTPParserError')
    expect(error.message).toContain(url)
  })

  it('reports a body shorter than its Content-Length as a ConnectionError', async () => {
    const keptAlive = await fetchPath('/wrong-length')
    expect(failure(keptAlive.outcome).error).toMatchObject({
      code: 'ASYNCWITH_CONNECTION',
      kind: 'closed',
      phase: 'body',
    })
    const closing = await fetchPath('/wrong-length?close=1')
    const { error } = failure(closing.outcome)
    expect(error).toMatchObject({ code: 'ASYNCWITH_CONNECTION', kind: 'truncated', phase: 'body' })
    expect(rootCode(error)).toBe('UND_ERR_RES_CONTENT_LENGTH_MISMATCH')
    expect(error.message).toContain(closing.url)
  })

  it('reports a refused connection as a ConnectionError of kind refused, phase connect', async () => {
    // A port that was free a moment ago: nothing listens there now.
    const probe = createServer().listen(0, '127.0.0.1')
    await once(probe, 'listening')
    const { port } = probe.address() as { port: number }
    await new Promise((resolve) => probe.close(resolve))
    await using client = new HttpClient(FAST)
    const url = `http://127.0.0.1:${port}/`
    const outcomes: FetchOutcome[] = []
    for await (const outcome of client.fetchAll([url])) outcomes.push(outcome)
    const { error } = failure(outcomes[0]!)
    expect(error).toMatchObject({ code: 'ASYNCWITH_CONNECTION', kind: 'refused', phase: 'connect' })
    expect(error.message).toContain(url)
  })

  it('retries through a 500 storm and succeeds with attempts n + 1', async () => {
    const n = 3
    const key = flakyKey()
    const before = server.requests.length
    const { outcome } = await fetchPath(`/flaky/${n}?key=${key}`, {
      retry: { limit: n, baseDelay: 1 },
    })
    expect(success(outcome)).toMatchObject({ status: 200, attempts: n + 1, value: 'ok' })
    expect(server.requests.slice(before).filter((r) => r.path.includes(key))).toHaveLength(n + 1)
  })

  it('retries a reset body and succeeds when the retry gets a whole body', async () => {
    let calls = 0
    server.route('/reset-once', (req, res) => {
      calls++
      if (calls === 1) {
        req.socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(100)}`)
        setTimeout(() => req.socket.resetAndDestroy(), 20)
      } else res.end('whole')
    })
    const { outcome } = await fetchPath('/reset-once', { retry: { limit: 1, baseDelay: 1 } })
    expect(success(outcome)).toMatchObject({ status: 200, attempts: 2, value: 'whole' })
  })

  it('goes on through a mixed batch: every good URL ok, every fault its own typed error', async () => {
    await using client = new HttpClient({ ...FAST, retry: { limit: 1, baseDelay: 1 } })
    const key = flakyKey()
    const faults: Record<string, (outcome: FetchOutcome) => void> = {
      '/reset-mid-body': (o) => expect(failure(o).error.code).toBe('ASYNCWITH_CONNECTION'),
      '/close-mid-body': (o) => expect(failure(o).error).toMatchObject({ kind: 'closed' }),
      '/no-headers': (o) => expect(failure(o).error).toMatchObject({ phase: 'headers' }),
      '/stall-body': (o) => expect(failure(o).error).toMatchObject({ phase: 'body' }),
      '/truncated-chunked?close=1': (o) =>
        expect(failure(o).error).toMatchObject({ kind: 'truncated' }),
      '/wrong-length?close=1': (o) => expect(failure(o).error).toMatchObject({ kind: 'truncated' }),
      [`/flaky/1?key=${key}`]: (o) =>
        expect(success(o)).toMatchObject({ status: 200, attempts: 2 }),
      '/status/404': (o) => expect(success(o)).toMatchObject({ status: 404, attempts: 1 }),
      'not a url': (o) => expect(failure(o)).toMatchObject({ attempts: 0 }),
    }
    const inputs: string[] = []
    const checks: Array<(outcome: FetchOutcome) => void> = []
    for (const [path, check] of Object.entries(faults)) {
      for (let i = 0; i < 3; i++) {
        inputs.push(server.url(`/bytes/${100 + inputs.length}`))
        checks.push((o) => expect(success(o).size).toBe(100 + o.index))
      }
      inputs.push(path.startsWith('/') ? server.url(path) : path)
      checks.push(check)
    }
    const outcomes: FetchOutcome[] = []
    for await (const outcome of client.fetchAll(inputs, { concurrency: 8 })) {
      outcomes.push(outcome)
    }
    expect(outcomes.map((o) => o.index).sort((a, b) => a - b)).toEqual(inputs.map((_, i) => i))
    for (const outcome of outcomes) {
      expect(outcome.input).toBe(inputs[outcome.index])
      checks[outcome.index]!(outcome)
    }
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })
})
