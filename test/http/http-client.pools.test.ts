import { beforeAll, describe, expect, it, vi } from 'vitest'
import { KeyedSemaphores } from '../../src/http/_keyed-semaphores.js'
import { abortListeners } from '../_helpers/concurrent-probe.js'
import { activeTimers, timersAbove } from '../_helpers/tracked.js'
import {
  holdRoute,
  openSockets,
  rejectionOf,
  since,
  text,
  turns,
  useClients,
} from './_client-fixtures.js'

// Connections per origin, requests per host, keep-alive and rate limits, seen from the
// server: its request log says which connection carried each request, and the /hold route
// counts how many requests are in flight at once.

const { client: newClient, server: newServer } = useClients()
let baselineTimers = 0

beforeAll(() => {
  baselineTimers = activeTimers()
})

describe('HttpClient connections', () => {
  it('opens at most `connections` sockets per origin and reuses them', async () => {
    const server = await newServer()
    const gauge = holdRoute(server)
    const client = newClient({ connections: 2 })
    const url = server.url('/hold?ms=20')
    await Promise.all(Array.from({ length: 10 }, () => text(client.get(url))))
    expect(gauge.peak).toBe(2)
    expect(server.totalConnections).toBe(2)
    expect(new Set(server.requests.map((r) => r.connection))).toEqual(new Set([1, 2]))
  })

  it('keeps one connection alive for sequential requests', async () => {
    const server = await newServer()
    const client = newClient({ connections: 1 })
    for (let i = 0; i < 5; i++) await text(client.get(server.url('/bytes/100')))
    expect(server.requests.map((r) => r.connection)).toEqual([1, 1, 1, 1, 1])
    expect(server.connections).toBe(1)
  })

  it('closes each connection after its response when keepAlive is false', async () => {
    const server = await newServer()
    const client = newClient({ keepAlive: false })
    for (let i = 0; i < 3; i++) await text(client.get(server.url('/bytes/100')))
    expect(server.requests.map((r) => r.connection)).toEqual([1, 2, 3])
    expect(server.requests[0]!.headers.connection).toBe('close')
  })

  it('keeps other origins apart: each has its own connections', async () => {
    const [a, b] = [await newServer(), await newServer()]
    const gauge = holdRoute(a, b)
    const client = newClient({ connections: 1 })
    const urls = [a, b, a, b].map((server) => server.url('/hold?ms=40'))
    await Promise.all(urls.map((url) => text(client.get(url))))
    expect(gauge.peak).toBe(2)
    expect([a.totalConnections, b.totalConnections]).toEqual([1, 1])
  })

  it('lets a request waiting for a connection leave at once when its signal aborts', async () => {
    const server = await newServer()
    const client = newClient({ connections: 1 })
    const busy = rejectionOf(client.get(server.url('/no-headers')))
    while (server.requests.length === 0) await turns()
    const start = performance.now()
    const signal = AbortSignal.timeout(100)
    const error = await rejectionOf(client.get(server.url('/json'), { signal }))
    expect(error).toBe(signal.reason)
    expect(since(start)).toBeLessThan(600)
    expect(server.requests.map((r) => r.path)).toEqual(['/no-headers'])
    await client.close()
    await busy
  })
})

describe('HttpClient perHost', () => {
  it('holds at most perHost requests in flight across the origins of one host name', async () => {
    const [a, b] = [await newServer(), await newServer()]
    const gauge = holdRoute(a, b)
    const client = newClient({ perHost: 3 })
    const urls = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).url('/hold?ms=30'))
    await Promise.all(urls.map((url) => text(client.get(url))))
    expect(gauge.peak).toBe(3)
    expect(a.requests.length + b.requests.length).toBe(12)
  })

  it('releases a host permit when its request fails', async () => {
    const server = await newServer()
    const client = newClient({ perHost: 1, retry: 0 })
    for (let i = 0; i < 3; i++) {
      const error = await rejectionOf(client.get(server.url('/reset-mid-body')).then(text))
      expect(error).toMatchObject({ code: 'ASYNCWITH_CONNECTION' })
    }
    expect(await text(client.get(server.url('/text')))).toContain('Köln')
  })
})

describe('HttpClient rateLimit', () => {
  it('starts at most rate requests per period on one host', async () => {
    const server = await newServer()
    const client = newClient({ rateLimit: { rate: 20, per: 1000, burst: 1 } })
    const start = performance.now()
    await Promise.all(Array.from({ length: 10 }, () => text(client.get(server.url('/json')))))
    // The first starts at once, then one every 50 ms: 9 waits.
    expect(since(start)).toBeGreaterThanOrEqual(430)
    expect(since(start)).toBeLessThan(1500)
  })

  it('keeps starts apart even when requests also wait for a connection', async () => {
    const server = await newServer()
    const gauge = holdRoute(server)
    // One token every 25 ms; the first request holds the only connection for 150 ms, while
    // the tokens for the next three would all be due.
    const client = newClient({ connections: 1, rateLimit: { rate: 40, per: 1000, burst: 1 } })
    const urls = ['/hold?ms=150', '/hold?ms=1', '/hold?ms=1', '/hold?ms=1']
    await Promise.all(urls.map((path) => text(client.get(server.url(path)))))
    const gaps = gauge.arrivals.slice(1).map((at, i) => at - gauge.arrivals[i]!)
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(20)
  })

  it('limits each host on its own', async () => {
    const server = await newServer()
    const client = newClient({ rateLimit: { rate: 1, per: 60_000 } })
    await text(client.get(server.url('/json')))
    const other = server.url('/json').replace('127.0.0.1', 'localhost')
    // 127.0.0.1 has used its token for a minute; `localhost` is another host with its own.
    const signal = AbortSignal.timeout(100)
    const error = await rejectionOf(client.get(server.url('/json'), { signal }))
    expect(error).toBe(signal.reason)
    expect(await text(client.get(other))).toContain('hello')
  })
})

describe('HttpClient signals and timers', () => {
  it('leaves no listener on a shared signal, however many requests used it', async () => {
    const server = await newServer()
    const warnings = vi.fn()
    process.on('warning', warnings)
    try {
      const client = newClient()
      const controller = new AbortController()
      const { signal } = controller
      const responses = Array.from({ length: 20 }, () =>
        client.get(server.url('/slow?ms=50'), { signal }),
      )
      await Promise.all(responses.map(text))
      expect(abortListeners(signal)).toBe(0)
      await turns()
      expect(warnings).not.toHaveBeenCalled()
    } finally {
      process.off('warning', warnings)
    }
  })

  it('leaves no timer behind after many calls', async () => {
    const server = await newServer()
    const client = newClient({ timeout: { total: 5000, headers: 5000 }, rateLimit: { rate: 1000 } })
    await Promise.all(Array.from({ length: 5 }, () => text(client.get(server.url('/json')))))
    await client.close()
    expect(await timersAbove(baselineTimers)).toBe(0)
  })
})

describe('KeyedSemaphores', () => {
  it('forgets a key once its last holder releases', async () => {
    const semaphores = new KeyedSemaphores(1)
    const { signal } = new AbortController()
    const permit = await semaphores.acquire('a', signal)
    expect(semaphores.size).toBe(1)
    permit.release()
    expect(semaphores.size).toBe(0)
  })

  it('forgets a key whose only waiter gave up', async () => {
    const semaphores = new KeyedSemaphores(1)
    const permit = await semaphores.acquire('a', new AbortController().signal)
    const controller = new AbortController()
    const waiting = rejectionOf(semaphores.acquire('a', controller.signal))
    controller.abort()
    await waiting
    permit.release()
    expect(semaphores.size).toBe(0)
    const aborted = AbortSignal.abort()
    await rejectionOf(semaphores.acquire('b', aborted))
    expect(semaphores.size).toBe(0)
  })
})

describe('HttpClient pools resources', () => {
  it('leaves no socket, listener or timer behind once its clients and servers closed', async () => {
    expect(await openSockets()).toEqual([])
    expect(await timersAbove(baselineTimers)).toBe(0)
  })
})
