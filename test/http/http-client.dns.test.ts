import type { LookupAddress } from 'node:dns'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ConnectionError, HttpClient } from 'asyncwith/http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rejectionOf } from './_client-fixtures.js'

// Host names resolved through the client's `dns.lookup`, pointed at loopback: never real DNS.
// A server on 127.0.0.1 only and one on ::1 only show which address a connection used.

let v4: Server
let v6: Server
let v4Port = 0
let v6Port = 0

beforeAll(async () => {
  v4 = createServer((_request, response) => response.end('v4'))
  v4.listen(0, '127.0.0.1')
  v6 = createServer((_request, response) => response.end('v6'))
  v6.listen(0, '::1')
  await Promise.all([once(v4, 'listening'), once(v6, 'listening')])
  v4Port = (v4.address() as AddressInfo).port
  v6Port = (v6.address() as AddressInfo).port
})

afterAll(async () => {
  for (const server of [v4, v6]) server.closeAllConnections()
  await Promise.all([v4, v6].map((server) => new Promise((resolve) => server.close(resolve))))
})

type Callback = (
  error: NodeJS.ErrnoException | null,
  addresses: LookupAddress[] | string,
  family?: number,
) => void

/** A resolver from a table (a name missing from it fails with `code`), counting its calls. */
function resolver(table: Record<string, LookupAddress[]>, code = 'ENOTFOUND') {
  const calls: string[] = []
  const lookup = (hostname: string, options: { all?: boolean }, callback: unknown) => {
    calls.push(hostname)
    setImmediate(() => {
      const addresses = table[hostname]
      if (addresses === undefined) {
        const error = Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code })
        ;(callback as Callback)(error, [])
      } else if (options.all) (callback as Callback)(null, addresses)
      else (callback as Callback)(null, addresses[0]!.address, addresses[0]!.family)
    })
  }
  return { lookup, calls }
}

const loopback4: LookupAddress[] = [{ address: '127.0.0.1', family: 4 }]

describe('HttpClient dns', () => {
  it('looks each name up once while its answer is cached, however many connections', async () => {
    const { lookup, calls } = resolver({ 'a.test': loopback4, 'b.test': loopback4 })
    await using client = new HttpClient({ dns: { lookup }, keepAlive: false })
    const urls = Array.from({ length: 30 }, (_, i) => `http://${i % 2 ? 'a' : 'b'}.test:${v4Port}/`)
    let ok = 0
    for await (const outcome of client.fetchAll(urls, { concurrency: 8 })) {
      if (outcome.ok && outcome.value === 'v4') ok++
    }
    expect(ok).toBe(30)
    expect(calls.sort()).toEqual(['a.test', 'b.test'])
  })

  it('looks up for every connection with dns.ttl: false', async () => {
    const { lookup, calls } = resolver({ 'a.test': loopback4 })
    await using client = new HttpClient({ dns: { lookup, ttl: false }, keepAlive: false })
    for (let i = 0; i < 3; i++) await (await client.get(`http://a.test:${v4Port}/`)).text()
    expect(calls).toEqual(['a.test', 'a.test', 'a.test'])
  })

  it('falls back to the other address family (Happy Eyeballs)', async () => {
    // Each name's first address has nothing listening on that port; the second does.
    const { lookup } = resolver({
      'six.test': [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
      'four.test': [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ],
    })
    await using client = new HttpClient({ dns: { lookup }, retry: 0 })
    expect(await (await client.get(`http://six.test:${v6Port}/`)).text()).toBe('v6')
    expect(await (await client.get(`http://four.test:${v4Port}/`)).text()).toBe('v4')
  })

  it('fails a name that does not resolve as a dns ConnectionError, without retrying it', async () => {
    const { lookup, calls } = resolver({})
    await using client = new HttpClient({ dns: { lookup }, retry: { limit: 5, baseDelay: 1 } })
    const error = (await rejectionOf(client.get('http://nowhere.test/'))) as ConnectionError
    expect([error.code, error.kind, error.phase]).toEqual([
      'ASYNCWITH_CONNECTION',
      'dns',
      'connect',
    ])
    expect(calls).toEqual(['nowhere.test'])
  })

  it('retries a temporary resolver failure (EAI_AGAIN) once, not more', async () => {
    const { lookup, calls } = resolver({}, 'EAI_AGAIN')
    await using client = new HttpClient({ dns: { lookup }, retry: { limit: 5, baseDelay: 1 } })
    const error = (await rejectionOf(client.get('http://flaky.test/'))) as ConnectionError
    expect([error.kind, error.phase]).toEqual(['dns', 'connect'])
    expect(calls).toEqual(['flaky.test', 'flaky.test'])
  })

  it('reports each bad name of a batch as its own outcome', async () => {
    const { lookup } = resolver({ 'good.test': loopback4 })
    await using client = new HttpClient({ dns: { lookup } })
    const outcomes: Record<string, string> = {}
    const good = `http://good.test:${v4Port}/`
    const urls = [good, 'http://bad1.test/', 'http://bad2.test/']
    for await (const outcome of client.fetchAll(urls)) {
      outcomes[String(outcome.input)] = outcome.ok
        ? String(outcome.value)
        : String(outcome.error.code)
    }
    expect(outcomes).toEqual({
      [good]: 'v4',
      'http://bad1.test/': 'ASYNCWITH_CONNECTION',
      'http://bad2.test/': 'ASYNCWITH_CONNECTION',
    })
  })

  it('rejects a dns option of the wrong shape, naming it', () => {
    expect(() => new HttpClient({ dns: { ttl: -1 } })).toThrow(/`dns.ttl`/)
    expect(() => new HttpClient({ dns: { lookup: 'x' as never } })).toThrow(/`dns.lookup`/)
  })
})
