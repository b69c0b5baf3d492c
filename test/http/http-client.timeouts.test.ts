import { HttpTimeoutError, isHttpTimeoutError } from 'asyncwith/http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { abortListeners } from '../_helpers/concurrent-probe.js'
import { startTestServer, type TestServer } from '../_helpers/http-server.js'
import { activeTimers, timersAbove } from '../_helpers/tracked.js'
import {
  hasPython,
  openSockets,
  rejectionOf,
  since,
  tcpSockets,
  text,
  turns,
  useClients,
} from './_client-fixtures.js'

// Each time limit fails with an HttpTimeoutError naming the URL and the phase; an abort of
// the caller's own signal rejects with its reason, unchanged, in every phase. `connect`,
// `headers` and `total` run on the client's own timers (precise); `body` is undici's, which
// ticks about once a second, so its tests allow a second of slack.

const { client: newClient, blackhole } = useClients()
let server: TestServer
let baselineTimers = 0

beforeAll(async () => {
  server = await startTestServer()
  baselineTimers = activeTimers()
})
afterAll(() => server.close())

function expectTimeout(error: unknown, phase: string, ms: number, url: string): void {
  expect(error).toBeInstanceOf(HttpTimeoutError)
  expect(isHttpTimeoutError(error)).toBe(true)
  expect(error).toMatchObject({ code: 'ASYNCWITH_TIMEOUT', phase, ms, url, method: 'GET' })
  expect((error as Error).message).toContain(url)
}

describe('HttpClient timeout', () => {
  it.skipIf(!hasPython)('fails with phase connect when the connection does not open', async () => {
    const { url } = await blackhole()
    const client = newClient({ timeout: { connect: 200 }, retry: 0 })
    const start = performance.now()
    const error = await rejectionOf(client.get(url))
    expectTimeout(error, 'connect', 200, url)
    expect((error as Error).message).toMatch(/connecting/)
    expect((error as Error).cause).toMatchObject({ code: 'UND_ERR_CONNECT_TIMEOUT' })
    expect(since(start)).toBeGreaterThanOrEqual(190)
    expect(since(start)).toBeLessThan(600)
  })

  it.skipIf(!hasPython)('retries a connect timeout of an idempotent request', async () => {
    const { url } = await blackhole()
    const client = newClient({ timeout: { connect: 100 }, retry: { limit: 1, baseDelay: 1 } })
    const start = performance.now()
    expectTimeout(await rejectionOf(client.get(url)), 'connect', 100, url)
    expect(since(start)).toBeGreaterThanOrEqual(190)
  })

  it('fails with phase headers when the response headers do not come', async () => {
    const url = server.url('/no-headers')
    const client = newClient({ timeout: { headers: 100 }, retry: 0 })
    const start = performance.now()
    const error = await rejectionOf(client.get(url))
    expectTimeout(error, 'headers', 100, url)
    expect(since(start)).toBeGreaterThanOrEqual(95)
    expect(since(start)).toBeLessThan(600)
  })

  it('fails with phase body when the body stalls between chunks', async () => {
    const url = server.url('/stall-body')
    const client = newClient({ timeout: { body: 300 }, retry: 0 })
    const response = await client.get(url)
    const start = performance.now()
    const error = await rejectionOf(response.text())
    expectTimeout(error, 'body', 300, url)
    expect(since(start)).toBeLessThan(2500)
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })

  it('lets a slow body through when no pause exceeds the body limit', async () => {
    const client = newClient({ timeout: { body: 300 } })
    expect(await text(client.get(server.url('/trickle?bytes=3&interval=60')))).toBe('...')
  })

  it('fails with phase total when the whole call takes too long', async () => {
    const url = server.url('/slow?ms=2000')
    const client = newClient({ timeout: { total: 150 } })
    const start = performance.now()
    expectTimeout(await rejectionOf(client.get(url)), 'total', 150, url)
    expect(since(start)).toBeLessThan(600)
  })

  it('counts the body in total', async () => {
    const url = server.url('/trickle?bytes=20&interval=50')
    const client = newClient({ timeout: { total: 120 } })
    const response = await client.get(url)
    expectTimeout(await rejectionOf(response.text()), 'total', 120, url)
  })

  it('counts retries and the waits between them in total', async () => {
    const url = server.url('/status/503?retry-after=1')
    const client = newClient({ timeout: { total: 100 }, retry: { limit: 3 } })
    const start = performance.now()
    expectTimeout(await rejectionOf(client.get(url)), 'total', 100, url)
    expect(since(start)).toBeLessThan(700)
  })

  it('takes a request timeout over the client one', async () => {
    const url = server.url('/slow?ms=120')
    const client = newClient({ timeout: { total: 60 } })
    expect(await text(client.get(url, { timeout: { total: 2000 } }))).toBe('slow')
    const strict = newClient()
    expectTimeout(await rejectionOf(strict.get(url, { timeout: 60 })), 'total', 60, url)
  })

  it('retries a headers timeout of an idempotent request', async () => {
    const own = await startTestServer()
    try {
      const url = own.url('/no-headers')
      const client = newClient({ timeout: { headers: 50 }, retry: { limit: 1, baseDelay: 1 } })
      expectTimeout(await rejectionOf(client.get(url)), 'headers', 50, url)
      expect(own.requests.length).toBe(2)
    } finally {
      await own.close()
    }
  })

  it('does not retry a total timeout', async () => {
    const own = await startTestServer()
    try {
      const client = newClient({ timeout: { total: 100 }, retry: { limit: 3, baseDelay: 1 } })
      await rejectionOf(client.get(own.url('/no-headers')))
      expect(own.requests.length).toBe(1)
    } finally {
      await own.close()
    }
  })
})

describe('HttpClient signal', () => {
  it('rejects with the reason of an already aborted signal, sending nothing', async () => {
    const before = server.requests.length
    const reason = new Error('mine')
    const error = await rejectionOf(
      newClient().get(server.url('/json'), { signal: AbortSignal.abort(reason) }),
    )
    expect(error).toBe(reason)
    expect(server.requests.length).toBe(before)
  })

  it.skipIf(!hasPython)('rejects promptly with the reason while connecting', async () => {
    const { url } = await blackhole()
    const client = newClient({ timeout: { connect: 300 } })
    const controller = new AbortController()
    const reason = new Error('stop connecting')
    setTimeout(() => controller.abort(reason), 100)
    const start = performance.now()
    expect(await rejectionOf(client.get(url, { signal: controller.signal }))).toBe(reason)
    expect(since(start)).toBeLessThan(250)
  })

  it.skipIf(!hasPython)('closes at once, destroying a socket still connecting', async () => {
    const { url } = await blackhole()
    const before = await tcpSockets()
    const client = newClient({ timeout: { connect: 5000 } })
    const signal = AbortSignal.timeout(50)
    expect(await rejectionOf(client.get(url, { signal }))).toBe(signal.reason)
    expect(await tcpSockets()).toBe(before + 1)
    const start = performance.now()
    await client.close()
    expect(since(start)).toBeLessThan(300)
    expect(await tcpSockets()).toBe(before)
  })

  it('rejects with the reason while waiting for headers', async () => {
    const controller = new AbortController()
    const reason = new Error('stop waiting')
    setTimeout(() => controller.abort(reason), 50)
    const start = performance.now()
    const pending = newClient().get(server.url('/no-headers'), { signal: controller.signal })
    expect(await rejectionOf(pending)).toBe(reason)
    expect(since(start)).toBeLessThan(300)
  })

  it('rejects the body read with the reason while reading the body', async () => {
    const controller = new AbortController()
    const client = newClient()
    const response = await client.get(server.url('/stall-body'), { signal: controller.signal })
    const reading = rejectionOf(response.text())
    controller.abort()
    const error = await reading
    expect(error).toBe(controller.signal.reason)
    expect(error).toMatchObject({ name: 'AbortError' })
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })

  it('rejects with the reason while waiting to retry', async () => {
    const controller = new AbortController()
    const reason = new Error('no more tries')
    setTimeout(() => controller.abort(reason), 100)
    const client = newClient({ retry: { limit: 3 } })
    const url = server.url('/status/503?retry-after=5')
    const pending = client.get(url, { signal: controller.signal, retry: { maxDelay: 10_000 } })
    expect(await rejectionOf(pending)).toBe(reason)
  })

  it('passes an AbortSignal.timeout reason through unchanged, not as an HttpTimeoutError', async () => {
    const signal = AbortSignal.timeout(50)
    const error = await rejectionOf(newClient().get(server.url('/no-headers'), { signal }))
    expect(error).toBe(signal.reason)
    expect(isHttpTimeoutError(error)).toBe(false)
  })

  it('leaves no listener on the signal once the body is read, failed or released', async () => {
    const client = newClient({ retry: 0 })
    const { signal } = new AbortController()
    await text(client.get(server.url('/json'), { signal }))
    expect(abortListeners(signal)).toBe(0)
    await rejectionOf(client.get(server.url('/no-headers'), { signal, timeout: { headers: 50 } }))
    expect(abortListeners(signal)).toBe(0)
    const response = await client.get(server.url('/stall-body'), { signal })
    expect(abortListeners(signal)).toBe(1)
    await response.release()
    expect(abortListeners(signal)).toBe(0)
    await rejectionOf(client.get(server.url('/reset-mid-body'), { signal }).then(text))
    expect(abortListeners(signal)).toBe(0)
  })
})

describe('HttpClient timers', () => {
  it('leaves no timer behind after calls that succeed, time out or are aborted', async () => {
    const client = newClient({ timeout: { total: 5000, headers: 5000 }, retry: 0 })
    await text(client.get(server.url('/json')))
    await rejectionOf(client.get(server.url('/no-headers'), { timeout: { headers: 50 } }))
    await rejectionOf(client.get(server.url('/slow?ms=500'), { timeout: 50 }))
    await rejectionOf(client.get(server.url('/no-headers'), { signal: AbortSignal.abort() }))
    const controller = new AbortController()
    const response = await client.get(server.url('/stall-body'), { signal: controller.signal })
    controller.abort()
    await rejectionOf(response.text())
    expect(await timersAbove(baselineTimers)).toBe(0)
  })

  it('leaves no socket, listener or timer behind once its clients and servers closed', async () => {
    await turns()
    await server.close()
    expect(await openSockets()).toEqual([])
    expect(await timersAbove(baselineTimers)).toBe(0)
  })
})
